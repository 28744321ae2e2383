import Testing

@testable import SHOTVAE

/// ``Sequential`` in inference runs a convolution and the ReLU after it as one step; the output
/// must be the one of the layers applied one by one, on every convolution path (polyphase
/// Winograd, Winograd, im2col).
struct SequentialTests {
    @Test func fusedRectifierMatchesTheLayersOneByOne() {
        var rng = RandomGenerator(seed: 81)
        let layers: [any Layer] = [
            Conv2D(inputChannels: 16, outputChannels: 16, kernelSize: 4, stride: 2, padding: 1, generator: &rng), ReLU(),
            Conv2D(inputChannels: 16, outputChannels: 16, kernelSize: 3, padding: 1, generator: &rng), ReLU(),
            Conv2D(inputChannels: 16, outputChannels: 5, kernelSize: 3, generator: &rng), ReLU(),
        ]
        let sequential = Sequential(layers)
        let x = Variable(randomTensor([3, 16, 8, 8], seed: 82))
        let context = ForwardContext.inference()
        let fused = sequential(x, context: context).value
        let expected = layers.reduce(x) { $1($0, context: context) }.value
        #expect(fused.shape == [3, 5, 2, 2])
        #expect(fused.scalars == expected.scalars)
        #expect(fused.scalars.contains(0) && fused.scalars.contains { $0 > 0 })
        // Training records the graph and keeps the layers apart: the same values.
        let training = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 1))
        #expect(sequential(x, context: training).value.scalars == expected.scalars)
    }
}
