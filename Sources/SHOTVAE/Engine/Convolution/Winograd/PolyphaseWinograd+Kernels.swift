extension PolyphaseWinograd {
    /// `U[ξ, o, p·C' + c]`, `[25, O, 4C']` (`C'` the channels padded to whole vectors, the
    /// padding zero): for every kernel `w[o, c]` `[4, 4]` and phase `p`, `G k Gᵀ` of the phase's
    /// 2x2 kernel `k`. Along each axis, `K(w) = (G (w0, w2), G (w1, w3))`: the odd phase (taps 0
    /// and 2), then the even one (taps 1 and 3), indexed as ``PhaseTiles`` indexes `T`.
    ///
    /// Eight kernels `w[o, c0 … c0 + 7]` at a time, a channel per lane, so that every transformed
    /// value is one store of eight consecutive channels.
    static func transformedKernels(_ w: UnsafePointer<Float>, smallChannels: Int, largeChannels: Int) -> Tensor {
        PhaseClock.measure(.transforms) {
            typealias Channels = ChannelsLast.Channels
            let positions = PhaseTiles.positions
            let padded = PhaseTiles.paddedChannels(largeChannels)
            var result = Tensor(uninitializedShape: [positions, smallChannels, 4 * padded])
            let u = result.mutablePointer
            // Row `o` of all 25 matrices is made in a buffer of the core's and copied out in whole
            // rows (the matrices lie a power of two apart: stores in place would fall in the same
            // cache sets); the rows split across the cores.
            let rowLength = 4 * padded
            Parallel.forEach(smallChannels, grain: 16) { rows in
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4 * positions * rowLength, alignment: 64)
                defer { buffer.deallocate() }
                for o in rows {
                    for c0 in Swift.stride(from: 0, to: padded, by: Channels.scalarCount) {
                        let kernels = w + (o * largeChannels + c0) * 16
                        let lanes = min(Channels.scalarCount, largeChannels - c0)
                        // Tap `(r, j)` of the eight kernels (zero for padding channels).
                        @inline(__always) func tap(_ r: Int, _ j: Int) -> Channels {
                            var value = Channels()
                            for l in 0..<lanes { value[l] = kernels[16 * l + 4 * r + j] }
                            return value
                        }
                        // K down each kernel column: `rowsOf[j][a]` is row `a` of `K w`, column `j`.
                        @inline(__always) func down(_ j: Int) -> [10 of Channels] {
                            let (odd, even) = (PhaseTiles.kernelTransform(tap(0, j), tap(2, j)),
                                               PhaseTiles.kernelTransform(tap(1, j), tap(3, j)))
                            return [odd[0], odd[1], odd[2], odd[3], odd[4], even[0], even[1], even[2], even[3], even[4]]
                        }
                        let columns = (down(0), down(1), down(2), down(3))
                        // K along each row of `K w`.
                        for a in 0..<10 {
                            let (left, right) = (PhaseTiles.kernelTransform(columns.0[a], columns.2[a]),
                                                 PhaseTiles.kernelTransform(columns.1[a], columns.3[a]))
                            @inline(__always) func put(_ b: Int, _ value: Channels) {
                                let offset = PhaseTiles.position(a, b) * rowLength + PhaseTiles.phase(a, b) * padded + c0
                                buffer.storeBytes(of: value, toByteOffset: 4 * offset, as: Channels.self)
                            }
                            for k in 0..<5 {
                                put(k, left[k])
                                put(5 + k, right[k])
                            }
                        }
                    }
                    let values = buffer.assumingMemoryBound(to: Float.self)
                    for xi in 0..<positions {
                        (u + (xi * smallChannels + o) * rowLength).update(from: values + xi * rowLength, count: rowLength)
                    }
                }
            }
            return result
        }
    }

    /// The adjoint of ``transformedKernels(_:smallChannels:largeChannels:)``: `[25, O, 4C']` to
    /// `[O, C, 4, 4]`. Along each axis, `Kᵀ(u)` gives taps 0 and 2 as `Gᵀ` of the odd phase's
    /// five values and taps 1 and 3 as `Gᵀ` of the even one's. Eight kernels at a time, a
    /// channel per lane.
    static func kernelsFromTransforms(_ du: UnsafePointer<Float>, smallChannels: Int, largeChannels: Int) -> Tensor {
        PhaseClock.measure(.transforms) {
            typealias Channels = ChannelsLast.Channels
            let positions = PhaseTiles.positions
            let padded = PhaseTiles.paddedChannels(largeChannels)
            var result = Tensor(uninitializedShape: [smallChannels, largeChannels, 4, 4])
            let dw = result.mutablePointer
            // Row `o` of all 25 matrices is first copied into a buffer of the core's, in whole rows;
            // the rows split across the cores.
            let rowLength = 4 * padded
            Parallel.forEach(smallChannels, grain: 16) { rows in
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4 * positions * rowLength, alignment: 64)
                defer { buffer.deallocate() }
                let values = buffer.assumingMemoryBound(to: Float.self)
                for o in rows {
                    for xi in 0..<positions {
                        (values + xi * rowLength).update(from: du + (xi * smallChannels + o) * rowLength, count: rowLength)
                    }
                    for c0 in Swift.stride(from: 0, to: padded, by: Channels.scalarCount) {
                        // Kᵀ along each row `a` of the transform: `columns[j][a]` is column `j` of `U K`.
                        var columns = [4 of [10 of Channels]](repeating: [10 of Channels](repeating: Channels()))
                        for a in 0..<10 {
                            @inline(__always) func at(_ b: Int) -> Channels {
                                let offset = PhaseTiles.position(a, b) * rowLength + PhaseTiles.phase(a, b) * padded + c0
                                return buffer.load(fromByteOffset: 4 * offset, as: Channels.self)
                            }
                            let (t0, t2) = PhaseTiles.kernelAdjoint(at(0), at(1), at(2), at(3), at(4))
                            let (t1, t3) = PhaseTiles.kernelAdjoint(at(5), at(6), at(7), at(8), at(9))
                            columns[0][a] = t0; columns[1][a] = t1; columns[2][a] = t2; columns[3][a] = t3
                        }
                        // Kᵀ down each column, into the kernels' taps.
                        let kernels = dw + (o * largeChannels + c0) * 16
                        let lanes = min(Channels.scalarCount, largeChannels - c0)
                        for j in 0..<4 {
                            let t = columns[j]
                            let (k0, k2) = PhaseTiles.kernelAdjoint(t[0], t[1], t[2], t[3], t[4])
                            let (k1, k3) = PhaseTiles.kernelAdjoint(t[5], t[6], t[7], t[8], t[9])
                            for l in 0..<lanes {
                                kernels[16 * l + j] = k0[l]
                                kernels[16 * l + 4 + j] = k1[l]
                                kernels[16 * l + 8 + j] = k2[l]
                                kernels[16 * l + 12 + j] = k3[l]
                            }
                        }
                    }
                }
            }
            return result
        }
    }
}
