import Testing

@testable import SHOTVAE

/// The output gradient and bias gradient of the convolutions' backward passes.
struct ConvolutionTests {
    /// The backward pass's starting gradient and bias gradient in one parallel pass are, bit for
    /// bit, the rectifier's gradient and its sum over the batch and the pixels, with or without
    /// the rectifier, for planes of one pixel up to batches that split across the cores.
    @Test(arguments: [[3, 5, 1, 1], [2, 3, 4, 5], [132, 32, 16, 16], [7, 64, 8, 8]])
    func outputGradientIsTheRectifierAndTheBiasSum(shape: [Int]) {
        let gradient = randomTensor(shape, seed: 21)
        let output = randomTensor(shape, seed: 22)
        func mismatches(_ a: Tensor?, _ b: Tensor) -> Int {
            guard let a, a.shape == b.shape else { return -1 }
            return zip(a.scalars, b.scalars).filter { $0.bitPattern != $1.bitPattern }.count
        }
        let masked = rectifierGradient(gradient, where: output)
        let (g, b) = Convolution.outputGradient(gradient, rectifiedOutput: output, computesBias: true)
        #expect(mismatches(g, masked) == 0)
        #expect(mismatches(b, masked.summed(to: [1, shape[1], 1, 1]).reshaped(to: [shape[1]])) == 0)
        let (plain, plainBias) = Convolution.outputGradient(gradient, rectifiedOutput: nil, computesBias: true)
        #expect(mismatches(plain, gradient) == 0)
        #expect(mismatches(plainBias, gradient.summed(to: [1, shape[1], 1, 1]).reshaped(to: [shape[1]])) == 0)
        #expect(Convolution.outputGradient(gradient, rectifiedOutput: output, computesBias: false).bias == nil)
    }
}
