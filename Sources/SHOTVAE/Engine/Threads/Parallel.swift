#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation

/// The engine's one thread policy.
///
/// The engine splits every large piece of work, matrix products included, into one contiguous
/// chunk per core: ``forEach(_:grain:_:)`` runs the
/// chunks on the ``WorkerPool`` and the calling thread (or with `DispatchQueue.concurrentPerform`
/// when the pool is busy with another job), and returns when all of them have finished.
/// Convolutions hand each core its own groups of images, with their own products;
/// ``Kernels/parallelGemm(transposeA:transposeB:m:n:k:a:lda:b:ldb:c:ldc:accumulates:)`` splits
/// one large product by rows or columns. Small work runs inline on the calling thread, where
/// a thread hand-off would cost more than it saves.
///
/// So at most one thread per core is busy.
enum Parallel {
    /// The number of cores the process may use: `SHOTVAE_THREADS` when set; otherwise the
    /// cores the process is allowed to run on (its CPU affinity, which `mpirun` or `taskset`
    /// may narrow), shared evenly with the other processes `mpirun` started on this host
    /// (`OMPI_COMM_WORLD_LOCAL_SIZE`) when they were not bound to cores of their own.
    static let coreCount: Int = {
        let environment = ProcessInfo.processInfo.environment
        if let value = environment["SHOTVAE_THREADS"], let threads = Int(value), threads > 0 { return threads }
        let machine = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let allowed = allowedCoreCount() ?? machine
        if allowed >= machine, let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap({ Int($0) }), local > 1 {
            return max(1, allowed / local)
        }
        return max(1, allowed)
    }()

    /// The number of cores in the process's CPU affinity mask, read from the `Cpus_allowed`
    /// line of `/proc/self/status` (a hexadecimal mask in comma-separated words), where the
    /// system has one.
    private static func allowedCoreCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
            let mask = line.dropFirst("Cpus_allowed:".count)
            var count = 0
            for character in mask where character.isHexDigit {
                count += character.hexDigitValue!.nonzeroBitCount
            }
            return count > 0 ? count : nil
        }
        return nil
    }

    /// Runs `body` over `0..<count`, split into at most ``coreCount`` contiguous chunks of at
    /// least `grain` items each; runs inline when there is only one chunk.
    ///
    /// - Parameters:
    ///   - count: The number of items.
    ///   - grain: The smallest number of items worth a thread of its own.
    ///   - body: Processes one chunk; chunks never overlap, so writes to per-item outputs
    ///     need no synchronization.
    static func forEach(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let chunks = min(coreCount, count / max(grain, 1))
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        if WorkerPool.shared.run(count: count, chunks: chunks, body) { return }
        let profiled = PhaseClock.callerIsProfiled
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                PhaseClock.chunk(profiled: profiled) { work.value(start..<end) }
            }
        }
    }
}

/// Carries a value across a concurrency boundary that the engine knows to be safe: the
/// chunks of ``Parallel/forEach(_:grain:_:)`` touch disjoint memory and finish before it returns.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
