#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning rate as a function of training progress: the one owner of a run's learning
/// rate. The ``Trainer`` sets ``Optimizer/learningRate`` from it before every optimizer step,
/// so a schedule may change the rate per epoch (``MultiStepLearningRate``) or per step
/// (``LinearWarmupLearningRate``).
public protocol LearningRateSchedule: Sendable {
    /// The learning rate of the optimizer step at `progress`.
    func learningRate(at progress: TrainingProgress) -> Float
}

/// The same learning rate throughout.
public struct ConstantLearningRate: LearningRateSchedule {
    /// The learning rate.
    public var value: Float
    /// Creates the schedule.
    public init(_ value: Float) { self.value = value }
    /// `value`, whatever the progress.
    public func learningRate(at progress: TrainingProgress) -> Float { value }
}

/// Multiplies the learning rate by `factor` at each milestone epoch or step (PyTorch's
/// `MultiStepLR`).
///
/// The paper's CIFAR-10 schedule is `MultiStepLearningRate(initial: 0.1, milestones: [400,
/// 500, 550], factor: 0.1)` over 600 epochs. A run shortened to a few epochs keeps the
/// milestones' places in the run by counting them in steps.
public struct MultiStepLearningRate: LearningRateSchedule {
    /// The learning rate before the first milestone.
    public var initial: Float
    /// The epochs or steps at which the rate is multiplied by `factor`, in increasing order.
    public var milestones: [Int]
    /// The factor applied at each milestone.
    public var factor: Float
    /// Whether `milestones` count epochs or optimizer steps.
    public var unit: ScheduleUnit

    /// Creates the schedule.
    public init(initial: Float, milestones: [Int], factor: Float = 0.1, unit: ScheduleUnit = .epochs) {
        precondition(milestones == milestones.sorted(), "Milestones must be increasing: \(milestones).")
        self.initial = initial
        self.milestones = milestones
        self.factor = factor
        self.unit = unit
    }

    /// `initial · factor^(milestones passed)`.
    public func learningRate(at progress: TrainingProgress) -> Float {
        let position = unit == .epochs ? progress.epoch : progress.step
        var rate = initial
        for milestone in milestones where position >= milestone { rate *= factor }
        return rate
    }
}

/// A constant warm-up rate for the first `length` epochs or steps, then another schedule. The
/// paper trains epoch 0 at 0.02 before its multi-step schedule starting at 0.1.
public struct WarmupLearningRate<Base: LearningRateSchedule>: LearningRateSchedule {
    /// The learning rate during warm-up.
    public var warmupRate: Float
    /// How long the warm-up lasts, in `unit`s.
    public var length: Int
    /// Whether `length` counts epochs or optimizer steps.
    public var unit: ScheduleUnit
    /// The schedule after warm-up, queried with the true progress.
    public var base: Base

    /// Creates the schedule.
    public init(warmupRate: Float, length: Int = 1, unit: ScheduleUnit = .epochs, then base: Base) {
        self.warmupRate = warmupRate
        self.length = length
        self.unit = unit
        self.base = base
    }

    /// `warmupRate` during the first `length` epochs or steps, the base schedule afterwards.
    public func learningRate(at progress: TrainingProgress) -> Float {
        (unit == .epochs ? progress.epoch : progress.step) < length ? warmupRate : base.learningRate(at: progress)
    }
}

/// A linear warm-up over the first `steps` optimizer steps, then another schedule: step `s`
/// (from 0) runs at `(s + 1) / steps` times the base rate (Goyal et al.'s gradual warm-up).
public struct LinearWarmupLearningRate<Base: LearningRateSchedule>: LearningRateSchedule {
    /// Optimizer steps of the warm-up.
    public var steps: Int
    /// The schedule the warm-up leads to, queried with the true progress.
    public var base: Base

    /// Creates the schedule.
    public init(steps: Int, then base: Base) {
        precondition(steps >= 0, "A warm-up cannot last \(steps) steps.")
        self.steps = steps
        self.base = base
    }

    /// The base rate, scaled by `(step + 1) / steps` during the warm-up.
    public func learningRate(at progress: TrainingProgress) -> Float {
        let rate = base.learningRate(at: progress)
        return progress.step < steps ? rate * Float(progress.step + 1) / Float(steps) : rate
    }
}

/// Cosine annealing from `initial` to `minimum` over `totalEpochs` (PyTorch's
/// `CosineAnnealingLR` in closed form): `minimum + (initial - minimum)(1 + cos(π e / T)) / 2`.
public struct CosineLearningRate: LearningRateSchedule {
    /// The learning rate at epoch 0.
    public var initial: Float
    /// The learning rate at the last epoch.
    public var minimum: Float
    /// The length of the schedule.
    public var totalEpochs: Int

    /// Creates the schedule.
    public init(initial: Float, minimum: Float = 0, totalEpochs: Int) {
        precondition(totalEpochs > 0, "A cosine schedule needs a positive length.")
        self.initial = initial
        self.minimum = minimum
        self.totalEpochs = totalEpochs
    }

    /// The annealed rate; after `totalEpochs` it stays at `minimum`.
    public func learningRate(at progress: TrainingProgress) -> Float {
        let fraction = min(Double(progress.epoch), Double(totalEpochs)) / Double(totalEpochs)
        return minimum + (initial - minimum) * Float(1 + cos(Double.pi * fraction)) / 2
    }
}
