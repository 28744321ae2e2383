import Foundation

/// The checkpoint process 0 writes as soon as the launcher announces that it is ending the job
/// (``InterruptNotice``: `mpirun` sends SIGCONT on a Ctrl-C, and SIGKILL two timeouts later),
/// in case the step under way cannot finish in time.
///
/// It holds the state after the last finished step: the run state and a copy of the model's
/// buffers (batch norm's running statistics, which the step under way changes), recorded at
/// the end of every step. Parameters and optimizer state change only in the step's update,
/// which runs under the same lock as the recording, so that a checkpoint read from another
/// thread between two updates is the state after the last one. A thread of its own watches
/// for the notice and writes the checkpoint while the step goes on; if the step then finishes
/// in time, the trainer's own checkpoint after it replaces this one.
final class NoticeCheckpoint: @unchecked Sendable {
    private let lock = NSLock()
    private var run: RunState
    private var buffers: [(name: String, value: Tensor)]
    private let stopped = NSCondition()
    private var isStopped = false

    /// Starts watching, with the state the run starts from.
    ///
    /// - Parameters:
    ///   - run: The state before the first step.
    ///   - buffers: The model's buffers before the first step.
    ///   - isRequested: Whether the notice (or any interrupt) has arrived.
    ///   - write: Writes a checkpoint of a recorded state.
    init(
        run: RunState, buffers: [(name: String, value: Tensor)], isRequested: @escaping () -> Bool,
        write: @escaping (RunState, [(name: String, value: Tensor)]) -> Void
    ) {
        self.run = run
        self.buffers = buffers
        self.isRequested = isRequested
        self.write = write
        Thread { [self] in watch() }.start()
    }

    private let isRequested: () -> Bool
    private let write: (RunState, [(name: String, value: Tensor)]) -> Void

    /// Until stopped: on the notice, writes the recorded state once.
    private func watch() {
        while !waitForStop(seconds: 0.02) {
            guard isRequested() else { continue }
            lock.lock()
            write(run, buffers)
            lock.unlock()
            return
        }
    }

    /// Takes the lock before a step's update.
    func beginUpdate() { lock.lock() }

    /// Records the state after the update, and releases the lock.
    func endUpdate(_ run: RunState, buffers: [(name: String, value: Tensor)]) {
        self.run = run
        self.buffers = buffers
        lock.unlock()
    }

    /// Runs `body` while no checkpoint of this kind is written (for the trainer's own).
    func exclusively<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Stops watching.
    func stop() {
        stopped.lock()
        isStopped = true
        stopped.broadcast()
        stopped.unlock()
    }

    /// Waits up to `seconds` for ``stop()``; returns whether it was called.
    private func waitForStop(seconds: Double) -> Bool {
        stopped.lock()
        defer { stopped.unlock() }
        if !isStopped { _ = stopped.wait(until: Date(timeIntervalSinceNow: seconds)) }
        return isStopped
    }
}
