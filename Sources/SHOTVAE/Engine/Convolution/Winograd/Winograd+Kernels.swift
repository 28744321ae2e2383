extension Winograd {
    /// `U[ξ, o, c] = (G g Gᵀ)[ξ]` for every kernel, `[36, O, C']` (`C'` the input channels
    /// padded to whole vectors, the padding zero); with `flipped`, the kernels of the adjoint
    /// instead: `g'[c, o] = g[o, c]` rotated by 180°, giving `[36, C, O']`.
    ///
    /// `G = [[¼, 0, 0], [-⅙, -⅙, -⅙], [-⅙, ⅙, -⅙], [1/24, 1/12, ⅙], [1/24, -1/12, ⅙], [0, 0, 1]]`.
    static func transformedKernels(_ w: UnsafePointer<Float>, outChannels: Int, inChannels: Int, flipped: Bool) -> Tensor {
        PhaseClock.measure(.transforms) {
            let (rows, columns) = flipped ? (inChannels, outChannels) : (outChannels, inChannels)
            let padded = ChannelsLast.paddedChannels(columns)
            var result = Tensor(uninitializedShape: [36, rows, padded])
            let u = result.mutablePointer
            @inline(__always) func along(_ g0: Float, _ g1: Float, _ g2: Float) -> [6 of Float] {
                let (sixth, twelfth, twentyFourth): (Float, Float, Float) = (1 / 6, 1 / 12, 1 / 24)
                let (outer, middle) = ((g0 + g2) * sixth, g1 * sixth)
                let (near, far) = (g0 * twentyFourth + g2 * sixth, g1 * twelfth)
                return [0.25 * g0, -outer - middle, middle - outer, near + far, near - far, g2]
            }
            // A row of each of the 36 matrices at a time, made in a buffer of the core's and then
            // copied in whole rows (the matrices lie a power of two apart, so scattered stores would
            // all fall in the same cache sets); the rows split across the cores.
            Parallel.forEach(rows, grain: 16) { range in
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 36 * padded)
                defer { buffer.deallocate() }
                buffer.initialize(repeating: 0, count: 36 * padded)
                for row in range {
                    for column in 0..<columns {
                        let (o, c) = flipped ? (column, row) : (row, column)
                        let g = w + (o * inChannels + c) * 9
                        @inline(__always) func tap(_ i: Int, _ j: Int) -> Float { flipped ? g[8 - 3 * i - j] : g[3 * i + j] }
                        // G g: six rows of three (G down each kernel column).
                        let down = (along(tap(0, 0), tap(1, 0), tap(2, 0)), along(tap(0, 1), tap(1, 1), tap(2, 1)),
                                    along(tap(0, 2), tap(1, 2), tap(2, 2)))
                        for a in 0..<6 {
                            // G along each row of G g.
                            let values = along(down.0[a], down.1[a], down.2[a])
                            for b in 0..<6 { buffer[(6 * a + b) * padded + column] = values[b] }
                        }
                    }
                    for xi in 0..<36 {
                        (u + (xi * rows + row) * padded).update(from: buffer + xi * padded, count: padded)
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
