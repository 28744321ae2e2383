/// How long and on what batches a ``Trainer`` trains, and how it reports.
public struct TrainingConfiguration: Sendable, Codable, Equatable {
    /// The planned number of epochs; an epoch is one pass over the unlabeled set.
    public var epochs: Int
    /// Stop after this many seconds of wall time, if set. The time counts across resumptions:
    /// a resumed run stops when the whole run has trained this long.
    public var timeBudget: Double?
    /// Stop after this many optimizer steps in all (across resumptions), if set.
    public var stepBudget: Int?
    /// Images per labeled batch; the labeled loader cycles.
    public var labeledBatchSize: Int
    /// Images per unlabeled batch.
    public var unlabeledBatchSize: Int
    /// Images per forward pass when evaluating.
    public var evaluationBatchSize: Int
    /// The seed of every random draw of the run (initialisation excepted, which the model's
    /// generator does).
    public var seed: UInt64
    /// The range of the input images (for drawing reconstructions): `-1...1` or `0...1`.
    public var imageRange: ClosedRange<Float>

    /// Creates a configuration.
    public init(
        epochs: Int, timeBudget: Double? = nil, stepBudget: Int? = nil, labeledBatchSize: Int,
        unlabeledBatchSize: Int, evaluationBatchSize: Int = 1000, seed: UInt64, imageRange: ClosedRange<Float> = 0...1
    ) {
        self.epochs = epochs
        self.timeBudget = timeBudget
        self.stepBudget = stepBudget
        self.labeledBatchSize = labeledBatchSize
        self.unlabeledBatchSize = unlabeledBatchSize
        self.evaluationBatchSize = evaluationBatchSize
        self.seed = seed
        self.imageRange = imageRange
    }
}
