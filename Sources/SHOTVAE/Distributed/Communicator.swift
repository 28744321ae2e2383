/// The processes that train one run together, and the collective operations among them.
///
/// A run spread over several processes (data-parallel training) gives each process a
/// communicator: its ``rank`` among ``size`` processes, and operations that every process
/// calls in the same order, each returning when all have contributed. The library calls
/// them from one thread at a time. ``SingleProcessCommunicator`` is the default, for a run in
/// one process; the `SHOTVAEDistributed` library adds an Open MPI implementation
/// (see the DocC article "Training on several machines").
///
/// Every collective is called by all processes with buffers of the same length (the counts of
/// ``allGather(_:counts:into:)`` give each process's share). A communicator stops the whole
/// job with a message when a process has died; it does not return an error.
public protocol Communicator: AnyObject {
    /// This process's number, in `0..<size`; process 0 writes the run's records.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }

    /// Replaces `values` on every process by their elementwise sum over all processes.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>)

    /// Replaces `values` on every process by their elementwise sum over all processes, in
    /// double precision (counts, flags, checksums).
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>)

    /// Starts replacing `values` by their elementwise sum over all processes and returns at
    /// once; `values` must stay alive and untouched until the returned reduction completes.
    /// Every process starts its reductions in the same order.
    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> any PendingReduction

    /// Concatenates every process's `values`, in rank order, into `result` on every process.
    ///
    /// - Parameters:
    ///   - values: This process's share; `values.count == counts[rank]`.
    ///   - counts: Each process's share, by rank.
    ///   - result: Room for `counts.reduce(0, +)` values.
    func allGather(_ values: UnsafeBufferPointer<Float>, counts: [Int], into result: UnsafeMutableBufferPointer<Float>)

    /// Copies process `root`'s `values` into `values` on every process.
    func broadcast(_ values: UnsafeMutableRawBufferPointer, from root: Int)

    /// Returns when every process has called it.
    func barrier()

    /// How the launcher that started the processes announces that it is ending the job (on a
    /// Ctrl-C, or when a process has died), if it warns before it kills: ``Trainer`` then
    /// writes at once the checkpoint of the last finished step, and takes the notice as a
    /// Ctrl-C, finishing the step and writing its checkpoint if the launcher leaves the time.
    /// `nil`, the default: no notice beyond SIGINT and SIGTERM.
    var interruptNotice: InterruptNotice? { get }
}

extension Communicator {
    /// No notice beyond SIGINT and SIGTERM.
    public var interruptNotice: InterruptNotice? { nil }
}

/// The warning a launcher gives before it kills the processes of a job: Open MPI's `mpirun`,
/// on a Ctrl-C, sends SIGCONT, then SIGTERM ``secondsBeforeTermination`` later, then SIGKILL
/// as long again.
public struct InterruptNotice: Sendable, Equatable {
    /// The first signal the launcher sends.
    public var signal: Int32
    /// The seconds between that signal and the next (SIGTERM); SIGKILL follows as long after.
    public var secondsBeforeTermination: Double
    /// How to give the processes more time, for a message (`mpirun`'s option).
    public var howToExtend: String

    /// Creates a notice.
    public init(signal: Int32, secondsBeforeTermination: Double, howToExtend: String) {
        self.signal = signal
        self.secondsBeforeTermination = secondsBeforeTermination
        self.howToExtend = howToExtend
    }
}

/// A sum-reduction started by ``Communicator/startAllReduceSum(_:)``.
public protocol PendingReduction: AnyObject {
    /// Whether the reduction has completed; lets it progress (an implementation may advance
    /// its messages only while it is asked).
    func test() -> Bool
    /// Returns when the reduction has completed.
    func wait()
}
