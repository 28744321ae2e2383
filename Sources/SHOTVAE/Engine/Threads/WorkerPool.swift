import Foundation
import Synchronization

/// The engine's worker threads: one per core besides the caller's, which stay awake for a
/// short while after each job, so that the next one starts at once.
///
/// A training step runs some forty parallel passes with a little serial work between them.
/// Handed to `DispatchQueue.concurrentPerform`, each pass waited about 25 µs for its second
/// thread to wake (1 ms a step on the MNIST VAE) while the calling thread's half ran alone.
/// Here a worker that has finished its chunk spins for up to ``spinNanoseconds`` watching for
/// the next job before it sleeps, and any thread that is free claims the next chunk, the
/// caller included: a worker that is late costs only the chunks it misses.
///
/// One job runs at a time. A job submitted while another runs (a second thread training its
/// own model, or a pass nested in a chunk) is handed to `concurrentPerform` instead, as before.
final class WorkerPool: @unchecked Sendable {
    /// The pool for the process's cores (none when there is one core).
    static let shared = WorkerPool(workers: Parallel.coreCount - 1)

    /// How long an idle worker watches for the next job before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    /// The job's generation in the high bits, the next chunk to claim in the low 20; a claim
    /// only succeeds within the generation its claimer read the job for.
    private let ticket = Atomic<Int>(0)
    /// Chunks of the current job that have finished.
    private let finished = Atomic<Int>(0)
    /// Whether a job is running.
    private let busy = Atomic<Bool>(false)
    /// The current job: its chunk count, item count and body (valid while it runs).
    private var chunks = 0
    private var count = 0
    private var body: UnsafeRawPointer?
    /// Whether the current job is part of a phase profile (``PhaseClock``).
    private var profiled = false
    /// Where sleeping workers wait for a job.
    private let bell = NSCondition()
    private let workerCount: Int

    private static let chunkBits = 20
    /// The chunk number of a generation whose job has finished: no job has that many chunks.
    private static let closed = (1 << chunkBits) - 1

    init(workers: Int) {
        workerCount = max(0, workers)
        for _ in 0..<workerCount {
            // The thread keeps the pool alive: a pool lives as long as the process.
            Thread { self.work() }.start()
        }
    }

    /// Runs `body` over `0..<count` in `chunks` contiguous chunks on the workers and the calling
    /// thread, and returns when all have finished; `false` (nothing run) if another job is
    /// running or there are no workers.
    func run(count: Int, chunks: Int, _ body: (Range<Int>) -> Void) -> Bool {
        guard workerCount > 0, chunks < Self.closed,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            withUnsafePointer(to: body) { pointer in
                self.chunks = chunks
                self.count = count
                self.body = UnsafeRawPointer(pointer)
                profiled = PhaseClock.callerIsProfiled
                finished.store(0, ordering: .relaxed)
                let generation = (ticket.load(ordering: .relaxed) >> Self.chunkBits) + 1
                ticket.store(generation << Self.chunkBits, ordering: .releasing)
                bell.lock()
                bell.broadcast()
                bell.unlock()
                claimChunks(generation: generation)
                var spins = 0
                while finished.load(ordering: .acquiring) < chunks {
                    spins += 1
                    if spins > 4096 { sched_yield() }
                }
                // Close the generation before the next job changes `chunks` and `body`: a worker
                // that read this job's last ticket and then sees the next job's larger `chunks`
                // would otherwise claim one chunk more of this generation, and run the next
                // job's body outside its count (and still hold it when that job returns).
                ticket.store(generation << Self.chunkBits | Self.closed, ordering: .releasing)
                self.body = nil
            }
        }
        return true
    }

    /// Claims and runs chunks of the job of `generation` until none is left.
    private func claimChunks(generation: Int) {
        while true {
            let current = ticket.load(ordering: .acquiring)
            let chunk = current & ((1 << Self.chunkBits) - 1)
            guard current >> Self.chunkBits == generation, chunk < chunks else { return }
            guard ticket.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged
            else { continue }
            // The claim keeps the job alive: `run` waits for this chunk before it returns.
            if let body {
                PhaseClock.chunk(profiled: profiled) {
                    Self.call(body, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
                }
            }
            finished.add(1, ordering: .releasing)
        }
    }

    /// Calls the job's body, releasing whatever the call retains before it returns (so that
    /// `run`'s non-escaping closure has no reference left once every chunk has finished).
    @inline(never)
    private static func call(_ body: UnsafeRawPointer, _ range: Range<Int>) {
        body.assumingMemoryBound(to: ((Range<Int>) -> Void).self).pointee(range)
    }

    /// A worker's loop: watch for a new generation, spinning for a while, then sleeping.
    private func work() {
        var seen = 0
        while true {
            var generation = ticket.load(ordering: .acquiring) >> Self.chunkBits
            if generation == seen {
                // The clock is read once every 64 looks at the ticket.
                let start = DispatchTime.now().uptimeNanoseconds
                var looks = 0
                while generation == seen {
                    looks += 1
                    if looks % 64 == 0, DispatchTime.now().uptimeNanoseconds - start >= Self.spinNanoseconds { break }
                    generation = ticket.load(ordering: .acquiring) >> Self.chunkBits
                }
            }
            if generation == seen {
                bell.lock()
                while ticket.load(ordering: .acquiring) >> Self.chunkBits == seen { bell.wait() }
                bell.unlock()
                generation = ticket.load(ordering: .acquiring) >> Self.chunkBits
            }
            seen = generation
            claimChunks(generation: generation)
        }
    }
}
