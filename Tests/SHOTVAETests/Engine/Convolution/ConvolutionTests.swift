import Testing

@testable import SHOTVAE

/// The per-core partial sums behind every weight gradient: zeroed by their own cores, and
/// added up across the cores for large gradients (split at chunk boundaries that must line up
/// in every partial).
struct ConvolutionTests {
    @Test(arguments: [10, 65_536, 100_003, 300_007])
    func sumPartialsAddsEveryCoresShare(count: Int) {
        let cores = Parallel.coreCount
        var generator = RandomGenerator(seed: 61)
        let values = (0..<(cores * count)).map { _ in generator.nextNormal() }
        let partials = Tensor(shape: [cores, count], scalars: values)
        let sum = Convolution.sumPartials(partials, count: count, shape: [count])
        var expected = [Float](repeating: 0, count: count)
        for worker in 0..<cores {
            for i in 0..<count { expected[i] += values[worker * count + i] }
        }
        #expect(sum.shape == [count])
        let wrong = zip(sum.scalars, expected).filter { $0 != $1 }.count
        #expect(wrong == 0, "\(wrong) of \(count) sums differ")
    }

    @Test(arguments: [10, 70_000])
    func zeroedPartialsAreZero(count: Int) {
        // Memory released just before is the pool's first candidate for the next request.
        do {
            let used = Tensor(shape: [Parallel.coreCount, count], repeating: 7)
            #expect(used.scalars.allSatisfy { $0 == 7 })
        }
        let partials = Convolution.zeroedPartials(count: count)
        #expect(partials.shape == [Parallel.coreCount, count])
        let nonzero = partials.scalars.filter { $0 != 0 }.count
        #expect(nonzero == 0, "\(nonzero) of \(partials.count) values are not zero")
    }

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
