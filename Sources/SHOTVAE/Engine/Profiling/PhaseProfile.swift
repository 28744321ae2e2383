/// Where the cores' time went while ``profile(_:)`` ran its body: the time each ``Phase``
/// took, summed over the cores, the cores' idle time, and the multiply-adds of the products.
///
/// The shares are of the cores' whole time, wall time times ``cores``: a phase that keeps both
/// cores of a two-core machine busy for 10 ms of a 100 ms step is 10% of it, and a serial
/// phase that leaves the second core idle shows as much again under ``idleSeconds``.
/// Profiling costs two clock readings per phase entered (the benchmarks profile steps apart
/// from the steps they time).
@_spi(Benchmarks)
public struct PhaseProfile: Sendable {
    /// The wall-clock time of the body.
    public var wallSeconds: Double
    /// The engine's cores (worker threads and the calling thread).
    public var cores: Int
    /// Each phase's time, summed over the cores, by ``Phase/rawValue``.
    public var seconds: [Double]
    /// The multiply-adds of the matrix products, as their shapes count them.
    public var multiplyAdds: Double

    /// The time of `phase`, summed over the cores.
    public func seconds(_ phase: Phase) -> Double { seconds[phase.rawValue] }

    /// The cores' whole time: wall time times ``cores``.
    public var coreSeconds: Double { wallSeconds * Double(cores) }

    /// The cores' time not spent in any phase: a core waiting for work.
    public var idleSeconds: Double { max(0, coreSeconds - seconds.reduce(0, +)) }

    /// The share of the cores' time that no phase took.
    public var idleShare: Double { idleSeconds / coreSeconds }

    /// The share of the cores' time that `phase` took.
    public func share(_ phase: Phase) -> Double { seconds(phase) / coreSeconds }

    /// Profiles `body`, run on the calling thread (with the engine's workers under it).
    ///
    /// - Precondition: no other profile is running.
    public static func profile<Result>(_ body: () throws -> Result) rethrows -> (Result, PhaseProfile) {
        PhaseClock.start()
        let start = PhaseClock.now()
        let result: Result
        do {
            result = try body()
        } catch {
            _ = PhaseClock.stop()
            throw error
        }
        let wall = Double(PhaseClock.now() - start) * 1e-9
        let (nanoseconds, multiplyAdds) = PhaseClock.stop()
        return (result, PhaseProfile(wallSeconds: wall, cores: Parallel.coreCount,
                                     seconds: nanoseconds.map { Double($0) * 1e-9 }, multiplyAdds: Double(multiplyAdds)))
    }

    /// The sum of several profiles (of several steps).
    public static func + (a: PhaseProfile, b: PhaseProfile) -> PhaseProfile {
        PhaseProfile(wallSeconds: a.wallSeconds + b.wallSeconds, cores: a.cores,
                     seconds: zip(a.seconds, b.seconds).map { $0 + $1 }, multiplyAdds: a.multiplyAdds + b.multiplyAdds)
    }

    /// The profile divided by `count` (per step).
    public func divided(by count: Int) -> PhaseProfile {
        let n = Double(count)
        return PhaseProfile(wallSeconds: wallSeconds / n, cores: cores, seconds: seconds.map { $0 / n },
                            multiplyAdds: multiplyAdds / n)
    }
}
