import Testing

@testable import SHOTVAE

/// Polyphase F(4x4, 2x2) for 4x4 stride-2 convolutions against the definition of the
/// convolution and its two gradients, summed in double precision: square and oblong maps, a
/// single tile per image, small sides that are not multiples of the tile (the last tiles reach
/// past the map), channel counts that do not fill the vector lanes, and batches that split into
/// uneven groups; and the transposed convolution (its adjoint) through ``Convolution``.
struct PolyphaseWinogradTests {
    typealias Shape = (batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int)

    /// `height` and `width` are the input's (the large side); every batch has at least
    /// ``PolyphaseWinograd/minimumTiles`` tiles, so that ``Convolution`` takes this path.
    static let shapes: [Shape] = [
        (32, 16, 20, 8, 8), (16, 17, 16, 8, 12), (6, 16, 16, 14, 20), (9, 32, 64, 16, 16), (4, 16, 24, 32, 32),
    ]

    func geometry(_ s: Shape) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: s.inChannels, height: s.height, width: s.width,
                            kernelHeight: 4, kernelWidth: 4, stride: 2, padding: 1)
    }

    /// Calls `body(n, o, c, y, x, iy, ix, k)` for every multiply-add of the convolution:
    /// output pixel `(y, x)` reads input pixel `(iy, ix)` through kernel entry `k`.
    func forEachTap(_ s: Shape, _ body: (Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0..<s.batch {
            for o in 0..<s.outChannels {
                for c in 0..<s.inChannels {
                    for y in 0..<(s.height / 2) {
                        for x in 0..<(s.width / 2) {
                            for ky in 0..<4 {
                                for kx in 0..<4 {
                                    let (iy, ix) = (2 * y + ky - 1, 2 * x + kx - 1)
                                    if iy < 0 || iy >= s.height || ix < 0 || ix >= s.width { continue }
                                    body(n, o, c, y, x, iy, ix, ky * 4 + kx)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The convolution `y` of `x` with `w`, and the gradients `dx`, `dw` for the output gradient `dy`.
    func definition(_ s: Shape, x: Tensor, w: Tensor, dy: Tensor) -> (y: Tensor, dx: Tensor, dw: Tensor) {
        let (outHeight, outWidth) = (s.height / 2, s.width / 2)
        var y = [Double](repeating: 0, count: s.batch * s.outChannels * outHeight * outWidth)
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        let (xs, ws, dys) = (x.scalars, w.scalars, dy.scalars)
        forEachTap(s) { n, o, c, py, px, iy, ix, k in
            let out = ((n * s.outChannels + o) * outHeight + py) * outWidth + px
            let input = ((n * s.inChannels + c) * s.height + iy) * s.width + ix
            let kernel = (o * s.inChannels + c) * 16 + k
            y[out] += Double(ws[kernel]) * Double(xs[input])
            dx[input] += Double(ws[kernel]) * Double(dys[out])
            dw[kernel] += Double(dys[out]) * Double(xs[input])
        }
        return (Tensor(shape: [s.batch, s.outChannels, outHeight, outWidth], scalars: y.map(Float.init)),
                Tensor(shape: x.shape, scalars: dx.map(Float.init)), Tensor(shape: w.shape, scalars: dw.map(Float.init)))
    }

    @Test(arguments: 0..<5)
    func matchesTheDefinition(index: Int) {
        let s = Self.shapes[index]
        let g = geometry(s)
        #expect(PolyphaseWinograd.applies(g, outputChannels: s.outChannels, batch: s.batch))
        let x = randomTensor([s.batch, s.inChannels, s.height, s.width], seed: 51)
        let w = randomTensor([s.outChannels, s.inChannels, 4, 4], seed: 52, scale: 0.2)
        let dy = randomTensor([s.batch, s.outChannels, s.height / 2, s.width / 2], seed: 53)
        let exact = definition(s, x: x, w: w, dy: dy)
        let (output, kernels) = PolyphaseWinograd.forward(input: x, weight: w, geometry: g)
        let (inputGradient, weightGradient) = PolyphaseWinograd.backward(
            outputGradient: dy, input: x, weight: w, geometry: g, computesInput: true, computesWeight: true)
        // With the forward pass's transformed kernels, the same gradients.
        let reusing = PolyphaseWinograd.backward(
            outputGradient: dy, input: x, weight: w, kernels: kernels, geometry: g, computesInput: true, computesWeight: true)
        #expect(reusing.input?.scalars == inputGradient!.scalars && reusing.weight?.scalars == weightGradient!.scalars)
        expectClose(output, exact.y, relative: 1e-4, absolute: 1e-4)
        expectClose(inputGradient!, exact.dx, relative: 1e-4, absolute: 1e-4)
        expectClose(weightGradient!, exact.dw, relative: 1e-4, absolute: 1e-3)
        // Either gradient alone is the same as with the other.
        let inputOnly = PolyphaseWinograd.backward(
            outputGradient: dy, input: x, weight: w, geometry: g, computesInput: true, computesWeight: false)
        let weightOnly = PolyphaseWinograd.backward(
            outputGradient: dy, input: x, weight: w, geometry: g, computesInput: false, computesWeight: true)
        #expect(inputOnly.weight == nil && weightOnly.input == nil)
        #expect(inputOnly.input?.scalars == inputGradient!.scalars)
        #expect(weightOnly.weight?.scalars == weightGradient!.scalars)
    }

    /// The transposed convolution from the small side to the large one is the input gradient's
    /// map; its gradients are the convolution and the same weight gradient with the sides swapped.
    @Test(arguments: [0, 1, 3])
    func transposedMatchesTheDefinition(index: Int) {
        let s = Self.shapes[index]
        let g = geometry(s)
        let small = randomTensor([s.batch, s.outChannels, s.height / 2, s.width / 2], seed: 61)
        let w = randomTensor([s.outChannels, s.inChannels, 4, 4], seed: 62, scale: 0.2)
        let largeGradient = randomTensor([s.batch, s.inChannels, s.height, s.width], seed: 63)
        // As a convolution: input `largeGradient`, output gradient `small`.
        let exact = definition(s, x: largeGradient, w: w, dy: small)
        let (y, saved) = Convolution.transposedForward(input: small, weight: w, bias: nil, geometry: g)
        // The forward pass keeps its transformed kernels when they take no more memory than its
        // output (kept for shape 0, transformed again by the backward pass for shape 1).
        let kernels = PolyphaseWinograd.transposedForward(input: small, weight: w, geometry: g).kernels
        #expect((saved.transformedKernels != nil) == (kernels.count <= y.count))
        let (inputGradient, weightGradient) = Convolution.transposedBackward(
            outputGradient: largeGradient, input: small, weight: w, geometry: g, computesInput: true, computesWeight: true)
        // With the forward pass's transformed kernels, the same gradients.
        let reusing = Convolution.transposedBackward(outputGradient: largeGradient, input: small, weight: w, geometry: g,
                                                     saved: Convolution.Saved(transformedKernels: kernels),
                                                     computesInput: true, computesWeight: true)
        #expect(reusing.input?.scalars == inputGradient!.scalars && reusing.weight?.scalars == weightGradient!.scalars)
        expectClose(y, exact.dx, relative: 1e-4, absolute: 1e-4)
        expectClose(inputGradient!, exact.y, relative: 1e-4, absolute: 1e-4)
        expectClose(weightGradient!, exact.dw, relative: 1e-4, absolute: 1e-3)
        let inputOnly = Convolution.transposedBackward(
            outputGradient: largeGradient, input: small, weight: w, geometry: g, computesInput: true, computesWeight: false)
        let weightOnly = Convolution.transposedBackward(
            outputGradient: largeGradient, input: small, weight: w, geometry: g, computesInput: false, computesWeight: true)
        #expect(inputOnly.weight == nil && weightOnly.input == nil)
        #expect(inputOnly.input?.scalars == inputGradient!.scalars)
        #expect(weightOnly.weight?.scalars == weightGradient!.scalars)
    }

    /// Other kernels, strides, paddings, odd or small sizes, thin layers and small batches keep
    /// im2col.
    @Test func appliesOnlyWhereItShould() {
        func g(_ c: Int, _ h: Int, _ w: Int, kernel: Int = 4, stride: Int = 2, padding: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(channels: c, height: h, width: w, kernelHeight: kernel, kernelWidth: kernel,
                                stride: stride, padding: padding)
        }
        #expect(PolyphaseWinograd.applies(g(32, 16, 16), outputChannels: 64, batch: 128))
        #expect(PolyphaseWinograd.applies(g(32, 14, 14), outputChannels: 64, batch: 128))
        #expect(PolyphaseWinograd.applies(g(32, 8, 18), outputChannels: 64, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(32, 15, 16), outputChannels: 64, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(32, 16, 13), outputChannels: 64, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(64, 6, 6), outputChannels: 64, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(256, 4, 4), outputChannels: 512, batch: 128))
        #expect(PolyphaseWinograd.applies(g(64, 8, 8), outputChannels: 64, batch: 32))
        #expect(!PolyphaseWinograd.applies(g(64, 8, 8), outputChannels: 64, batch: 31))
        #expect(!PolyphaseWinograd.applies(g(32, 16, 16), outputChannels: 64, batch: 4))
        #expect(!PolyphaseWinograd.applies(g(32, 16, 16, stride: 1), outputChannels: 64, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(32, 16, 16, padding: 0), outputChannels: 64, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(32, 16, 16, kernel: 3), outputChannels: 64, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(1, 32, 32), outputChannels: 32, batch: 128))
        #expect(!PolyphaseWinograd.applies(g(32, 32, 32), outputChannels: 1, batch: 128))
    }

    /// The largest error against the definition, relative to the largest output, on the MNIST
    /// encoder's widest layer (32 to 64 channels, 16x16 to 8x8). With coefficients up to 8 and ⅙
    /// in the transforms, F(4x4, 2x2) rounds to a few units in the sixth significant digit
    /// (3.8e-6 here).
    @Test func accuracyOnAWideLayer() {
        let s: Shape = (2, 32, 64, 16, 16)
        let x = randomTensor([s.batch, s.inChannels, s.height, s.width], seed: 71)
        let w = randomTensor([s.outChannels, s.inChannels, 4, 4], seed: 72, scale: 0.06)
        var exact = [Double](repeating: 0, count: s.batch * s.outChannels * s.height * s.width / 4)
        let (xs, ws) = (x.scalars, w.scalars)
        forEachTap(s) { n, o, c, py, px, iy, ix, k in
            exact[((n * s.outChannels + o) * s.height / 2 + py) * s.width / 2 + px] +=
                Double(ws[(o * s.inChannels + c) * 16 + k]) * Double(xs[((n * s.inChannels + c) * s.height + iy) * s.width + ix])
        }
        let y = PolyphaseWinograd.forward(input: x, weight: w, geometry: geometry(s)).output.scalars
        let error = zip(y, exact).map { abs(Double($0) - $1) }.max()! / exact.map(abs).max()!
        #expect(error < 1e-5)
    }
}
