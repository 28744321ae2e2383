import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns Ctrl-C (SIGINT) and SIGTERM (a job scheduler's stop, or `mpirun` passing on a Ctrl-C)
/// into a request that the training loop honours between steps.
///
/// While a monitor is active, the first SIGINT or SIGTERM only raises a flag; the loop
/// finishes its step, writes a checkpoint and returns. The handler then restores the default
/// actions, so a second signal stops the process at once. A launcher's notice signal
/// (``InterruptNotice``: `mpirun` sends SIGCONT before SIGTERM) raises the flag too, and leaves
/// SIGINT and SIGTERM watched, so that the step may go on past the launcher's SIGTERM until its
/// SIGKILL. ``stop()`` restores the previous actions.
///
/// Signals belong to the whole process, so the flag is the one process-wide value here: an
/// atomic that only the signal handler sets and only the active monitor reads.
final class InterruptMonitor {
    /// Set by the signal handler.
    private static let requested = Atomic<Bool>(false)
    /// The launcher's notice signal, 0 for none; read by the handler.
    private static let noticeSignal = Atomic<Int32>(0)
    /// Whether the handler says what it does (one process of a run says it).
    private static let speaks = Atomic<Bool>(true)

    /// The signals watched.
    private let signals: [Int32]
    private var previous: [sigaction]

    /// Starts watching SIGINT, SIGTERM and, if given, a launcher's notice signal.
    ///
    /// - Parameters:
    ///   - notice: The launcher's notice signal, if any.
    ///   - speaks: Whether to print what happens on the console.
    init(notice: Int32? = nil, speaks: Bool = true) {
        signals = [SIGINT, SIGTERM] + (notice.map { [$0] } ?? [])
        previous = signals.map { _ in sigaction() }
        InterruptMonitor.requested.store(false, ordering: .sequentiallyConsistent)
        InterruptMonitor.noticeSignal.store(notice ?? 0, ordering: .sequentiallyConsistent)
        InterruptMonitor.speaks.store(speaks, ordering: .sequentiallyConsistent)
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = InterruptMonitor.handle
        #else
        action.__sigaction_u.__sa_handler = InterruptMonitor.handle
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        for (i, signal) in signals.enumerated() { sigaction(signal, &action, &previous[i]) }
    }

    /// Whether an interrupt arrived since the monitor started.
    var isRequested: Bool { InterruptMonitor.requested.load(ordering: .sequentiallyConsistent) }

    /// Stops watching and restores the previous actions of the signals.
    func stop() {
        for (i, signal) in signals.enumerated() { sigaction(signal, &previous[i], nil) }
    }

    /// The handler: only async-signal-safe work (atomics, `write`, `signal`).
    private static let handle: @convention(c) (Int32) -> Void = { received in
        let wasRequested = InterruptMonitor.requested.exchange(true, ordering: .sequentiallyConsistent)
        if !wasRequested && InterruptMonitor.speaks.load(ordering: .sequentiallyConsistent) {
            let message: StaticString = "\nInterrupted: finishing this step and writing a checkpoint (Ctrl-C again to stop at once).\n"
            _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
        }
        guard received != InterruptMonitor.noticeSignal.load(ordering: .sequentiallyConsistent) else { return }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
