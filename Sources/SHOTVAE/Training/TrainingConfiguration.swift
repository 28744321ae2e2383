/// How long and on what batches a ``Trainer`` trains, and how it reports.
public struct TrainingConfiguration: Sendable, Codable, Equatable {
    /// The planned number of epochs; an epoch is one pass over the unlabeled set.
    public var epochs: Int
    /// Stop after this many seconds of wall time (measured across resumptions), if set.
    public var timeBudget: Double?
    /// Stop after this many optimizer steps, if set.
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

/// What happened in one epoch.
public struct EpochReport: Sendable {
    /// The epoch, from 0.
    public var epoch: Int
    /// Optimizer steps taken so far.
    public var step: Int
    /// Wall seconds since the run started (across resumptions).
    public var seconds: Double
    /// The learning rate of the epoch.
    public var learningRate: Float
    /// Each loss term's mean over the epoch's steps.
    public var terms: [(name: String, value: Double)]
    /// The test set's classification.
    public var test: ClassificationReport
    /// The validation set's classification, when there is a validation set.
    public var validation: ClassificationReport?
    /// Steps in this epoch (fewer than a full epoch when a budget ended it).
    public var steps: Int
}

/// How a run ended.
public enum StopReason: String, Sendable, Codable {
    /// All planned epochs ran.
    case completed
    /// The time budget ran out.
    case timeBudget = "time-budget"
    /// The step budget ran out.
    case stepBudget = "step-budget"
    /// Ctrl-C.
    case interrupted
}

/// The outcome of ``Trainer/fit(split:test:resume:report:)``, also written to `summary.json`.
public struct TrainingSummary: Sendable, Codable {
    /// How the run ended.
    public var stopReason: StopReason
    /// Epochs completed (an epoch cut by a budget counts once evaluated).
    public var epochs: Int
    /// Optimizer steps taken.
    public var steps: Int
    /// Wall seconds (across resumptions).
    public var seconds: Double
    /// The last evaluation's test error.
    public var testError: Double?
    /// The last evaluation's top-5 test error.
    public var testTop5Error: Double?
    /// The lowest test error of any evaluation.
    public var bestTestError: Double?
    /// The last evaluation's validation error.
    public var validationError: Double?
    /// The last evaluation's top-5 validation error.
    public var validationTop5Error: Double?
    /// The last evaluation's per-class test accuracy.
    public var perClassAccuracy: [Double]?
    /// Mean optimizer steps per second.
    public var stepsPerSecond: Double
}
