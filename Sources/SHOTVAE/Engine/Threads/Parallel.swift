import Dispatch
import Foundation

/// The engine's one thread policy.
///
/// OpenBLAS runs single-threaded (``Kernels/gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
/// sets it on first use), and the engine itself splits every large piece of work, matrix
/// products included, into one contiguous chunk per core: ``forEach(_:grain:_:)`` runs the
/// chunks on the ``WorkerPool`` and the calling thread (or with `DispatchQueue.concurrentPerform`
/// when the pool is busy with another job), and returns when all of them have finished.
/// Convolutions hand each core its own groups of images, with their own products;
/// ``Kernels/parallelGemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` splits
/// one large product by rows or columns. Small work runs inline on the calling thread, where
/// a thread hand-off would cost more than it saves.
///
/// So at most one thread per core is busy, and no OpenBLAS worker thread spins while the
/// engine's run.
enum Parallel {
    /// The number of cores the process may use.
    static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

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
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                work.value(start..<end)
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
