import Testing

@testable import SHOTVAE

/// ``Sequential`` runs a convolution and the ReLU after it as one step, in inference and in
/// training; the output and every gradient must be those of the layers applied one by one, on
/// every convolution path (polyphase Winograd, Winograd, im2col) and for transposed
/// convolutions.
struct SequentialTests {
    /// The layers, their input, and the output's shape.
    typealias Case = (layers: [any Layer], input: Tensor, outputShape: [Int])

    static func convolutions() -> Case {
        var rng = RandomGenerator(seed: 81)
        // 32 images of 8x8: enough tiles for the polyphase form.
        return ([Conv2D(inputChannels: 16, outputChannels: 16, kernelSize: 4, stride: 2, padding: 1, generator: &rng), ReLU(),
                 Conv2D(inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: 1, generator: &rng), ReLU(),
                 Conv2D(inputChannels: 16, outputChannels: 5, kernelSize: 3, generator: &rng), ReLU()],
                randomTensor([32, 16, 8, 8], seed: 82), [32, 5, 2, 2])
    }

    static func transposedConvolutions() -> Case {
        var rng = RandomGenerator(seed: 83)
        return ([ConvTranspose2D(inputChannels: 16, outputChannels: 16, kernelSize: 4, stride: 2, padding: 1, generator: &rng),
                 ReLU(),
                 ConvTranspose2D(inputChannels: 16, outputChannels: 3, kernelSize: 4, stride: 2, padding: 1, generator: &rng),
                 ReLU()],
                randomTensor([32, 16, 4, 4], seed: 84), [32, 3, 16, 16])
    }

    @Test(arguments: [false, true])
    func fusedRectifierMatchesTheLayersOneByOne(transposed: Bool) {
        let (layers, input, outputShape) = transposed ? Self.transposedConvolutions() : Self.convolutions()
        // Mismatches counted, not printed on failure: the arrays are long.
        func differences(_ a: [Float], _ b: [Float]) -> Int { a.count == b.count ? zip(a, b).filter { $0 != $1 }.count : -1 }
        let sequential = Sequential(layers)
        let x = Variable(input)
        let context = ForwardContext.inference()
        let fused = sequential(x, context: context).value
        let expected = layers.reduce(x) { $1($0, context: context) }.value
        #expect(fused.shape == outputShape)
        #expect(differences(fused.scalars, expected.scalars) == 0)
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 })

        // Training: the same values, and the same gradients for the input and every parameter.
        let weights = Variable(randomTensor(outputShape, seed: 85))
        func gradients(_ forward: (Variable, ForwardContext) -> Variable) -> (output: [Float], gradients: [[Float]]) {
            let training = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 1))
            let x = Variable(input, requiresGradient: true)
            let y = forward(x, training)
            (y * weights).sum().backward()
            let result = (y.value.scalars, [x.gradient!.scalars] + sequential.parameters.map { $0.gradient!.scalars })
            for parameter in sequential.parameters { parameter.zeroGradient() }
            return result
        }
        let one = gradients { x, context in sequential(x, context: context) }
        let other = gradients { x, context in layers.reduce(x) { $1($0, context: context) } }
        #expect(differences(one.output, expected.scalars) == 0)
        #expect(differences(one.output, other.output) == 0)
        #expect(one.gradients.count == other.gradients.count)
        #expect(zip(one.gradients, other.gradients).map(differences) == Array(repeating: 0, count: one.gradients.count))
        #expect(one.gradients.allSatisfy { gradient in gradient.contains { $0 != 0 } })
    }

    /// The MNIST encoder's first layers: a grey-scale 4x4 convolution of stride 2 (im2col) and
    /// one from 32 channels (polyphase Winograd), each with its ReLU; `batch` images of 32x32.
    static func mnistStem(batch: Int, biases: Bool = true, trailingReLU: Bool = true) -> ([any Layer], Tensor) {
        var rng = RandomGenerator(seed: 86)
        let layers: [any Layer] = [
            Conv2D(inputChannels: 1, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1, hasBias: biases, generator: &rng),
            ReLU(),
            Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 4, stride: 2, padding: 1, hasBias: biases, generator: &rng),
        ] + (trailingReLU ? [ReLU()] : [])
        return (layers, randomTensor([batch, 1, 32, 32], seed: 87))
    }

    /// In inference, `Conv2D, ReLU, Conv2D (, ReLU)` of the MNIST encoder runs as one chain, the
    /// first output made group by group: the same values as the layers one by one, for batches
    /// that cut into groups of different sizes, with and without biases and the last ReLU.
    @Test(arguments: [(8, true, true), (37, true, true), (133, false, true), (1000, true, false)])
    func chainedConvolutionsMatchTheLayersOneByOne(batch: Int, biases: Bool, trailingReLU: Bool) throws {
        let (layers, input) = Self.mnistStem(batch: batch, biases: biases, trailingReLU: trailingReLU)
        let (first, second) = (layers[0] as! Conv2D, layers[2] as! Conv2D)
        let x = Variable(input)
        let chained = try #require(chainedConv2d(x, first: first, second: second, rectifies: trailingReLU)).value
        let context = ForwardContext.inference()
        let expected = layers.reduce(x) { $1($0, context: context) }.value
        #expect(chained.shape == [batch, 64, 8, 8] && expected.shape == chained.shape)
        // The same products and transforms, in groups: equal to rounding.
        let largest = zip(chained.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest <= 1e-5 * (expected.scalars.map(abs).max() ?? 1), "largest difference \(largest)")
        #expect(chained.scalars.contains { $0 < 0 } == !trailingReLU)
        // Sequential takes the chain in inference, and gives the same values.
        let sequential = Sequential(layers)(x, context: context).value
        #expect(sequential.scalars == chained.scalars)
    }

    /// The chain runs only where it is the same computation and no gradient is recorded: not for
    /// an input that records one, nor when the second convolution would not run in the
    /// polyphase form (too few images), nor when the first would not run by im2col.
    @Test func chainOnlyWhereItApplies() {
        let (layers, input) = Self.mnistStem(batch: 16)
        let (first, second) = (layers[0] as! Conv2D, layers[2] as! Conv2D)
        #expect(chainedConv2d(Variable(input), first: first, second: second, rectifies: true) != nil)
        #expect(chainedConv2d(Variable(input, requiresGradient: true), first: first, second: second, rectifies: true) == nil)
        // 4 images of 16x16 at the second layer: 16 tiles, fewer than the polyphase form needs.
        let (few, fewInput) = Self.mnistStem(batch: 4)
        #expect(chainedConv2d(Variable(fewInput), first: few[0] as! Conv2D, second: few[2] as! Conv2D, rectifies: true) == nil)
        // A first convolution of 32 channels in the polyphase form itself.
        var rng = RandomGenerator(seed: 88)
        let polyphase = Conv2D(inputChannels: 32, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1, generator: &rng)
        let next = Conv2D(inputChannels: 32, outputChannels: 32, kernelSize: 4, stride: 2, padding: 1, generator: &rng)
        #expect(chainedConv2d(Variable(randomTensor([16, 32, 32, 32], seed: 89)), first: polyphase, second: next,
                              rectifies: false) == nil)
        // Training records the graph and runs the layers one by one: the same values.
        let training = ForwardContext(isTraining: false, recordsGradients: true, generator: RandomGenerator(seed: 1))
        let recorded = Sequential(layers)(Variable(input), context: training).value
        let inference = Sequential(layers)(Variable(input), context: .inference()).value
        let largest = zip(recorded.scalars, inference.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest <= 1e-5 * (recorded.scalars.map(abs).max() ?? 1))
    }
}
