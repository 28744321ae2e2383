extension Convolution {
    /// Per-core partial sums of one gradient (a weight gradient, or per-channel sums), each
    /// core's in a block of its own that the core zeroes, added up in the end into the first
    /// core's block, which becomes the total.
    ///
    /// One block of all the cores' sums, added up into a new tensor, held three times the
    /// gradient at once: for the DCGAN decoder's 256-to-128 polyphase layer, whose kernel
    /// gradient sums take 12.5 MiB per core in the transformed domain, 25 MiB and 12.5 MiB more.
    struct Partials {
        /// The elements of each core's sums.
        let count: Int
        private var blocks: [Tensor]
        private let pointers: [UnsafeMutablePointer<Float>]

        /// Zeroed sums of `count` elements for each core, each zeroed by its core.
        init(count: Int) {
            self.count = count
            var blocks = (0..<Parallel.coreCount).map { _ in Tensor(uninitializedShape: [count]) }
            let pointers = blocks.indices.map { blocks[$0].mutablePointer }
            Parallel.forEach(pointers.count, grain: count >= 65_536 ? 1 : pointers.count) { workers in
                for worker in workers { Kernels.fill(pointers[worker], with: 0, count: count) }
            }
            (self.blocks, self.pointers) = (blocks, pointers)
        }

        /// Core `worker`'s sums.
        func sums(_ worker: Int) -> UnsafeMutablePointer<Float> {
            pointers[worker]
        }

        /// The cores' sums added up, shaped `shape`: the first core's block, the others added
        /// into it (large sums split across the cores). The partial sums are spent.
        mutating func total(shape: [Int]) -> Tensor {
            let pointers = self.pointers
            Parallel.forEach(count, grain: 65_536) { range in
                for worker in pointers.indices.dropFirst() {
                    Kernels.add(pointers[worker] + range.lowerBound, into: pointers[0] + range.lowerBound,
                                count: range.count)
                }
            }
            let first = blocks[0]
            blocks = []  // the total's storage is then the returned tensor's alone
            return first.reshaped(to: shape)
        }
    }
}
