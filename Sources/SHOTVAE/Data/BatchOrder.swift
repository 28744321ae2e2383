/// The order in which a loader visits a data set: shuffled indices handed out a batch at a
/// time, reshuffled when a pass ends.
///
/// The state (generator, order, position) is a value that checkpoints save, so that a
/// resumed run draws exactly the batches the uninterrupted run would have drawn.
public struct BatchOrder: Sendable, Equatable {
    /// The number of items in the data set.
    public let count: Int
    /// Items per batch.
    public let batchSize: Int
    /// Draws each pass's shuffle.
    public private(set) var generator: RandomGenerator.State
    /// The current pass's order.
    public private(set) var order: [Int]
    /// The next position in ``order``.
    public private(set) var position: Int

    /// Creates an order whose first pass is shuffled by `generator`.
    ///
    /// - Parameters:
    ///   - count: The number of items; at least `batchSize`.
    ///   - batchSize: Items per batch.
    ///   - generator: Draws the shuffles.
    public init(count: Int, batchSize: Int, generator: RandomGenerator) {
        precondition(batchSize > 0 && count >= batchSize, "A batch of \(batchSize) needs at least that many items, got \(count).")
        self.count = count
        self.batchSize = batchSize
        self.generator = generator.state
        self.order = []
        self.position = 0
        reshuffle()
    }

    /// Restores a saved order.
    ///
    /// - Throws: ``SHOTVAEError`` when the saved values are inconsistent.
    public init(count: Int, batchSize: Int, generator: RandomGenerator.State, order: [Int], position: Int) throws {
        guard order.count == count, Set(order) == Set(0..<count), position >= 0, position <= count, batchSize > 0 else {
            throw SHOTVAEError(.mismatch, "the saved batch order does not fit a data set of \(count) items")
        }
        self.count = count
        self.batchSize = batchSize
        self.generator = generator
        self.order = order
        self.position = position
    }

    /// Full batches per pass; a last, incomplete batch is skipped.
    public var batchesPerPass: Int { count / batchSize }

    /// Whether the current pass has no full batch left.
    public var isPassComplete: Bool { position + batchSize > count }

    /// The next batch's indices; starts a new, reshuffled pass when the current one has no
    /// full batch left (the cycling loader of the labeled set).
    public mutating func next() -> [Int] {
        if isPassComplete { reshuffle() }
        let batch = Array(order[position..<(position + batchSize)])
        position += batchSize
        return batch
    }

    /// Starts a new pass in a fresh random order.
    public mutating func reshuffle() {
        var rng = RandomGenerator(state: generator)
        order = rng.permutation(count)
        generator = rng.state
        position = 0
    }
}
