import Foundation

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
    /// A ``TrainingHook`` asked to stop.
    case stoppedByHook = "stopped-by-hook"
}

/// The outcome of ``Trainer/fit(split:test:resume:report:)``, also written to `summary.json`.
public struct TrainingSummary: Sendable, Codable {
    /// How the run ended.
    public var stopReason: StopReason
    /// Whole epochs completed.
    public var epochs: Int
    /// Steps of the epoch in progress when the run stopped (0 when it stopped between epochs).
    public var partialEpochSteps: Int
    /// Steps in a whole epoch.
    public var stepsPerEpoch: Int
    /// Optimizer steps taken.
    public var steps: Int
    /// Wall seconds (across resumptions).
    public var seconds: Double
    /// The last evaluation's test error; `nil` when the run has not been evaluated yet.
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
    /// The files of the output folder that this call wrote, by name.
    public var writtenFiles: [String]

    /// Where the run stopped, for people: "epoch 3, step 120 of 469" mid-epoch, "after epoch 3"
    /// at an epoch's end.
    public var position: String {
        partialEpochSteps > 0
            ? "epoch \(epochs + 1), step \(partialEpochSteps) of \(stepsPerEpoch)"
            : "after epoch \(epochs)"
    }

    /// One line for people: how the run ended, where, and the last evaluation, such as
    /// `time-budget at epoch 5, step 120 of 469 (1996 steps, 180 s): test error 5.12% (best 5.01%)`.
    public var outcome: String {
        var line = String(format: "%@ %@ (%d steps, %.0f s): ", stopReason.rawValue,
                          partialEpochSteps > 0 ? "at " + position : position, steps, seconds)
        guard let testError else { return line + "no evaluation yet" }
        line += String(format: "test error %.2f%%", testError * 100)
        if let bestTestError, bestTestError < testError { line += String(format: " (best %.2f%%)", bestTestError * 100) }
        if let validationError { line += String(format: ", validation error %.2f%%", validationError * 100) }
        return line
    }
}
