#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a schedule advances with epochs or with optimizer steps.
public enum ScheduleUnit: String, Sendable, Codable {
    /// Advances once per epoch (the ramps of Method.md section 5).
    case epochs
    /// Advances every optimizer step (the capacities of Method.md section 7).
    case steps
}

/// A loss weight or capacity as a function of training progress.
///
/// ```swift
/// // ew of CIFAR-10: ramp(e, 400, 1e-3), max multiplied by 5 at epoch 400
/// let ew = WeightSchedule.exponentialRamp(maximum: 1e-3, length: 400, unit: .epochs)
///     .multiplied(by: 5, from: 400, unit: .epochs)
/// ```
public indirect enum WeightSchedule: Sendable, Equatable, Codable {
    /// The same value throughout.
    case constant(Float)
    /// The sigmoid-shaped ramp-up of Method.md section 5:
    /// `maximum · exp(-5 (1 - min(1, t / length))²)`; `t = 0` gives `maximum · e⁻⁵`.
    case exponentialRamp(maximum: Float, length: Double, unit: ScheduleUnit)
    /// A straight line from `start` to `end` over `length`, then constant: JointVAE's
    /// capacity increase (Method.md section 7).
    case linear(start: Float, end: Float, length: Double, unit: ScheduleUnit)
    /// Another schedule, multiplied by `factor` from `from` on.
    case boosted(WeightSchedule, factor: Float, from: Double, unit: ScheduleUnit)
    /// Another schedule, never above `maximum`.
    case capped(WeightSchedule, maximum: Float)

    /// The value at `progress`.
    public func value(at progress: TrainingProgress) -> Float {
        switch self {
        case .constant(let value):
            return value
        case .exponentialRamp(let maximum, let length, let unit):
            let t = WeightSchedule.time(progress, unit)
            let fraction = length <= 0 ? 1 : min(1, t / length)
            return maximum * Float(exp(-5 * (1 - fraction) * (1 - fraction)))
        case .linear(let start, let end, let length, let unit):
            let t = WeightSchedule.time(progress, unit)
            let fraction = length <= 0 ? 1 : min(1, t / length)
            return start + (end - start) * Float(fraction)
        case .boosted(let base, let factor, let from, let unit):
            let value = base.value(at: progress)
            return WeightSchedule.time(progress, unit) >= from ? value * factor : value
        case .capped(let base, let maximum):
            return min(base.value(at: progress), maximum)
        }
    }

    /// This schedule multiplied by `factor` from `from` on.
    public func multiplied(by factor: Float, from: Double, unit: ScheduleUnit) -> WeightSchedule {
        .boosted(self, factor: factor, from: from, unit: unit)
    }

    /// This schedule, never above `maximum`.
    public func capped(at maximum: Float) -> WeightSchedule {
        .capped(self, maximum: maximum)
    }

    static func time(_ progress: TrainingProgress, _ unit: ScheduleUnit) -> Double {
        unit == .epochs ? Double(progress.epoch) : Double(progress.step)
    }
}
