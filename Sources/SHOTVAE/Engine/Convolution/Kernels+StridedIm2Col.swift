extension Kernels {
    // MARK: - Strided convolutions

    /// The "phase" layout of one input row for a stride `s`: element `s·j + p` of the row goes
    /// to position `margin + j` of phase `p`, every other position is 0. A kernel column `kx`
    /// reads input column `s·ox - padding + kx = s·(ox + q) + p`, so its whole output row is the
    /// contiguous run `phase[p][margin + q ..< margin + q + outputWidth]`, with the zero border
    /// in place of the padding.
    struct RowPhases {
        let stride: Int
        let margin: Int
        let length: Int
        /// The floats of one row split into its phases, `stride · length`.
        var rowLength: Int { stride * length }

        init(_ g: ConvolutionGeometry) {
            stride = g.stride
            margin = (g.padding + g.stride - 1) / g.stride + 1
            length = margin + max(g.outputWidth, (g.width + g.stride - 1) / g.stride) + g.kernelWidth / g.stride + 2
        }

        /// Where kernel column `kx` starts reading: the phase and the offset within it.
        func start(_ kx: Int, padding: Int) -> (phase: Int, offset: Int) {
            let shift = kx - padding
            let q = shift >= 0 ? shift / stride : -((-shift + stride - 1) / stride)
            return (shift - q * stride, margin + q)
        }

        /// How many channels' rows, split into phases, fit in ``splitBytes``.
        func channelsPerBlock(_ g: ConvolutionGeometry, of channels: Range<Int>) -> Int {
            max(1, min(channels.count, splitBytes / (g.height * rowLength * MemoryLayout<Float>.stride)))
        }

        /// Splits one input row of `width` floats into its phases (the margins are not written).
        @inline(__always)
        func split(_ source: UnsafePointer<Float>, width: Int, into destination: UnsafeMutablePointer<Float>) {
            var start = 0
            if stride == 2 {
                // Sixteen (then eight) inputs at a time: the even ones to phase 0, the odd to phase 1.
                let even = destination + margin
                let odd = destination + length + margin
                while start + 16 <= width {
                    let pair = UnsafeRawPointer(source + start).loadUnaligned(as: SIMD16<Float>.self)
                    even.store(pair.evenHalf, at: start / 2)
                    odd.store(pair.oddHalf, at: start / 2)
                    start += 16
                }
                if start + 8 <= width {
                    let pair = UnsafeRawPointer(source + start).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(even + start / 2).storeBytes(of: pair.evenHalf, as: SIMD4<Float>.self)
                    UnsafeMutableRawPointer(odd + start / 2).storeBytes(of: pair.oddHalf, as: SIMD4<Float>.self)
                    start += 8
                }
            }
            for phase in 0..<stride {
                let phaseRow = destination + phase * length + margin
                var ix = start + phase
                var j = start / stride
                while ix < width {
                    phaseRow[j] = source[ix]
                    ix += stride
                    j += 1
                }
            }
        }

        /// Adds a row split into phases back onto the input row it came from: the adjoint of
        /// ``split(_:width:into:)``.
        @inline(__always)
        func merge(_ source: UnsafePointer<Float>, width: Int, into destination: UnsafeMutablePointer<Float>) {
            var start = 0
            if stride == 2 {
                let even = source + margin
                let odd = source + length + margin
                while start + 16 <= width {
                    let e = even.vector(at: start / 2), o = odd.vector(at: start / 2)
                    let interleaved = SIMD16<Float>(
                        e[0], o[0], e[1], o[1], e[2], o[2], e[3], o[3], e[4], o[4], e[5], o[5], e[6], o[6], e[7], o[7])
                    let sum = UnsafeRawPointer(destination + start).loadUnaligned(as: SIMD16<Float>.self) + interleaved
                    UnsafeMutableRawPointer(destination + start).storeBytes(of: sum, as: SIMD16<Float>.self)
                    start += 16
                }
                if start + 8 <= width {
                    let e = UnsafeRawPointer(even + start / 2).loadUnaligned(as: SIMD4<Float>.self)
                    let o = UnsafeRawPointer(odd + start / 2).loadUnaligned(as: SIMD4<Float>.self)
                    let interleaved = SIMD8<Float>(e[0], o[0], e[1], o[1], e[2], o[2], e[3], o[3])
                    destination.store(destination.vector(at: start) + interleaved, at: start)
                    start += 8
                }
            }
            for phase in 0..<stride {
                let phaseRow = source + phase * length + margin
                var ix = start + phase
                var j = start / stride
                while ix < width {
                    destination[ix] += phaseRow[j]
                    ix += stride
                    j += 1
                }
            }
        }
    }

    /// The rows of a block of channels split into phases aim at this many bytes, so that they
    /// stay in the L1 cache between the two passes of ``stridedIm2col(_:_:into:rowStride:channels:)``.
    static let splitBytes = 16_384

    /// im2col for strides of 2 and more, through ``RowPhases``: every write is a contiguous copy.
    ///
    /// Channels go in blocks, in two passes: first every row of the block is split into its
    /// phases, then each patch row is copied out of the split rows. Splitting a row and reading
    /// it back at once would load, at an offset of one float, what the split has only just
    /// stored, which the processor cannot forward from its store buffer: the load waits for
    /// the stores to retire, and that wait dominated the unfolding.
    static func stridedIm2col(
        _ image: UnsafePointer<Float>, _ g: ConvolutionGeometry,
        into columns: UnsafeMutablePointer<Float>, rowStride: Int, channels: Range<Int>
    ) {
        PhaseClock.measure(.transforms) {
            let outH = g.outputHeight
            let outW = g.outputWidth
            let phases = RowPhases(g)
            let starts = (0..<g.kernelWidth).map { phases.start($0, padding: g.padding) }
            let block = phases.channelsPerBlock(g, of: channels)
            let channelLength = g.height * phases.rowLength
            withUnsafeTemporaryAllocation(of: Float.self, capacity: block * channelLength) { buffer in
                let split = buffer.baseAddress!
                // Every row writes the same positions of its phases; the rest stays zero.
                fill(split, with: 0, count: block * channelLength)
                for first in Swift.stride(from: channels.lowerBound, to: channels.upperBound, by: block) {
                    let blockChannels = first..<min(first + block, channels.upperBound)
                    for c in blockChannels {
                        let plane = image + c * g.inputPixels
                        let channelRows = split + (c - first) * channelLength
                        for iy in 0..<g.height {
                            phases.split(plane + iy * g.width, width: g.width, into: channelRows + iy * phases.rowLength)
                        }
                    }
                    for c in blockChannels {
                        let channelRows = split + (c - first) * channelLength
                        for ky in 0..<g.kernelHeight {
                            let rows = columns + ((c * g.kernelHeight + ky) * g.kernelWidth) * rowStride
                            for oy in 0..<outH {
                                let iy = oy * g.stride - g.padding + ky
                                if iy < 0 || iy >= g.height {
                                    for kx in 0..<g.kernelWidth { fill(rows + kx * rowStride + oy * outW, with: 0, count: outW) }
                                    continue
                                }
                                let source = channelRows + iy * phases.rowLength
                                for kx in 0..<g.kernelWidth {
                                    let (phase, offset) = starts[kx]
                                    copy(source + phase * phases.length + offset, to: rows + kx * rowStride + oy * outW, count: outW)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// col2im for strides of 2 and more: the adjoint of ``stridedIm2col(_:_:into:rowStride:channels:)``.
    ///
    /// The patch rows of a block of channels are added into its rows split into phases, then
    /// every split row is merged onto the image. The additions go kernel column by kernel
    /// column over the whole block, so that two additions into the same split row at offsets
    /// one float apart (kernel columns `kx` and `kx + stride`) are far apart in time: back to
    /// back, the second would load what the first has only just stored (see
    /// ``stridedIm2col(_:_:into:rowStride:channels:)``).
    static func stridedCol2im(
        _ columns: UnsafePointer<Float>, rowStride: Int, _ g: ConvolutionGeometry,
        into image: UnsafeMutablePointer<Float>, channels: Range<Int>
    ) {
        PhaseClock.measure(.transforms) {
            let outH = g.outputHeight
            let outW = g.outputWidth
            let phases = RowPhases(g)
            let starts = (0..<g.kernelWidth).map { phases.start($0, padding: g.padding) }
            let block = phases.channelsPerBlock(g, of: channels)
            let channelLength = g.height * phases.rowLength
            withUnsafeTemporaryAllocation(of: Float.self, capacity: block * channelLength) { buffer in
                let split = buffer.baseAddress!
                for first in Swift.stride(from: channels.lowerBound, to: channels.upperBound, by: block) {
                    let blockChannels = first..<min(first + block, channels.upperBound)
                    fill(split, with: 0, count: blockChannels.count * channelLength)
                    for kx in 0..<g.kernelWidth {
                        let (phase, offset) = starts[kx]
                        for c in blockChannels {
                            let channelRows = split + (c - first) * channelLength + phase * phases.length + offset
                            for ky in 0..<g.kernelHeight {
                                let row = columns + ((c * g.kernelHeight + ky) * g.kernelWidth + kx) * rowStride
                                for oy in 0..<outH {
                                    let iy = oy * g.stride - g.padding + ky
                                    if iy < 0 || iy >= g.height { continue }
                                    add(row + oy * outW, into: channelRows + iy * phases.rowLength, count: outW)
                                }
                            }
                        }
                    }
                    for c in blockChannels {
                        let plane = image + c * g.inputPixels
                        let channelRows = split + (c - first) * channelLength
                        for iy in 0..<g.height {
                            phases.merge(channelRows + iy * phases.rowLength, width: g.width, into: plane + iy * g.width)
                        }
                    }
                }
            }
        }
    }
}
