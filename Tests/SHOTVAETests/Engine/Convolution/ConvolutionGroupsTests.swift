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
    func record(
        batch: Int, size: Int, alignment: Int = 1, sharing: Convolution.Sharing
    ) -> (groups: [(worker: Int, images: Range<Int>)], clashed: Bool) {
        let log = Mutex<[(worker: Int, images: Range<Int>)]>([])
        let inUse = Mutex<Set<Int>>([])
        let clashed = Atomic<Bool>(false)
        Convolution.forEachGroup(batch: batch, size: size, alignment: alignment, sharing: sharing) { worker, images in
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

    /// `(batch, size, alignment)`: the MNIST VAE's layers at the training step's 132 images (one
    /// tile an image: 8 images to a block of 8 rows; four tiles: 2 images) and at inference's
    /// 1,000, and batches too small for aligned groups on every core.
    static let alignedCases: [(batch: Int, size: Int, alignment: Int)] = [
        (132, 48, 8), (132, 11, 2), (1000, 48, 8), (132, 20, 3), (4, 2, 8), (9, 4, 8), (17, 48, 8),
    ]

    /// Aligned groups start at multiples of the alignment, so that only the batch's last group
    /// can end in a partial block; they still cover the batch once, come in as many groups as
    /// unaligned ones, and differ by one alignment at most. ``Convolution/Groups/largest`` is
    /// the largest group handed out (what the transforms' buffers are sized for).
    @Test(arguments: [Convolution.Sharing.fixed, .claimed], 0..<alignedCases.count)
    func alignedGroupsStartAtWholeBlocks(sharing: Convolution.Sharing, index: Int) {
        let (batch, size, alignment) = Self.alignedCases[index]
        let (groups, clashed) = record(batch: batch, size: size, alignment: alignment, sharing: sharing)
        #expect(!clashed, "two groups ran at once with one core's buffers")
        let sorted = groups.map(\.images).sorted { $0.lowerBound < $1.lowerBound }
        #expect(sorted.first?.lowerBound == 0 && sorted.last?.upperBound == batch)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        let plan = Convolution.Groups(batch: batch, size: size, alignment: alignment)
        let unaligned = Convolution.Groups(batch: batch, size: size)
        #expect(sorted.count == plan.count && plan.count == unaligned.count)
        #expect(sorted.map(\.count).max() == plan.largest)
        #expect(sorted.allSatisfy { !$0.isEmpty })
        if (batch + alignment - 1) / alignment >= unaligned.count {
            #expect(sorted.allSatisfy { $0.lowerBound % alignment == 0 })
            let counts = sorted.dropLast().map(\.count)
            #expect(counts.allSatisfy { $0 % alignment == 0 && $0 <= size + alignment - 1 })
            #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= alignment)
        } else {
            // Too few images for aligned groups on every core: the unaligned cut.
            #expect(sorted == (0..<unaligned.count).map(unaligned.images))
        }
    }

    /// The MNIST VAE's 8x8 layer at batch 132 (one tile an image) on AVX-512's blocks of 8 rows:
    /// four groups of 32, 32, 32 and 36 images on two cores, where it went in four of 33 (40 rows
    /// computed for 33); on one to eight cores, only the last group ends in a partial block.
    @Test func mnistEncoderLayerInWholeBlocks() {
        let two = Convolution.Groups(batch: 132, size: 48, alignment: 8, cores: 2)
        #expect((0..<two.count).map { two.images($0).count } == [32, 32, 32, 36])
        #expect((0..<4).map { Convolution.Groups(batch: 132, size: 48, cores: 2).images($0).count } == [33, 33, 33, 33])
        for cores in 1...8 {
            let plan = Convolution.Groups(batch: 132, size: 48, alignment: 8, cores: cores)
            let counts = (0..<plan.count).map { plan.images($0).count }
            #expect(counts.reduce(0, +) == 132)
            #expect(counts.dropLast().allSatisfy { $0 % 8 == 0 }, "\(cores) cores: \(counts)")
        }
    }
}
