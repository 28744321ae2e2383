/// Code that runs at the seams of a ``Trainer``'s loop: after each step's gradients, before
/// each optimizer step, at the end of each epoch, and when the trainer decides whether to go
/// on.
///
/// Every requirement has a default that does nothing, so a hook implements only what it
/// needs. Hooks run in the order of ``Trainer/hooks``. A hook that throws stops the run with
/// that error; the last checkpoint stays in place.
///
/// Stopping early when the validation error has not improved for a few epochs:
///
/// ```swift
/// import SHOTVAE
///
/// final class ValidationPlateau: TrainingHook {
///     let patience: Int
///     private var best = Double.infinity
///     private var epochsSinceBest = 0
///
///     init(patience: Int) { self.patience = patience }
///
///     func didEndEpoch(_ trainer: Trainer, report: EpochReport) throws {
///         guard report.isComplete, let error = report.validation?.error else { return }
///         if error < best {
///             (best, epochsSinceBest) = (error, 0)
///         } else {
///             epochsSinceBest += 1
///         }
///     }
///
///     func shouldStop(_ trainer: Trainer, after report: EpochReport) -> Bool {
///         epochsSinceBest >= patience
///     }
/// }
///
/// trainer.hooks.append(ValidationPlateau(patience: 5))
/// ```
public protocol TrainingHook: AnyObject {
    /// Called once the step's gradients are in every parameter's `gradient` and the loss is
    /// known to be finite; a hook may read or change the gradients (clip them, for example).
    func didComputeGradients(_ trainer: Trainer, terms: LossTerms, progress: TrainingProgress) throws

    /// Called just before the optimizer updates the parameters, with the step's learning rate
    /// already set in ``Trainer/optimizer``.
    func willUpdateParameters(_ trainer: Trainer, progress: TrainingProgress) throws

    /// Called at the end of each epoch, and of an epoch cut short by a budget, after the
    /// evaluation, the records and the checkpoint are written.
    func didEndEpoch(_ trainer: Trainer, report: EpochReport) throws

    /// Whether the run should stop after the epoch of `report`; the run then ends with
    /// ``StopReason/stoppedByHook``.
    func shouldStop(_ trainer: Trainer, after report: EpochReport) -> Bool
}

extension TrainingHook {
    /// Does nothing.
    public func didComputeGradients(_ trainer: Trainer, terms: LossTerms, progress: TrainingProgress) throws {}
    /// Does nothing.
    public func willUpdateParameters(_ trainer: Trainer, progress: TrainingProgress) throws {}
    /// Does nothing.
    public func didEndEpoch(_ trainer: Trainer, report: EpochReport) throws {}
    /// `false`: go on.
    public func shouldStop(_ trainer: Trainer, after report: EpochReport) -> Bool { false }
}
