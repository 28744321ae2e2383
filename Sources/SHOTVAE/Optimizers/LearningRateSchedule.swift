#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning rate as a function of the epoch; the trainer sets
/// ``Optimizer/learningRate`` from it at the start of each epoch.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate during `epoch` (counted from 0).
    func learningRate(atEpoch epoch: Int) -> Float
}

/// The same learning rate throughout.
public struct ConstantLearningRate: LearningRateSchedule {
    /// The learning rate.
    public var value: Float
    /// Creates the schedule.
    public init(_ value: Float) { self.value = value }
    /// `value`, whatever the epoch.
    public func learningRate(atEpoch epoch: Int) -> Float { value }
}

/// Multiplies the learning rate by `factor` at each milestone epoch (PyTorch's `MultiStepLR`).
///
/// The paper's CIFAR-10 schedule is `MultiStepLearningRate(initial: 0.1, milestones: [400,
/// 500, 550], factor: 0.1)` over 600 epochs.
public struct MultiStepLearningRate: LearningRateSchedule {
    /// The learning rate before the first milestone.
    public var initial: Float
    /// The epochs at which the rate is multiplied by `factor`, in increasing order.
    public var milestones: [Int]
    /// The factor applied at each milestone.
    public var factor: Float

    /// Creates the schedule.
    public init(initial: Float, milestones: [Int], factor: Float = 0.1) {
        precondition(milestones == milestones.sorted(), "Milestones must be increasing: \(milestones).")
        self.initial = initial
        self.milestones = milestones
        self.factor = factor
    }

    /// `initial · factor^(milestones passed)`.
    public func learningRate(atEpoch epoch: Int) -> Float {
        var rate = initial
        for milestone in milestones where epoch >= milestone { rate *= factor }
        return rate
    }
}

/// A constant warm-up rate for the first `epochs` epochs, then another schedule. The paper
/// trains epoch 0 at 0.02 before its multi-step schedule starting at 0.1.
public struct WarmupLearningRate<Base: LearningRateSchedule>: LearningRateSchedule {
    /// The learning rate during warm-up.
    public var warmupRate: Float
    /// How many epochs the warm-up lasts.
    public var epochs: Int
    /// The schedule after warm-up, queried with the true epoch.
    public var base: Base

    /// Creates the schedule.
    public init(warmupRate: Float, epochs: Int = 1, then base: Base) {
        self.warmupRate = warmupRate
        self.epochs = epochs
        self.base = base
    }

    /// `warmupRate` before `epochs`, the base schedule afterwards.
    public func learningRate(atEpoch epoch: Int) -> Float {
        epoch < epochs ? warmupRate : base.learningRate(atEpoch: epoch)
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
    public func learningRate(atEpoch epoch: Int) -> Float {
        let progress = min(Double(epoch), Double(totalEpochs)) / Double(totalEpochs)
        return minimum + (initial - minimum) * Float(1 + cos(Double.pi * progress)) / 2
    }
}
