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
}
