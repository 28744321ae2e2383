import Foundation
import Testing

@testable import SHOTVAE

/// The worker pool runs every chunk of every job exactly once, whether its workers are spinning
/// or asleep, and hands jobs that arrive while it is busy (from other threads, or nested in a
/// chunk) to the fallback.
@Suite(.serialized) struct WorkerPoolTests {
    /// Runs `count` items in `chunks` through `pool` and returns each item's hit count, or nil
    /// if the pool declined the job.
    func hits(_ pool: WorkerPool, count: Int, chunks: Int) -> [Int]? {
        var hits = [Int](repeating: 0, count: count)
        let ran = hits.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress
            return pool.run(count: count, chunks: chunks) { range in
                for i in range { p![i] += 1 }
            }
        }
        return ran ? hits : nil
    }

    @Test func everyItemOnceOverManyJobs() {
        let pool = WorkerPool(workers: 3)
        var rng = RandomGenerator(seed: 1)
        for _ in 0..<5_000 {
            let count = rng.nextInt(below: 300)
            let chunks = 1 + rng.nextInt(below: 8)
            guard let hits = hits(pool, count: count, chunks: chunks) else {
                Issue.record("a pool with no other job declined one")
                return
            }
            #expect(hits.allSatisfy { $0 == 1 }, "\(count) items in \(chunks) chunks")
        }
    }

    @Test func workersWakeFromSleep() throws {
        let pool = WorkerPool(workers: 1)
        for _ in 0..<5 {
            // Longer than the workers spin, so that each job finds them asleep.
            Thread.sleep(forTimeInterval: 2 * Double(WorkerPool.spinNanoseconds) * 1e-9)
            var threads = Set<pthread_t>()
            let lock = NSLock()
            let caller = pthread_self()
            let ran = pool.run(count: 2, chunks: 2) { _ in
                // Each chunk waits a little so that the woken worker gets the other one.
                Thread.sleep(forTimeInterval: 0.01)
                lock.lock()
                threads.insert(pthread_self())
                lock.unlock()
            }
            #expect(ran)
            #expect(threads.count == 2 && threads.contains(caller), "the caller and the worker each ran a chunk")
        }
    }

    @Test func nestedAndConcurrentJobsFallBack() {
        let pool = WorkerPool(workers: 1)
        var nestedDeclined = false
        let ran = pool.run(count: 2, chunks: 2) { range in
            if range.lowerBound == 0 { nestedDeclined = hits(pool, count: 10, chunks: 2) == nil }
        }
        #expect(ran && nestedDeclined)
        // Parallel.forEach from several threads at once: the shared pool takes one job at a
        // time, the others run through the fallback, and every item is covered once.
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 8)
        defer { results.deallocate() }
        let shared = UncheckedSendable(results)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            var ok = true
            for round in 0..<200 {
                let count = 1_000 + 37 * round + thread
                var hits = [Int](repeating: 0, count: count)
                hits.withUnsafeMutableBufferPointer { buffer in
                    let p = buffer.baseAddress
                    Parallel.forEach(count, grain: 1) { range in
                        for i in range { p![i] += 1 }
                    }
                }
                ok = ok && hits.allSatisfy { $0 == 1 }
            }
            shared.value[thread] = ok
        }
        #expect(results.allSatisfy { $0 })
    }
}
