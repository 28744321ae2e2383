/// What happened in one epoch, or in the part of it a budget allowed.
public struct EpochReport: Sendable {
    /// The epoch, counted from 1 (as the console and `metrics.jsonl` count).
    public var epoch: Int
    /// Optimizer steps taken so far.
    public var step: Int
    /// Wall seconds since the run started (across resumptions).
    public var seconds: Double
    /// The learning rate of the epoch's last step.
    public var learningRate: Float
    /// Each loss term's mean over the epoch's steps (across resumptions).
    public var terms: LossTerms
    /// The test set's classification.
    public var test: ClassificationReport
    /// The validation set's classification, when there is a validation set.
    public var validation: ClassificationReport?
    /// Steps of this epoch taken so far.
    public var steps: Int
    /// Steps in a whole epoch.
    public var stepsPerEpoch: Int

    /// Whether the epoch ran to its end (not cut short by a budget).
    public var isComplete: Bool { steps >= stepsPerEpoch }
}
