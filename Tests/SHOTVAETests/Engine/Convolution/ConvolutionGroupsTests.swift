import Synchronization
import Testing

@testable import SHOTVAE

/// How a batch is cut into groups and handed to the cores (`Convolution+Groups.swift`).
@Suite struct ConvolutionGroupsTests {
    /// `(batch, size)`: a single image, fewer images than cores' groups, the MNIST step's 132,
    /// and inference's 1,000.
    static let cases: [(batch: Int, size: Int)] = [(1, 4), (7, 5), (132, 22), (132, 48), (1000, 48), (9, 1)]

    /// The groups each call handed out, with the worker that ran them, and whether two groups
    /// ever ran at once with the same worker's buffers.
    func record(batch: Int, size: Int, sharing: Convolution.Sharing) -> (groups: [(worker: Int, images: Range<Int>)], clashed: Bool) {
        let log = Mutex<[(worker: Int, images: Range<Int>)]>([])
        let inUse = Mutex<Set<Int>>([])
        let clashed = Atomic<Bool>(false)
        Convolution.forEachGroup(batch: batch, size: size, sharing: sharing) { worker, images in
            if !inUse.withLock({ $0.insert(worker).inserted }) { clashed.store(true, ordering: .relaxed) }
            // A little work, so that the other core gets to claim groups too.
            var total = 0.0
            for index in 0..<2_000 { total += Double(index % 7) }
            log.withLock { $0.append((worker, images)) }
            inUse.withLock { _ = $0.remove(worker) }
            #expect(total > 0)
        }
        return (log.withLock { $0 }, clashed.load(ordering: .relaxed))
    }

    @Test(arguments: [Convolution.Sharing.fixed, .claimed], 0..<cases.count)
    func everyImageOnceInEvenGroups(sharing: Convolution.Sharing, index: Int) {
        let (batch, size) = Self.cases[index]
        let (groups, clashed) = record(batch: batch, size: size, sharing: sharing)
        #expect(!clashed, "two groups ran at once with one core's buffers")
        let sorted = groups.map(\.images).sorted { $0.lowerBound < $1.lowerBound }
        #expect(sorted.first?.lowerBound == 0 && sorted.last?.upperBound == batch)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        let counts = sorted.map(\.count)
        #expect(counts.allSatisfy { $0 >= 1 && $0 <= size })
        #expect(counts.max()! - counts.min()! <= 1)
        #expect(groups.allSatisfy { $0.worker >= 0 && $0.worker < Parallel.coreCount })
    }

    /// With fixed shares, each core's groups are the same contiguous run on every call, so that
    /// per-core partial sums add up in one order.
    @Test(arguments: 0..<cases.count)
    func fixedSharesAreTheSameEveryTime(index: Int) {
        let (batch, size) = Self.cases[index]
        func shares() -> [[Range<Int>]] {
            let groups = record(batch: batch, size: size, sharing: .fixed).groups
            return (0..<Parallel.coreCount).map { worker in
                groups.filter { $0.worker == worker }.map(\.images).sorted { $0.lowerBound < $1.lowerBound }
            }
        }
        let first = shares()
        for _ in 0..<5 { #expect(shares() == first) }
        // Worker w's images all come before worker w + 1's.
        let runs = first.filter { !$0.isEmpty }
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0.last!.upperBound == $1.first!.lowerBound })
    }
}
