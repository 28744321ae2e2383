extension Winograd {
    /// The transformed kernels `U[ξ, o, c] = (G g Gᵀ)[ξ]` as the products read them: for each of
    /// the 36 positions `ξ`, `U[ξ]ᵀ` (`C' x O`, `C'` the input channels padded to whole vectors)
    /// packed in panels of 16 output channels (``Kernels/packedPanelsSize(columns:depth:)`` floats
    /// per position; panel `q`'s row `c` holds `U[ξ, 16q …, c]`, zeros past the channels). With
    /// `flipped`, the kernels of the adjoint instead: `g'[c, o] = g[o, c]` rotated by 180°, input
    /// and output channels swapped.
    ///
    /// `G = [[¼, 0, 0], [-⅙, -⅙, -⅙], [-⅙, ⅙, -⅙], [1/24, 1/12, ⅙], [1/24, -1/12, ⅙], [0, 0, 1]]`.
    static func transformedKernels(_ w: UnsafePointer<Float>, outChannels: Int, inChannels: Int, flipped: Bool) -> Tensor {
        PhaseClock.measure(.transforms) {
            // The product's columns (`O`, or `C` flipped) and its depth (the other side, padded).
            let (columns, depthChannels) = flipped ? (inChannels, outChannels) : (outChannels, inChannels)
            let depth = ChannelsLast.paddedChannels(depthChannels)
            let width = Kernels.panelWidth
            let positionSize = Kernels.packedPanelsSize(columns: columns, depth: depth)
            var result = Tensor(uninitializedShape: [36 * positionSize])
            let u = result.mutablePointer
            typealias Lanes = SIMD16<Float>
            precondition(Lanes.scalarCount == width, "A panel is one vector of 16 columns.")
            @inline(__always) func along(_ g0: Lanes, _ g1: Lanes, _ g2: Lanes) -> [6 of Lanes] {
                let (sixth, twelfth, twentyFourth): (Float, Float, Float) = (1 / 6, 1 / 12, 1 / 24)
                let (outer, middle) = ((g0 + g2) * sixth, g1 * sixth)
                let (near, far) = (g0 * twentyFourth + g2 * sixth, g1 * twelfth)
                return [0.25 * g0, -outer - middle, middle - outer, near + far, near - far, g2]
            }
            // A panel's row (16 columns of one depth channel) of all 36 positions at a time; the
            // panels split across the cores. The row's 16 kernels are first gathered into `taps`,
            // `[9, 16]` (tap `k` of column `j`, flipped if asked, zeros past the columns), so that
            // each tap of the 16 kernels is one vector.
            let panels = (columns + width - 1) / width
            Parallel.forEach(panels, grain: 1) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 9 * width) { buffer in
                    let taps = buffer.baseAddress!
                    for q in range {
                        // A last panel of fewer columns leaves the rest of `taps` at zero.
                        let count = min(width, columns - q * width)
                        if count < width { buffer.initialize(repeating: 0) }
                        for p in 0..<depth {
                            let row = u + (q * depth + p) * width
                            guard p < depthChannels else {
                                for xi in 0..<36 { UnsafeMutableRawPointer(row + xi * positionSize).storeBytes(of: Lanes(), as: Lanes.self) }
                                continue
                            }
                            for j in 0..<count {
                                let (o, c) = flipped ? (p, q * width + j) : (q * width + j, p)
                                let g = w + (o * inChannels + c) * 9
                                for k in 0..<9 { taps[(flipped ? 8 - k : k) * width + j] = g[k] }
                            }
                            @inline(__always) func tap(_ i: Int, _ j: Int) -> Lanes {
                                UnsafeRawPointer(taps + (3 * i + j) * width).loadUnaligned(as: Lanes.self)
                            }
                            // G g: six rows of three (G down each kernel column).
                            let down = (along(tap(0, 0), tap(1, 0), tap(2, 0)), along(tap(0, 1), tap(1, 1), tap(2, 1)),
                                        along(tap(0, 2), tap(1, 2), tap(2, 2)))
                            for a in 0..<6 {
                                // G along each row of G g.
                                let values = along(down.0[a], down.1[a], down.2[a])
                                for b in 0..<6 {
                                    UnsafeMutableRawPointer(row + (6 * a + b) * positionSize).storeBytes(of: values[b], as: Lanes.self)
                                }
                            }
                        }
                    }
                }
            }
            return result
        }
    }

    /// `dg = Gᵀ dU G` for every kernel: `[36, O, C']` to `[O, C, 3, 3]`.
    static func kernelsFromTransforms(_ du: UnsafePointer<Float>, outChannels: Int, inChannels: Int) -> Tensor {
        PhaseClock.measure(.transforms) {
            let padded = ChannelsLast.paddedChannels(inChannels)
            var result = Tensor(uninitializedShape: [outChannels, inChannels, 3, 3])
            let dw = result.mutablePointer
            let stride = outChannels * padded
            // Gᵀ u for six values.
            @inline(__always) func along(_ u: (Int) -> Float) -> (Float, Float, Float) {
                let (sixth, twelfth, twentyFourth): (Float, Float, Float) = (1 / 6, 1 / 12, 1 / 24)
                let (s12, d12, s34, d34) = (u(1) + u(2), u(2) - u(1), u(3) + u(4), u(3) - u(4))
                return (0.25 * u(0) - s12 * sixth + s34 * twentyFourth, d12 * sixth + d34 * twelfth,
                        (s34 - s12) * sixth + u(5))
            }
            // Row `o` of all 36 matrices is first copied into a buffer of the core's, in whole rows
            // (read in place, the 36 values of one kernel lie a power of two apart, in the same cache
            // sets); the rows split across the cores.
            Parallel.forEach(outChannels, grain: 16) { rows in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 36 * padded)
                defer { buffer.deallocate() }
                for o in rows {
                    for xi in 0..<36 { (buffer + xi * padded).update(from: du + xi * stride + o * padded, count: padded) }
                    for c in 0..<inChannels {
                        // Gᵀ dU: three rows of six (Gᵀ down each column).
                        var t = [18 of Float](repeating: 0)
                        for b in 0..<6 {
                            let (r0, r1, r2) = along { buffer[(6 * $0 + b) * padded + c] }
                            t[b] = r0; t[6 + b] = r1; t[12 + b] = r2
                        }
                        let g = dw + (o * inChannels + c) * 9
                        for i in 0..<3 {
                            let (g0, g1, g2) = along { t[6 * i + $0] }
                            g[3 * i] = g0; g[3 * i + 1] = g1; g[3 * i + 2] = g2
                        }
                    }
                }
            }
            return result
        }
    }
}
