import Testing

@testable import SHOTVAE

/// The per-core partial sums behind every weight gradient: zeroed by their own cores, and
/// added up across the cores into the first core's block (large sums split at chunk
/// boundaries that must line up in every block).
struct ConvolutionPartialsTests {
    @Test(arguments: [10, 65_536, 100_003, 300_007])
    func totalAddsEveryCoresShare(count: Int) {
        let cores = Parallel.coreCount
        var generator = RandomGenerator(seed: 61)
        let values = (0..<(cores * count)).map { _ in generator.nextNormal() }
        var partials = Convolution.Partials(count: count)
        for worker in 0..<cores {
            let sums = partials.sums(worker)
            for i in 0..<count { sums[i] += values[worker * count + i] }
        }
        let sum = partials.total(shape: [count])
        var expected = [Float](repeating: 0, count: count)
        for worker in 0..<cores {
            for i in 0..<count { expected[i] += values[worker * count + i] }
        }
        #expect(sum.shape == [count])
        let wrong = zip(sum.scalars, expected).filter { $0 != $1 }.count
        #expect(wrong == 0, "\(wrong) of \(count) sums differ")
    }

    @Test(arguments: [10, 70_000])
    func partialSumsStartAtZero(count: Int) {
        // Memory released just before is the pool's first candidate for the next request.
        do {
            let used = (0..<Parallel.coreCount).map { _ in Tensor(shape: [count], repeating: 7) }
            #expect(used.allSatisfy { $0.scalars.allSatisfy { $0 == 7 } })
        }
        let partials = Convolution.Partials(count: count)
        for worker in 0..<Parallel.coreCount {
            let sums = UnsafeBufferPointer(start: partials.sums(worker), count: count)
            let nonzero = sums.filter { $0 != 0 }.count
            #expect(nonzero == 0, "core \(worker): \(nonzero) of \(count) values are not zero")
        }
    }

    /// The total is the first core's block, held by the returned tensor alone: accumulating
    /// into it later writes in place instead of copying a gradient the size of the weight.
    @Test func totalIsNotShared() {
        var partials = Convolution.Partials(count: 100_000)
        let first = partials.sums(0)
        var total = partials.total(shape: [100, 1_000])
        #expect(total.shape == [100, 1_000])
        #expect(isKnownUniquelyReferenced(&total.storage))
        #expect(total.mutablePointer == first)
    }
}
