import Testing

@testable import SHOTVAE

/// F(4x4, 3x3) against the definition of the convolution and its two gradients, summed in
/// double precision: square and oblong maps, maps of one tile, maps whose last tiles reach past
/// them, padded channel counts, and batches that split into uneven groups.
struct WinogradTests {
    static let shapes: [(batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int)] = [
        (3, 16, 20, 8, 8), (5, 17, 16, 6, 10), (2, 16, 16, 4, 4), (9, 24, 32, 16, 16), (4, 32, 16, 32, 32),
        (3, 20, 17, 7, 5),
    ]

    func geometry(_ s: (batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int)) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: s.inChannels, height: s.height, width: s.width,
                            kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
    }

    /// Calls `body(n, o, c, y, x, iy, ix, k)` for every multiply-add of the convolution:
    /// output pixel `(y, x)` reads input pixel `(iy, ix)` through kernel entry `k`.
    func forEachTap(_ s: (batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int),
                    _ body: (Int, Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0..<s.batch {
            for o in 0..<s.outChannels {
                for c in 0..<s.inChannels {
                    for y in 0..<s.height {
                        for x in 0..<s.width {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let (iy, ix) = (y + ky - 1, x + kx - 1)
                                    if iy < 0 || iy >= s.height || ix < 0 || ix >= s.width { continue }
                                    body(n, o, c, y, x, iy, ix, ky * 3 + kx)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: 0..<6)
    func matchesTheDefinition(index: Int) {
        let s = Self.shapes[index]
        let g = geometry(s)
        #expect(Winograd.applies(g, outputChannels: s.outChannels))
        let x = randomTensor([s.batch, s.inChannels, s.height, s.width], seed: 31)
        let w = randomTensor([s.outChannels, s.inChannels, 3, 3], seed: 32, scale: 0.2)
        let dy = randomTensor([s.batch, s.outChannels, s.height, s.width], seed: 33)
        var y = [Double](repeating: 0, count: s.batch * s.outChannels * s.height * s.width)
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        let (xs, ws, dys) = (x.scalars, w.scalars, dy.scalars)
        let plane = s.height * s.width
        forEachTap(s) { n, o, c, py, px, iy, ix, k in
            let out = (n * s.outChannels + o) * plane + py * s.width + px
            let input = (n * s.inChannels + c) * plane + iy * s.width + ix
            let kernel = (o * s.inChannels + c) * 9 + k
            y[out] += Double(ws[kernel]) * Double(xs[input])
            dx[input] += Double(ws[kernel]) * Double(dys[out])
            dw[kernel] += Double(dys[out]) * Double(xs[input])
        }
        let output = Winograd.forward(input: x, weight: w, geometry: g)
        let (inputGradient, weightGradient, _) = Winograd.backward(
            outputGradient: dy, input: x, weight: w, geometry: g, computesInput: true, computesWeight: true)
        // Errors against the largest value of each result: the transforms' rounding scales with
        // the sums, not with each small entry (measured: at most 6.6e-6 on these shapes).
        func expectNear(_ actual: Tensor, _ exact: [Double], _ name: String) {
            let largest = exact.map(abs).max()!
            let error = zip(actual.scalars, exact).map { abs(Double($0) - $1) }.max()! / largest
            #expect(error < 2e-5, "\(name): \(error) of the largest value")
        }
        expectNear(output, y, "output")
        expectNear(inputGradient!, dx, "input gradient")
        expectNear(weightGradient!, dw, "weight gradient")
    }

    /// Maps smaller than a tile, other kernels, strides or paddings, and thin layers keep im2col.
    @Test func appliesOnlyWhereItShould() {
        func g(_ c: Int, _ h: Int, _ w: Int, kernel: Int = 3, stride: Int = 1, padding: Int = 1) -> ConvolutionGeometry {
            ConvolutionGeometry(channels: c, height: h, width: w, kernelHeight: kernel, kernelWidth: kernel,
                                stride: stride, padding: padding)
        }
        #expect(Winograd.applies(g(16, 32, 32), outputChannels: 16))
        #expect(Winograd.applies(g(16, 7, 5), outputChannels: 16))
        #expect(!Winograd.applies(g(16, 3, 8), outputChannels: 16))
        #expect(!Winograd.applies(g(16, 8, 2), outputChannels: 16))
        #expect(!Winograd.applies(g(16, 8, 8, stride: 2), outputChannels: 16))
        #expect(!Winograd.applies(g(16, 8, 8, padding: 0), outputChannels: 16))
        #expect(!Winograd.applies(g(16, 8, 8, kernel: 5, padding: 2), outputChannels: 16))
        #expect(!Winograd.applies(g(3, 32, 32), outputChannels: 16))
        #expect(!Winograd.applies(g(16, 32, 32), outputChannels: 8))
    }
}

extension WinogradTests {
    /// The largest error against the definition, relative to the largest output, on a
    /// WideResNet-sized layer (64 channels, 16x16): the transforms multiply by small integers,
    /// so the error is a few times single-precision rounding (measured: 5.9e-6, against 3e-7 for F(2x2, 3x3)).
    @Test func accuracyOnAWideLayer() {
        let (batch, channels, side) = (2, 64, 16)
        let g = ConvolutionGeometry(channels: channels, height: side, width: side, kernelHeight: 3, kernelWidth: 3,
                                    stride: 1, padding: 1)
        let x = randomTensor([batch, channels, side, side], seed: 41)
        let w = randomTensor([channels, channels, 3, 3], seed: 42, scale: 0.06)
        var exact = [Double](repeating: 0, count: batch * channels * side * side)
        let (xs, ws) = (x.scalars, w.scalars)
        forEachTap((batch, channels, channels, side, side)) { n, o, c, py, px, iy, ix, k in
            exact[((n * channels + o) * side + py) * side + px] +=
                Double(ws[(o * channels + c) * 9 + k]) * Double(xs[((n * channels + c) * side + iy) * side + ix])
        }
        let y = Winograd.forward(input: x, weight: w, geometry: g).scalars
        let error = zip(y, exact).map { abs(Double($0) - $1) }.max()! / exact.map(abs).max()!
        #expect(error < 1e-5)
    }
}
