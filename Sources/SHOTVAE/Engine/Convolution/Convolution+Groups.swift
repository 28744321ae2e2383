import Synchronization

extension Convolution {
    /// How ``forEachGroup(batch:size:sharing:_:)`` hands the groups to the cores.
    enum Sharing {
        /// Each core takes a fixed, contiguous share: for passes that add into partial sums of
        /// their core's, which then add up in the same order on every run.
        case fixed
        /// A core claims the next group whenever it is free: a core that the machine slows
        /// down (another process, a busy host) holds the pass back by one group at most.
        case claimed
    }

    /// Splits `0..<batch` into groups of at most `size` images, as many groups for every core
    /// and of sizes that differ by one image at most (132 images in groups of up to 32: six
    /// groups of 22, not four of 32 and one of 4), and hands them to the cores as `sharing`
    /// says. `worker` tells the body whose buffers to use: one core's groups run one at a time.
    static func forEachGroup(
        batch: Int, size: Int, sharing: Sharing, _ body: (_ worker: Int, _ images: Range<Int>) -> Void
    ) {
        let fewest = (batch + size - 1) / size
        let workers = max(1, min(Parallel.coreCount, fewest))
        let groups = min(batch, (fewest + workers - 1) / workers * workers)
        @inline(__always) func images(_ group: Int) -> Range<Int> { (batch * group / groups)..<(batch * (group + 1) / groups) }
        switch sharing {
        case .fixed:
            Parallel.forEach(workers, grain: 1) { range in
                for worker in range {
                    for group in (groups * worker / workers)..<(groups * (worker + 1) / workers) { body(worker, images(group)) }
                }
            }
        case .claimed:
            let next = Atomic<Int>(0)
            Parallel.forEach(workers, grain: 1) { range in
                for worker in range {
                    while case let group = next.add(1, ordering: .relaxed).oldValue, group < groups {
                        body(worker, images(group))
                    }
                }
            }
        }
    }
}
