import Dispatch
import Foundation

/// The engine's one thread policy.
///
/// The machine's cores are shared by two kinds of work that never overlap in time:
///
/// - **Matrix products** go to OpenBLAS, which splits each `sgemm` over its own worker
///   threads (by default one per core; `OPENBLAS_NUM_THREADS` overrides it). Only the
///   thread that runs the training step calls OpenBLAS, never a chunk of ``forEach(_:grain:_:)``.
/// - **Everything else** that is large enough (im2col, batch-norm statistics, elementwise
///   passes over millions of values) is split by ``forEach(_:grain:_:)`` into one contiguous
///   chunk per core and run with `DispatchQueue.concurrentPerform`, which blocks until all
///   chunks finish. Small work runs inline on the calling thread, where a thread hand-off
///   would cost more than it saves.
///
/// Because the two never run at the same time, at most one thread per core is busy.
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
