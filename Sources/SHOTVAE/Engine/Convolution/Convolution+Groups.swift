import Synchronization

extension Convolution {
    /// How ``forEachGroup(_:sharing:_:)`` hands the groups to the cores.
    enum Sharing {
        /// Each core takes a fixed, contiguous share: for passes that add into partial sums of
        /// their core's, which then add up in the same order on every run.
        case fixed
        /// A core claims the next group whenever it is free: a core that the machine slows
        /// down (another process, a busy host) holds the pass back by one group at most.
        case claimed
    }

    /// How ``forEachGroup(batch:size:alignment:sharing:_:)`` cuts a batch: as many groups for
    /// every core, of at most `size` images (plus `alignment - 1`), whose sizes differ by one
    /// image at most (132 images in groups of up to 32: six groups of 22, not four of 32 and one
    /// of 4), or by one `alignment` at most when the groups start at multiples of `alignment`.
    ///
    /// The alignment makes a group's tiles whole blocks of the product kernel's rows
    /// (``Kernels/blockRows(_:)``), which computes a last block of fewer rows at full cost: the
    /// MNIST VAE's 8x8 layer at batch 132 (one tile an image) on two cores went in four groups
    /// of 33 tiles, 40 rows computed for 33 on AVX-512, and now goes in groups of 32, 32, 32
    /// and 36 (136 rows computed for 132). A batch too small for as many aligned groups as
    /// unaligned ones keeps the unaligned ones, so that no core goes without.
    struct Groups {
        /// The images to cut, `0..<batch`.
        let batch: Int
        /// The number of groups.
        let count: Int
        /// The number of cores that take them.
        let workers: Int
        private let alignment: Int
        private let units: Int

        /// Groups of `0..<batch` for `cores` cores.
        init(batch: Int, size: Int, alignment: Int = 1, cores: Int = Parallel.coreCount) {
            precondition(batch > 0 && size > 0 && alignment > 0, "Groups need a batch, a size and an alignment.")
            self.batch = batch
            let fewest = (batch + size - 1) / size
            workers = max(1, min(cores, fewest))
            let wanted = (fewest + workers - 1) / workers * workers
            let alignedUnits = (batch + alignment - 1) / alignment
            (self.alignment, units) = alignedUnits >= min(batch, wanted) ? (alignment, alignedUnits) : (1, batch)
            count = min(units, wanted)
        }

        /// The images of group `group`.
        func images(_ group: Int) -> Range<Int> {
            min(batch, alignment * (units * group / count))..<min(batch, alignment * (units * (group + 1) / count))
        }

        /// The images of the largest group.
        var largest: Int { (0..<count).map { images($0).count }.max()! }
    }

    /// Splits `0..<batch` into ``Groups`` of at most `size` images (aligned to `alignment`
    /// images where the batch allows) and hands them to the cores as `sharing` says. `worker`
    /// tells the body whose buffers to use: one core's groups run one at a time.
    static func forEachGroup(
        batch: Int, size: Int, alignment: Int = 1, sharing: Sharing, _ body: (_ worker: Int, _ images: Range<Int>) -> Void
    ) {
        forEachGroup(Groups(batch: batch, size: size, alignment: alignment), sharing: sharing, body)
    }

    /// Hands `groups` to the cores as `sharing` says.
    static func forEachGroup(
        _ groups: Groups, sharing: Sharing, _ body: (_ worker: Int, _ images: Range<Int>) -> Void
    ) {
        let (count, workers) = (groups.count, groups.workers)
        switch sharing {
        case .fixed:
            Parallel.forEach(workers, grain: 1) { range in
                for worker in range {
                    for group in (count * worker / workers)..<(count * (worker + 1) / workers) {
                        body(worker, groups.images(group))
                    }
                }
            }
        case .claimed:
            let next = Atomic<Int>(0)
            Parallel.forEach(workers, grain: 1) { range in
                for worker in range {
                    while case let group = next.add(1, ordering: .relaxed).oldValue, group < count {
                        body(worker, groups.images(group))
                    }
                }
            }
        }
    }
}
