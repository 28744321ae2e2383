import Testing

@testable import SHOTVAE

/// Convolutions whose window covers the whole image (``Convolution/WholeImage``) against their
/// definition in double precision, through ``Convolution`` in every direction: the DCGAN
/// decoder's 4x4 kernel on a 2x2 map with padding 1, an oblong kernel, and no padding.
struct WholeImageTests {
    /// `(batch, channels C, output channels O, height, width, kernel height, kernel width, padding)`.
    typealias Shape = (batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, kh: Int, kw: Int, padding: Int)

    static let shapes: [Shape] = [(5, 9, 12, 2, 2, 4, 4, 1), (3, 4, 6, 2, 1, 4, 3, 1), (4, 3, 5, 3, 3, 3, 3, 0)]

    func geometry(_ s: Shape, stride: Int = 2) -> ConvolutionGeometry {
        ConvolutionGeometry(channels: s.channels, height: s.height, width: s.width, kernelHeight: s.kh, kernelWidth: s.kw,
                            stride: stride, padding: s.padding)
    }

    /// `y[n, o] = Σ w[o, c, a + p, b + p] x[n, c, a, b]`, and the two gradients for `dy`.
    func definition(_ s: Shape, x: Tensor, w: Tensor, dy: Tensor) -> (y: Tensor, dx: Tensor, dw: Tensor) {
        var y = [Double](repeating: 0, count: s.batch * s.outChannels)
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        let (xs, ws, dys) = (x.scalars, w.scalars, dy.scalars)
        for n in 0..<s.batch {
            for o in 0..<s.outChannels {
                for c in 0..<s.channels {
                    for a in 0..<s.height {
                        for b in 0..<s.width {
                            let input = ((n * s.channels + c) * s.height + a) * s.width + b
                            let tap = ((o * s.channels + c) * s.kh + a + s.padding) * s.kw + b + s.padding
                            y[n * s.outChannels + o] += Double(ws[tap]) * Double(xs[input])
                            dx[input] += Double(ws[tap]) * Double(dys[n * s.outChannels + o])
                            dw[tap] += Double(dys[n * s.outChannels + o]) * Double(xs[input])
                        }
                    }
                }
            }
        }
        return (Tensor(shape: [s.batch, s.outChannels, 1, 1], scalars: y.map(Float.init)),
                Tensor(shape: x.shape, scalars: dx.map(Float.init)), Tensor(shape: w.shape, scalars: dw.map(Float.init)))
    }

    @Test(arguments: 0..<3)
    func matchesTheDefinition(index: Int) {
        let s = Self.shapes[index]
        let g = geometry(s)
        #expect(Convolution.WholeImage.applies(g))
        let x = randomTensor([s.batch, s.channels, s.height, s.width], seed: 91)
        let w = randomTensor([s.outChannels, s.channels, s.kh, s.kw], seed: 92)
        let dy = randomTensor([s.batch, s.outChannels, 1, 1], seed: 93)
        let bias = randomTensor([s.outChannels], seed: 94)
        let exact = definition(s, x: x, w: w, dy: dy)

        let (y, saved) = Convolution.forward(input: x, weight: w, bias: nil, geometry: g)
        expectClose(y, exact.y)
        #expect(saved.transformedKernels != nil)
        let shifted = Convolution.forward(input: x, weight: w, bias: bias, geometry: g, rectifies: true).output
        let expected = zip(exact.y.scalars, Array(repeating: bias.scalars, count: s.batch).joined()).map { max($0 + $1, 0) }
        expectClose(shifted, Tensor(shape: y.shape, scalars: expected))
        #expect(expected.contains(0) && expected.contains { $0 > 0 })

        let (dx, dw) = Convolution.backward(outputGradient: dy, input: x, weight: w, geometry: g,
                                            computesInput: true, computesWeight: true)
        expectClose(dx!, exact.dx)
        expectClose(dw!, exact.dw)
        // The taps on the border never meet the image: their gradient is zero.
        if s.padding > 0 { #expect(dw!.scalars.contains(0)) }
        // With the forward pass's cut kernels, the same gradients.
        let reusing = Convolution.backward(outputGradient: dy, input: x, weight: w, geometry: g, saved: saved,
                                           computesInput: true, computesWeight: true)
        #expect(reusing.input?.scalars == dx!.scalars && reusing.weight?.scalars == dw!.scalars)

        // The transposed convolution from [N, O, 1, 1] is the input gradient's map; its gradients
        // are the convolution of its output gradient, and the same weight gradient, sides swapped.
        let transposed = Convolution.transposedForward(input: dy, weight: w, bias: nil, geometry: g)
        expectClose(transposed.output, exact.dx)
        #expect(transposed.saved.transformedKernels != nil)
        let (tdx, tdw) = Convolution.transposedBackward(outputGradient: x, input: dy, weight: w, geometry: g,
                                                        computesInput: true, computesWeight: true)
        expectClose(tdx!, exact.y)
        expectClose(tdw!, exact.dw)
        let reusingTransposed = Convolution.transposedBackward(outputGradient: x, input: dy, weight: w, geometry: g,
                                                               saved: transposed.saved, computesInput: true,
                                                               computesWeight: true)
        #expect(reusingTransposed.input?.scalars == tdx!.scalars && reusingTransposed.weight?.scalars == tdw!.scalars)
    }

    @Test func appliesOnlyWhereTheWindowIsTheImage() {
        func g(_ h: Int, _ w: Int, kernel: Int, padding: Int, stride: Int = 2) -> ConvolutionGeometry {
            ConvolutionGeometry(channels: 8, height: h, width: w, kernelHeight: kernel, kernelWidth: kernel,
                                stride: stride, padding: padding)
        }
        #expect(Convolution.WholeImage.applies(g(2, 2, kernel: 4, padding: 1)))
        #expect(Convolution.WholeImage.applies(g(1, 1, kernel: 1, padding: 0, stride: 1)))
        #expect(!Convolution.WholeImage.applies(g(3, 3, kernel: 4, padding: 1)))  // one output, one row unread
        #expect(!Convolution.WholeImage.applies(g(4, 4, kernel: 4, padding: 1)))  // 2x2 outputs
        #expect(!Convolution.WholeImage.applies(g(2, 2, kernel: 3, padding: 1, stride: 1)))
    }

    /// A cut kernel gradient added into a whole one on its taps gives, bit for bit, the whole one
    /// plus the uncut gradient, on every shape (with and without padding).
    @Test(arguments: 0..<3)
    func addingTheCutGradientIsAddingTheUncutOne(shapeIndex: Int) {
        let s = Self.shapes[shapeIndex]
        let g = geometry(s)
        let cut = randomTensor([s.outChannels, s.channels * s.height * s.width], seed: 71)
        let existing = randomTensor([s.outChannels, s.channels, s.kh, s.kw], seed: 72)
        var added = existing
        Convolution.WholeImage.addUncut(cut, into: &added, geometry: g)
        var expected = existing
        expected.add(Convolution.WholeImage.uncutKernels(cut, outChannels: s.outChannels, geometry: g))
        #expect(added.scalars == expected.scalars)
        #expect(existing.scalars != added.scalars)
    }

    /// The DCGAN decoder's first 4x4 transposed convolution (1x1 to 2x2) differentiated twice
    /// into one weight, as the two halves of a step are: the second half adds its gradient on
    /// the taps that meet the image, and the weight's gradient is the sum of the two halves'
    /// gradients computed apart, bit for bit.
    @Test func twoBackwardPassesAddIntoOneWeightGradient() {
        var rng = RandomGenerator(seed: 73)
        let layer = ConvTranspose2D(inputChannels: 9, outputChannels: 12, kernelSize: 4, stride: 2, padding: 1,
                                    hasBias: false, generator: &rng)
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 1))
        let inputs = [randomTensor([5, 9, 1, 1], seed: 74), randomTensor([3, 9, 1, 1], seed: 75)]
        var apart: [Tensor] = []
        for input in inputs {
            let y = layer(Variable(input), context: context)
            (y * Variable(randomTensor(y.value.shape, seed: 76))).sum().backward()
            apart.append(layer.weight.gradient!)
            layer.weight.zeroGradient()
        }
        for input in inputs {
            let y = layer(Variable(input), context: context)
            (y * Variable(randomTensor(y.value.shape, seed: 76))).sum().backward()
        }
        var expected = apart[0]
        expected.add(apart[1])
        #expect(layer.weight.gradient?.scalars == expected.scalars)
        // The taps that never meet the 1x1 input get no gradient.
        #expect(layer.weight.gradient!.scalars.enumerated().allSatisfy { index, value in
            let (a, b) = (index % 16 / 4, index % 4)
            return (1...2).contains(a) && (1...2).contains(b) || value == 0
        })
    }
}
