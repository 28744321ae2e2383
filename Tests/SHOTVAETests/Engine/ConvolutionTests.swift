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
}
