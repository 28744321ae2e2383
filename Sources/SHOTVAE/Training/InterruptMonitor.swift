import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns Ctrl-C (SIGINT) into a request that the training loop honours between steps.
///
/// While a monitor is active, the first SIGINT only raises a flag; the loop finishes its
/// step, writes a checkpoint and returns. The handler then restores the default action, so a
/// second Ctrl-C stops the process at once. ``stop()`` restores the previous action.
///
/// Signals belong to the whole process, so the flag is the one process-wide value here: an
/// atomic that only the signal handler sets and only the active monitor reads.
final class InterruptMonitor {
    /// Set by the signal handler.
    private static let requested = Atomic<Bool>(false)

    private var previous = sigaction()

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
        sigaction(SIGINT, &action, &previous)
    }

    /// Whether SIGINT arrived since the monitor started.
    var isRequested: Bool { InterruptMonitor.requested.load(ordering: .sequentiallyConsistent) }

    /// Stops watching and restores the previous action of SIGINT.
    func stop() {
        sigaction(SIGINT, &previous, nil)
    }

    /// The handler: only async-signal-safe work (an atomic store, `write`, `signal`).
    private static let handle: @convention(c) (Int32) -> Void = { _ in
        InterruptMonitor.requested.store(true, ordering: .sequentiallyConsistent)
        let message: StaticString = "\nInterrupted: finishing this step and writing a checkpoint (Ctrl-C again to stop at once).\n"
        _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
        signal(SIGINT, SIG_DFL)
    }
}
