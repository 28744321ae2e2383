import Testing

@testable import SHOTVAE

/// ``Convolution/chainedForward(input:first:second:rectifies:)``: the first convolution's output
/// made group by group as the polyphase second one reads it, against the two convolutions run
/// one after the other by ``Convolution/forward(input:weight:bias:geometry:keepColumns:rectifies:)``.
struct ConvolutionChainTests {
    /// `[O, C, 4, 4]` weights, a bias, and the geometry of a 4x4 convolution of stride 2 and
    /// padding 1 over `size x size` images of `channels` channels.
    static func link(_ outputs: Int, _ channels: Int, size: Int, seed: UInt64) -> Convolution.Link {
        Convolution.Link(
            weight: randomTensor([outputs, channels, 4, 4], seed: seed, scale: 0.3),
            bias: randomTensor([outputs], seed: seed + 1, scale: 0.1),
            geometry: ConvolutionGeometry(channels: channels, height: size, width: size, kernelHeight: 4, kernelWidth: 4,
                                          stride: 2, padding: 1))
    }

    /// Three input channels of 24x24 into 16 and then 24 channels (not whole vectors), for
    /// batches that the polyphase passes cut into one group per core and into several.
    @Test(arguments: [9, 50])
    func chainIsTheTwoConvolutions(batch: Int) throws {
        let input = randomTensor([batch, 3, 24, 24], seed: 5)
        let (first, second) = (Self.link(16, 3, size: 24, seed: 6), Self.link(24, 16, size: 12, seed: 8))
        #expect(Convolution.form(first.geometry, outputChannels: 16, batch: batch) == .im2col)
        let chained = try #require(Convolution.chainedForward(input: input, first: first, second: second, rectifies: false))
        let middle = Convolution.forward(input: input, weight: first.weight, bias: first.bias, geometry: first.geometry,
                                         rectifies: true).output
        let expected = Convolution.forward(input: middle, weight: second.weight, bias: second.bias,
                                           geometry: second.geometry).output
        #expect(chained.shape == [batch, 24, 6, 6] && expected.shape == chained.shape)
        let largest = zip(chained.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest <= 1e-5 * (expected.scalars.map(abs).max() ?? 1), "largest difference \(largest)")
        #expect(chained.scalars.contains { $0 < 0 })
    }

    /// No chain when the second convolution is not one the polyphase form runs (3x3), or the
    /// first is not one im2col runs (16 channels in: the polyphase form).
    @Test func noChainOutsideItsForm() {
        let input = randomTensor([16, 3, 24, 24], seed: 10)
        let first = Self.link(16, 3, size: 24, seed: 11)
        let threeByThree = Convolution.Link(
            weight: randomTensor([16, 16, 3, 3], seed: 13), bias: nil,
            geometry: ConvolutionGeometry(channels: 16, height: 12, width: 12, kernelHeight: 3, kernelWidth: 3,
                                          stride: 1, padding: 1))
        #expect(Convolution.chainedForward(input: input, first: first, second: threeByThree, rectifies: true) == nil)
        let wide = Self.link(16, 16, size: 24, seed: 14)
        #expect(Convolution.form(wide.geometry, outputChannels: 16, batch: 16) == .polyphase)
        #expect(Convolution.chainedForward(input: randomTensor([16, 16, 24, 24], seed: 15), first: wide,
                                           second: Self.link(16, 16, size: 12, seed: 16), rectifies: true) == nil)
    }
}
