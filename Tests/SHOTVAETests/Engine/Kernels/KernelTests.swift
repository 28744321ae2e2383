import Testing

@testable import SHOTVAE

/// The general matrix product and the im2col/col2im kernels against naive loops.
@Suite struct KernelTests {
    /// `(m, n, k)`: a small product; `B`'s columns in whole panels (read in place when not
    /// transposed); a depth of more than one packed slice (``Kernels/gemmDepth``); many rows;
    /// enough work for `parallelGemm` to split the rows with `B` to pack (columns past whole
    /// panels, three depth slices).
    static let gemmSizes = [(5, 7, 3), (9, 32, 20), (13, 37, 300), (70, 48, 520), (96, 300, 600)]

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)], [false, true])
    func gemmHandlesEveryTransposeCase(transposes: (a: Bool, b: Bool), accumulates: Bool) {
        for (m, n, k) in Self.gemmSizes {
            for parallel in [false, true] {
                let (transposeA, transposeB) = transposes
                let a = randomTensor(transposeA ? [k, m] : [m, k], seed: 1)
                let b = randomTensor(transposeB ? [n, k] : [k, n], seed: 2)
                var c = randomTensor([m, n], seed: 3)
                let c0 = c
                if parallel {
                    Kernels.parallelGemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        a: a.pointer, lda: a.shape[1], b: b.pointer, ldb: b.shape[1],
                        c: c.mutablePointer, ldc: n, accumulates: accumulates)
                } else {
                    Kernels.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                        a: a.pointer, lda: a.shape[1], b: b.pointer, ldb: b.shape[1],
                        c: c.mutablePointer, ldc: n, accumulates: accumulates)
                }
                var expected = [Float](repeating: 0, count: m * n)
                for i in 0..<m {
                    for j in 0..<n {
                        var total: Double = 0
                        for p in 0..<k {
                            let x = transposeA ? a[p, i] : a[i, p]
                            let y = transposeB ? b[j, p] : b[p, j]
                            total += Double(x) * Double(y)
                        }
                        expected[i * n + j] = Float(total) + (accumulates ? c0[i, j] : 0)
                    }
                }
                expectClose(c, Tensor(shape: [m, n], scalars: expected), relative: 1e-4, absolute: 1e-4)
            }
        }
    }

    /// Direct convolution, the definition, for comparison.
    func naiveConvolution(_ x: Tensor, _ w: Tensor, stride: Int, padding: Int) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * padding - kh) / stride + 1
        let ow = (wd + 2 * padding - kw) / stride + 1
        var y = Tensor(shape: [n, o, oh, ow])
        for b in 0..<n {
            for oc in 0..<o {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var total: Float = 0
                        for ic in 0..<c {
                            for a in 0..<kh {
                                for d in 0..<kw {
                                    let iy = i * stride - padding + a
                                    let ix = j * stride - padding + d
                                    if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                                        total += x[b, ic, iy, ix] * w[oc, ic, a, d]
                                    }
                                }
                            }
                        }
                        y[b, oc, i, j] = total
                    }
                }
            }
        }
        return y
    }

    @Test(arguments: [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 1, 4), (3, 2, 5), (1, 0, 1), (2, 0, 1)])
    func convolutionMatchesDefinition(stride: Int, padding: Int, kernel: Int) {
        for (height, width) in [(7, 6), (18, 17)] {  // batched and per-image paths
            let x = randomTensor([2, 3, height, width], seed: 4)
            let w = randomTensor([4, 3, kernel, kernel], seed: 5)
            let g = ConvolutionGeometry(
                channels: 3, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
                stride: stride, padding: padding)
            let y = Convolution.forward(input: x, weight: w, bias: nil, geometry: g).output
            expectClose(y, naiveConvolution(x, w, stride: stride, padding: padding), relative: 1e-4, absolute: 1e-4)
        }
    }

    /// Larger batches take the grouped path (several images per product); the output must
    /// match the definition and both gradients must be the adjoints of the forward map:
    /// ⟨conv(x, w), dy⟩ = ⟨x, dX(dy, w)⟩ = ⟨w, dW(dy, x)⟩.
    @Test(arguments: [(1, 1, 3, 8), (2, 1, 3, 8), (1, 0, 1, 8), (2, 0, 1, 6), (1, 1, 3, 9), (2, 1, 4, 16)])
    func groupedConvolutionIsConsistent(stride: Int, padding: Int, kernel: Int, size: Int) {
        let batch = 11
        let x = randomTensor([batch, 3, size, size], seed: 20)
        let w = randomTensor([5, 3, kernel, kernel], seed: 21)
        let g = ConvolutionGeometry(
            channels: 3, height: size, width: size, kernelHeight: kernel, kernelWidth: kernel,
            stride: stride, padding: padding)
        #expect(Convolution.groupSize(g, batch: batch) > 1)
        let (y, saved) = Convolution.forward(input: x, weight: w, bias: nil, geometry: g, keepColumns: true)
        #expect((saved.columns == nil) == g.isPointwise)
        expectClose(y, naiveConvolution(x, w, stride: stride, padding: padding), relative: 1e-4, absolute: 1e-4)
        let dy = randomTensor(y.shape, seed: 22)
        let forward = Kernels.dot(y.pointer, dy.pointer, count: y.count)
        // With and without the kept patch matrices.
        for kept in [saved, Convolution.Saved()] {
            let (dx, dw) = Convolution.backward(
                outputGradient: dy, input: x, weight: w, geometry: g, saved: kept, computesInput: true, computesWeight: true)
            expectClose(Kernels.dot(x.pointer, dx!.pointer, count: x.count), forward, relative: 1e-4, absolute: 1e-3)
            expectClose(Kernels.dot(w.pointer, dw!.pointer, count: w.count), forward, relative: 1e-4, absolute: 1e-3)
        }
        // The transposed convolution is the adjoint: ⟨convᵀ(dy), x⟩ = ⟨dy, conv(x)⟩, and its
        // gradients are the forward convolution and the same weight gradient.
        let transposed = Convolution.transposedForward(input: dy, weight: w, bias: nil, geometry: g).output
        expectClose(Kernels.dot(transposed.pointer, x.pointer, count: x.count), forward, relative: 1e-4, absolute: 1e-3)
        let (tdx, tdw) = Convolution.transposedBackward(
            outputGradient: x, input: dy, weight: w, geometry: g, computesInput: true, computesWeight: true)
        expectClose(tdx!, y, relative: 1e-4, absolute: 1e-4)
        let (_, dw) = Convolution.backward(
            outputGradient: dy, input: x, weight: w, geometry: g, computesInput: false, computesWeight: true)
        expectClose(tdw!, dw!, relative: 1e-4, absolute: 1e-4)
    }

    /// im2col writes exactly the definition's entries, zeros in the padding, for every path:
    /// size-preserving (including padding as wide as the image), strided, and general stride 1;
    /// images side by side (a row stride larger than the image's pixels) keep their neighbour.
    @Test(arguments: [
        (1, 1, 3, 7, 8), (1, 2, 5, 6, 9), (1, 2, 5, 2, 3), (1, 1, 3, 1, 1), (1, 0, 1, 3, 4),
        (2, 1, 3, 7, 8), (1, 0, 3, 7, 8), (1, 1, 2, 5, 6),
    ])
    func im2colWritesTheDefinition(stride: Int, padding: Int, kernel: Int, height: Int, width: Int) {
        let g = ConvolutionGeometry(
            channels: 2, height: height, width: width, kernelHeight: kernel, kernelWidth: kernel,
            stride: stride, padding: padding)
        let x = randomTensor([2, height, width], seed: 8)
        let rowStride = 2 * g.outputPixels
        var columns = Tensor(shape: [g.patchSize, rowStride], scalars: Array(repeating: 7, count: g.patchSize * rowStride))
        Kernels.im2col(x.pointer, g, into: columns.mutablePointer, rowStride: rowStride, channels: 0..<2)
        var mismatches = 0
        for c in 0..<2 {
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    let row = (c * kernel + ky) * kernel + kx
                    for oy in 0..<g.outputHeight {
                        for ox in 0..<g.outputWidth {
                            let iy = oy * stride - padding + ky
                            let ix = ox * stride - padding + kx
                            let inside = iy >= 0 && iy < height && ix >= 0 && ix < width
                            let expected: Float = inside ? x[c, iy, ix] : 0
                            if columns[row, oy * g.outputWidth + ox] != expected { mismatches += 1 }
                        }
                    }
                    for j in g.outputPixels..<rowStride where columns[row, j] != 7 { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// col2im is the adjoint of im2col: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for all x, c.
    @Test(arguments: [(1, 1, 3, 7), (2, 1, 3, 7), (2, 0, 2, 7), (3, 1, 4, 7), (1, 2, 5, 7), (1, 0, 1, 7), (1, 2, 5, 2)])
    func col2imIsTheAdjointOfIm2col(stride: Int, padding: Int, kernel: Int, height: Int) {
        let g = ConvolutionGeometry(
            channels: 2, height: height, width: 8, kernelHeight: kernel, kernelWidth: kernel,
            stride: stride, padding: padding)
        let x = randomTensor([2, height, 8], seed: 6)
        var c = randomTensor([g.patchSize, g.outputPixels], seed: 7)
        var columns = Tensor(shape: [g.patchSize, g.outputPixels])
        Kernels.im2col(x.pointer, g, into: columns.mutablePointer, rowStride: g.outputPixels, channels: 0..<2)
        let left = Kernels.dot(columns.pointer, c.pointer, count: c.count)
        var folded = Tensor(shape: [2, height, 8])
        Kernels.col2im(c.mutablePointer, rowStride: g.outputPixels, g, into: folded.mutablePointer, channels: 0..<2)
        let right = Kernels.dot(x.pointer, folded.pointer, count: x.count)
        expectClose(left, right, relative: 1e-5, absolute: 1e-4)
    }

    @Test func parallelForCoversEveryIndexOnce() {
        for count in [0, 1, 7, 1000, 100_003] {
            var hits = [Int](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { buffer in
                let p = buffer.baseAddress
                Parallel.forEach(count, grain: 10) { range in
                    for i in range { p![i] += 1 }
                }
            }
            #expect(hits.allSatisfy { $0 == 1 })
        }
    }

    @Test func sumAndDotHandleTails() {
        for count in [0, 1, 7, 8, 15, 16, 17, 33] {
            let x = Tensor(shape: [count], scalars: (0..<count).map { Float($0) })
            #expect(Kernels.sum(x.pointer, count: count) == Float(count * (count - 1) / 2))
            #expect(Kernels.dot(x.pointer, x.pointer, count: count) == Float((0..<count).map { $0 * $0 }.reduce(0, +)))
        }
    }

    /// The batch norm's one-pass moments against a two-pass sum in double precision, on maps
    /// whose mean is a hundred times their spread and whose rows end in a tail shorter than a
    /// vector.
    @Test(arguments: [(3, 5, 49), (2, 16, 64), (1, 3, 1)])
    func channelMomentsMatchTwoPassDoubles(batch: Int, channels: Int, pixels: Int) {
        let x = randomTensor([batch, channels, pixels], seed: 51, scale: 0.5, shift: 50)
        var (mean, variance) = (Tensor(shape: [channels]), Tensor(shape: [channels]))
        Kernels.channelMoments(x.pointer, batch: batch, channels: channels, pixels: pixels,
                               mean: mean.mutablePointer, variance: variance.mutablePointer)
        let values = x.scalars
        for c in 0..<channels {
            let channel = (0..<batch).flatMap { n in (0..<pixels).map { Double(values[(n * channels + c) * pixels + $0]) } }
            let m = channel.reduce(0, +) / Double(channel.count)
            let v = channel.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(channel.count)
            #expect(abs(Double(mean[c]) - m) <= 1e-5 * abs(m))
            #expect(abs(Double(variance[c]) - v) <= 1e-3 * v + 1e-6)
        }
    }
}
