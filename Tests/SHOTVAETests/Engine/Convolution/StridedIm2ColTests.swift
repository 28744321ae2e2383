import Testing

@testable import SHOTVAE

/// The strided im2col/col2im against naive loops, over channel blocks: planes large enough
/// that a block holds one or two channels, channel ranges that start inside a block and end
/// in a partial one, and row widths that take each vector path (16, 8 and scalar tails).
struct StridedIm2ColTests {
    static let cases: [(channels: Int, height: Int, width: Int, kernel: Int, padding: Int, stride: Int)] = [
        (12, 32, 32, 4, 1, 2), (5, 16, 16, 4, 1, 2), (7, 8, 8, 4, 1, 2), (3, 4, 4, 4, 1, 2),
        (9, 33, 25, 3, 1, 2), (4, 17, 9, 5, 2, 2), (6, 20, 19, 3, 1, 3), (2, 9, 1, 1, 0, 2),
    ]

    func geometry(_ c: (channels: Int, height: Int, width: Int, kernel: Int, padding: Int, stride: Int)) -> ConvolutionGeometry {
        ConvolutionGeometry(
            channels: c.channels, height: c.height, width: c.width, kernelHeight: c.kernel, kernelWidth: c.kernel,
            stride: c.stride, padding: c.padding)
    }

    /// Where patch entry (row, column) reads, or nil in the padding.
    func source(_ g: ConvolutionGeometry, channel c: Int, ky: Int, kx: Int, oy: Int, ox: Int) -> (iy: Int, ix: Int)? {
        let iy = oy * g.stride - g.padding + ky
        let ix = ox * g.stride - g.padding + kx
        return iy >= 0 && iy < g.height && ix >= 0 && ix < g.width ? (iy, ix) : nil
    }

    @Test(arguments: 0..<8)
    func unfoldsTheDefinitionForAChannelRange(index: Int) {
        let g = geometry(Self.cases[index])
        let range = 1..<g.channels
        let x = randomTensor([g.channels, g.height, g.width], seed: 21)
        let rowStride = g.outputPixels + 3
        var columns = Tensor(shape: [g.patchSize, rowStride], scalars: Array(repeating: 7, count: g.patchSize * rowStride))
        Kernels.im2col(x.pointer, g, into: columns.mutablePointer, rowStride: rowStride, channels: range)
        var mismatches = 0
        for c in 0..<g.channels {
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    let row = (c * g.kernelHeight + ky) * g.kernelWidth + kx
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth {
                            let expected: Float
                            if !range.contains(c) {
                                expected = 7
                            } else if let (iy, ix) = source(g, channel: c, ky: ky, kx: kx, oy: oy, ox: ox) {
                                expected = x[c, iy, ix]
                            } else {
                                expected = 0
                            }
                            if columns[row, oy * g.outputWidth + ox] != expected { mismatches += 1 }
                        }
                    }
                    for j in g.outputPixels..<rowStride where columns[row, j] != 7 { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test(arguments: 0..<8)
    func foldsOntoTheImageForAChannelRange(index: Int) {
        let g = geometry(Self.cases[index])
        let range = 1..<g.channels
        let start = randomTensor([g.channels, g.height, g.width], seed: 22)
        var columns = randomTensor([g.patchSize, g.outputPixels], seed: 23)
        var folded = start
        Kernels.col2im(columns.mutablePointer, rowStride: g.outputPixels, g, into: folded.mutablePointer, channels: range)
        var expected = start
        for c in range {
            for ky in 0..<g.kernelHeight {
                for kx in 0..<g.kernelWidth {
                    let row = (c * g.kernelHeight + ky) * g.kernelWidth + kx
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth {
                            guard let (iy, ix) = source(g, channel: c, ky: ky, kx: kx, oy: oy, ox: ox) else { continue }
                            expected[c, iy, ix] += columns[row, oy * g.outputWidth + ox]
                        }
                    }
                }
            }
        }
        expectClose(folded, expected, relative: 1e-5, absolute: 1e-5)
    }
}
