#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The clocks behind ``PhaseProfile``: one per thread that ran engine work while a profile was
/// on, each charging its time to the innermost phase it is in.
///
/// The profiling thread (the one that called ``PhaseProfile/profile(_:)``) is always in some
/// phase, ``Phase/other`` at the bottom; it publishes its innermost phase, and a worker
/// running a chunk of a parallel pass that the profiled work started charges the chunk to that
/// phase (or to the phases the chunk enters itself). Work of other threads (another model
/// trained on a thread of its own, a test running beside the profile) is not counted. Each
/// clock is written by its own thread only and read by the profiling thread after the work has
/// finished (the worker pool's completion count orders the two).
///
/// When no profile is on, ``measure(_:_:)`` costs one relaxed atomic load.
final class PhaseClock: @unchecked Sendable {
    /// Nanoseconds per phase.
    private var nanoseconds = [UInt64](repeating: 0, count: Phase.allCases.count)
    /// Multiply-adds of the products this thread ran.
    private var multiplyAdds = 0
    /// The phases this thread is in, innermost last.
    private var stack: [Phase] = []
    /// When the time since was last charged.
    private var last: UInt64 = 0
    /// Whether this is the profiling thread's clock.
    private var isProfiling = false
    /// Whether this thread is running a chunk of the profiled work.
    private var inProfiledChunk = false
    /// Whether this thread's work counts.
    private var isActive: Bool { isProfiling || inProfiledChunk }

    private init() { stack.reserveCapacity(16) }

    // MARK: - Process-wide state

    /// Whether a profile is on.
    private static let enabled = Atomic<Bool>(false)
    /// The profiling thread's innermost phase.
    private static let profilingPhase = Atomic<Int>(0)
    /// Every thread's clock, kept for the life of the process (a few threads).
    private static let clocks = Mutex<[PhaseClock]>([])
    /// The key of each thread's clock.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key left for the phase clocks")
        return key
    }()

    /// The calling thread's clock, created on first use.
    private static var threadClock: PhaseClock {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<PhaseClock>.fromOpaque(existing).takeUnretainedValue()
        }
        let clock = PhaseClock()
        clocks.withLock { $0.append(clock) }
        pthread_setspecific(key, Unmanaged.passUnretained(clock).toOpaque())
        return clock
    }

    /// A monotonic clock, in nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    // MARK: - Phases

    /// Runs `body` in `phase`.
    @inline(__always)
    static func measure<Result>(_ phase: Phase, _ body: () throws -> Result) rethrows -> Result {
        guard enabled.load(ordering: .relaxed) else { return try body() }
        let clock = threadClock
        guard clock.isActive else { return try body() }
        clock.enter(phase)
        defer { clock.exit() }
        return try body()
    }

    /// Whether a parallel pass started on the calling thread is part of the profiled work.
    static var callerIsProfiled: Bool { enabled.load(ordering: .relaxed) && threadClock.isActive }

    /// Runs a chunk of a parallel pass, started by profiled work if `profiled`
    /// (``callerIsProfiled`` on the thread that started it): on a worker, in the profiling
    /// thread's phase.
    @inline(__always)
    static func chunk(profiled: Bool, _ body: () -> Void) {
        guard profiled, enabled.load(ordering: .relaxed) else { return body() }
        let clock = threadClock
        if clock.isActive { return body() }
        clock.inProfiledChunk = true
        clock.enter(Phase(rawValue: profilingPhase.load(ordering: .relaxed)) ?? .other)
        defer {
            clock.exit()
            clock.inProfiledChunk = false
        }
        body()
    }

    /// Counts the multiply-adds of a product.
    @inline(__always)
    static func countMultiplyAdds(_ count: Int) {
        guard enabled.load(ordering: .relaxed) else { return }
        let clock = threadClock
        if clock.isActive { clock.multiplyAdds += count }
    }

    private func charge(until time: UInt64) {
        if let phase = stack.last { nanoseconds[phase.rawValue] += time &- last }
        last = time
    }

    private func enter(_ phase: Phase) {
        charge(until: Self.now())
        // Elementwise passes inside another phase (a layer's bias, the optimizer's update) are
        // that phase's.
        let top = stack.last ?? .other
        stack.append(phase == .elementwise && top != .other ? top : phase)
        if isProfiling { Self.profilingPhase.store(stack.last!.rawValue, ordering: .relaxed) }
    }

    private func exit() {
        charge(until: Self.now())
        stack.removeLast()
        if isProfiling { Self.profilingPhase.store((stack.last ?? .other).rawValue, ordering: .relaxed) }
    }

    // MARK: - Profiles

    /// Starts a profile on the calling thread.
    static func start() {
        precondition(!enabled.load(ordering: .relaxed), "a phase profile is already running")
        let clock = threadClock
        clocks.withLock { all in
            for other in all {
                other.nanoseconds = [UInt64](repeating: 0, count: Phase.allCases.count)
                other.multiplyAdds = 0
            }
        }
        clock.isProfiling = true
        clock.stack = [.other]
        profilingPhase.store(Phase.other.rawValue, ordering: .relaxed)
        clock.last = now()
        enabled.store(true, ordering: .releasing)
    }

    /// Ends the profile and returns every clock's nanoseconds per phase and multiply-adds, summed.
    static func stop() -> (nanoseconds: [UInt64], multiplyAdds: Int) {
        let clock = threadClock
        clock.charge(until: now())
        enabled.store(false, ordering: .releasing)
        clock.isProfiling = false
        clock.stack = []
        return clocks.withLock { all in
            var total = [UInt64](repeating: 0, count: Phase.allCases.count)
            var multiplyAdds = 0
            for other in all {
                for phase in total.indices { total[phase] += other.nanoseconds[phase] }
                multiplyAdds += other.multiplyAdds
            }
            return (total, multiplyAdds)
        }
    }
}
