/// Where training stands: the epoch and the optimizer step, both counted from 0, and the
/// plan. Weight schedules and learning-rate schedules read it.
///
/// Schedules follow Method.md section 5, where the first epoch is epoch 0 (`ramp(0, T, max)`
/// is `max · e⁻⁵`); people read epochs from 1, as the trainer's records and console do.
public struct TrainingProgress: Sendable, Equatable, Codable {
    /// The current epoch, counted from 0.
    public var epoch: Int
    /// Optimizer steps taken so far (the current step, counted from 0).
    public var step: Int
    /// The planned number of epochs.
    public var totalEpochs: Int
    /// Optimizer steps in one epoch (one pass over the unlabeled set); 0 when unknown.
    public var stepsPerEpoch: Int

    /// Creates a progress value.
    public init(epoch: Int, step: Int, totalEpochs: Int, stepsPerEpoch: Int = 0) {
        self.epoch = epoch
        self.step = step
        self.totalEpochs = totalEpochs
        self.stepsPerEpoch = stepsPerEpoch
    }

    /// The planned number of optimizer steps, when the epoch length is known.
    public var totalSteps: Int? { stepsPerEpoch > 0 ? totalEpochs * stepsPerEpoch : nil }
}
