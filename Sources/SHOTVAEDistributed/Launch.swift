import Foundation
import SHOTVAE

/// How a program finds the processes it runs with.
public enum Launch {
    /// The number of processes `mpirun` started, from its environment (`OMPI_COMM_WORLD_SIZE`);
    /// `nil` when the program was not started by `mpirun`.
    public static var launchedProcessCount: Int? {
        ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap { Int($0) }
    }

    /// The communicator of the processes this program was started with: an
    /// `MPICommunicator` under `mpirun` with more than one process, a
    /// ``SingleProcessCommunicator`` otherwise.
    ///
    /// - Throws: ``SHOTVAEError`` when `mpirun` started several processes but this build has
    ///   no Open MPI support (the package's `Distributed` trait was off).
    public static func communicator() throws -> any Communicator {
        guard let count = launchedProcessCount, count > 1 else { return SingleProcessCommunicator() }
        #if Distributed
        return MPICommunicator()
        #else
        throw SHOTVAEError(
            .invalidArgument,
            "mpirun started \(count) processes, but this build has no Open MPI support; build with the Distributed trait (swift build -c release --traits Examples,Distributed, with Debian's libopenmpi-dev installed)")
        #endif
    }

    /// Ends the processes' communication before the program exits (`MPI_Finalize` for an
    /// `MPICommunicator`; nothing otherwise).
    public static func finish(_ communicator: any Communicator) {
        #if Distributed
        (communicator as? MPICommunicator)?.finalize()
        #endif
    }
}
