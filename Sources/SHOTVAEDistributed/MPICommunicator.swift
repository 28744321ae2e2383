#if Distributed
import CMPI
import Foundation
import SHOTVAE

/// The processes that `mpirun` started, as a ``Communicator`` over Open MPI.
///
/// Creating the first one initializes MPI for the process; ``finalize()`` ends it, once,
/// before the process exits. The collectives run on a private duplicate of
/// `MPI_COMM_WORLD`, so that they never mix with another library's messages. MPI's default
/// error handling stays: when a process dies, the job ends with Open MPI's message naming
/// it, rather than leaving the others waiting.
public final class MPICommunicator: Communicator {
    /// This process's rank in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The number of processes in `MPI_COMM_WORLD`.
    public let size: Int
    private var communicator: MPI_Comm?

    /// Initializes MPI (unless it already is) and joins the processes `mpirun` started.
    public init() {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            // The library calls MPI from one thread at a time, not always the main thread.
            var provided: Int32 = 0
            MPI_Init_thread(nil, nil, Int32(MPI_THREAD_SERIALIZED), &provided)
        }
        var duplicate: MPI_Comm?
        MPI_Comm_dup(shotvae_mpi_comm_world(), &duplicate)
        communicator = duplicate
        var rank: Int32 = 0
        var size: Int32 = 0
        MPI_Comm_rank(duplicate, &rank)
        MPI_Comm_size(duplicate, &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Ends MPI for this process, after which no communicator may be used. Call it once,
    /// before exiting normally: `mpirun` reports a process that exits without it as failed.
    public func finalize() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        guard finalized == 0 else { return }
        if communicator != nil { MPI_Comm_free(&communicator) }
        MPI_Finalize()
    }

    /// `MPI_Allreduce` with `MPI_SUM`, in place.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        MPI_Allreduce(shotvae_mpi_in_place(), values.baseAddress, Self.count(values.count), shotvae_mpi_float(),
                      shotvae_mpi_sum(), communicator)
    }

    /// `MPI_Allreduce` with `MPI_SUM`, in place.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        MPI_Allreduce(shotvae_mpi_in_place(), values.baseAddress, Self.count(values.count), shotvae_mpi_double(),
                      shotvae_mpi_sum(), communicator)
    }

    /// `mpirun`'s warning on a Ctrl-C (Open MPI 4.1): SIGCONT at once, SIGTERM after
    /// `odls_base_sigkill_timeout` seconds (1 unless set, which `mpirun` passes on to its
    /// processes as `OMPI_MCA_odls_base_sigkill_timeout`), then SIGKILL as long again.
    public var interruptNotice: InterruptNotice? {
        let setting = ProcessInfo.processInfo.environment["OMPI_MCA_odls_base_sigkill_timeout"].flatMap { Double($0) }
        return InterruptNotice(
            signal: SIGCONT, secondsBeforeTermination: setting ?? 1,
            howToExtend: "start mpirun with --mca odls_base_sigkill_timeout SECONDS")
    }

    /// `MPI_Iallreduce` with `MPI_SUM`, in place.
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> any PendingReduction {
        let reduction = MPIReduction()
        MPI_Iallreduce(shotvae_mpi_in_place(), values.baseAddress, Self.count(values.count), shotvae_mpi_float(),
                       shotvae_mpi_sum(), communicator, &reduction.request)
        return reduction
    }

    /// `MPI_Allgatherv` in rank order.
    public func allGather(_ values: UnsafeBufferPointer<Float>, counts: [Int], into result: UnsafeMutableBufferPointer<Float>) {
        precondition(counts.count == size && counts[rank] == values.count, "Each process gathers its own share.")
        let receiveCounts = counts.map(Self.count)
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { displacements[r] = displacements[r - 1] + receiveCounts[r - 1] }
        precondition(result.count >= counts.reduce(0, +), "The result has no room for every share.")
        MPI_Allgatherv(values.baseAddress, Self.count(values.count), shotvae_mpi_float(), result.baseAddress,
                       receiveCounts, displacements, shotvae_mpi_float(), communicator)
    }

    /// `MPI_Bcast` of bytes.
    public func broadcast(_ values: UnsafeMutableRawBufferPointer, from root: Int) {
        MPI_Bcast(values.baseAddress, Self.count(values.count), shotvae_mpi_byte(), Int32(root), communicator)
    }

    /// `MPI_Barrier`.
    public func barrier() {
        MPI_Barrier(communicator)
    }

    /// An element count as MPI's `int`.
    private static func count(_ count: Int) -> Int32 {
        precondition(count <= Int(Int32.max), "\(count) elements exceed one MPI message.")
        return Int32(count)
    }
}

/// A reduction started with `MPI_Iallreduce`.
final class MPIReduction: PendingReduction {
    var request: MPI_Request? = shotvae_mpi_request_null()
    private var isComplete = false

    /// `MPI_Test`, which also lets Open MPI advance the reduction.
    func test() -> Bool {
        guard !isComplete else { return true }
        var flag: Int32 = 0
        MPI_Test(&request, &flag, shotvae_mpi_status_ignore())
        isComplete = flag != 0
        return isComplete
    }

    /// `MPI_Wait`.
    func wait() {
        guard !isComplete else { return }
        MPI_Wait(&request, shotvae_mpi_status_ignore())
        isComplete = true
    }
}
#endif
