import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns Ctrl-C (SIGINT) and SIGTERM (a job scheduler's stop, or `mpirun` passing on a Ctrl-C)
/// into a request that the training loop honours between steps.
///
/// While a monitor is active, the first signal only raises a flag; the loop finishes its
/// step, writes a checkpoint and returns. The handler then restores the default actions, so a
/// second signal stops the process at once. ``stop()`` restores the previous actions.
///
/// Signals belong to the whole process, so the flag is the one process-wide value here: an
/// atomic that only the signal handler sets and only the active monitor reads.
final class InterruptMonitor {
    /// Set by the signal handler.
    private static let requested = Atomic<Bool>(false)

    /// The signals watched.
    private static let signals = [SIGINT, SIGTERM]
    private var previous = [sigaction(), sigaction()]

    init() {
        InterruptMonitor.requested.store(false, ordering: .sequentiallyConsistent)
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = InterruptMonitor.handle
        #else
        action.__sigaction_u.__sa_handler = InterruptMonitor.handle
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        for (i, signal) in Self.signals.enumerated() { sigaction(signal, &action, &previous[i]) }
    }

    /// Whether SIGINT or SIGTERM arrived since the monitor started.
    var isRequested: Bool { InterruptMonitor.requested.load(ordering: .sequentiallyConsistent) }

    /// Stops watching and restores the previous actions of SIGINT and SIGTERM.
    func stop() {
        for (i, signal) in Self.signals.enumerated() { sigaction(signal, &previous[i], nil) }
    }

    /// The handler: only async-signal-safe work (an atomic store, `write`, `signal`).
    private static let handle: @convention(c) (Int32) -> Void = { _ in
        InterruptMonitor.requested.store(true, ordering: .sequentiallyConsistent)
        let message: StaticString = "\nInterrupted: finishing this step and writing a checkpoint (Ctrl-C again to stop at once).\n"
        _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
