import Foundation

@testable import SHOTVAE

/// Several ranks of one run as threads of the test process: the collectives of a
/// ``Communicator`` over shared memory, each a rendezvous of all the group's threads. Sums run
/// in rank order, so that results are reproducible.
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    /// Each rank's published buffer during a collective (raw memory: ranks write their own
    /// slots at the same time).
    fileprivate let published: UnsafeMutablePointer<UnsafeRawPointer?>

    init(size: Int) {
        self.size = size
        published = .allocate(capacity: size)
        published.initialize(repeating: nil, count: size)
    }

    deinit {
        published.deallocate()
    }

    /// Returns when all `size` threads have called it.
    func barrier() {
        condition.lock()
        let current = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == current { condition.wait() }
        }
        condition.unlock()
    }

    /// The communicators of the group's ranks.
    func communicators() -> [ThreadCommunicator] {
        (0..<size).map { ThreadCommunicator(group: self, rank: $0) }
    }

    /// Runs `body` for every rank on its own thread and returns the results by rank.
    func run<Value: Sendable>(_ body: @escaping @Sendable (ThreadCommunicator) throws -> Value) throws -> [Value] {
        let results = ResultBox<Value>(count: size)
        let threads = communicators().map { communicator in
            Thread {
                results.set(communicator.rank, Result { try body(communicator) })
            }
        }
        for thread in threads {
            thread.stackSize = 16 << 20
            thread.start()
        }
        return try results.wait().map { try $0.get() }
    }
}

/// The results of a group's threads, filled in as they finish.
final class ResultBox<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<Value, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ rank: Int, _ result: Result<Value, any Error>) {
        condition.lock()
        results[rank] = result
        condition.broadcast()
        condition.unlock()
    }

    func wait() -> [Result<Value, any Error>] {
        condition.lock()
        while results.contains(where: { $0 == nil }) { condition.wait() }
        defer { condition.unlock() }
        return results.map { $0! }
    }
}

/// One rank of a ``ThreadGroup``.
final class ThreadCommunicator: Communicator, @unchecked Sendable {
    let group: ThreadGroup
    let rank: Int
    var size: Int { group.size }

    init(group: ThreadGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    private func sum<Element: AdditiveArithmetic>(_ values: UnsafeMutableBufferPointer<Element>) {
        group.published[rank] = UnsafeRawPointer(values.baseAddress)
        group.barrier()
        var total = [Element](repeating: .zero, count: values.count)
        for source in 0..<size where !values.isEmpty {
            let other = group.published[source]!.assumingMemoryBound(to: Element.self)
            for i in 0..<values.count { total[i] += other[i] }
        }
        group.barrier()
        _ = values.update(fromContentsOf: total)
        group.barrier()
    }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) { sum(values) }

    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) { sum(values) }

    func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> any PendingReduction {
        sum(values)
        return CompletedReduction()
    }

    func allGather(_ values: UnsafeBufferPointer<Float>, counts: [Int], into result: UnsafeMutableBufferPointer<Float>) {
        precondition(counts.count == size && counts[rank] == values.count)
        group.published[rank] = UnsafeRawPointer(values.baseAddress)
        group.barrier()
        var offset = 0
        for source in 0..<size where counts[source] > 0 {
            let other = group.published[source]!.assumingMemoryBound(to: Float.self)
            for i in 0..<counts[source] { result[offset + i] = other[i] }
            offset += counts[source]
        }
        group.barrier()
    }

    func broadcast(_ values: UnsafeMutableRawBufferPointer, from root: Int) {
        group.published[rank] = UnsafeRawPointer(values.baseAddress)
        group.barrier()
        if rank != root, values.count > 0 {
            values.baseAddress!.copyMemory(from: group.published[root]!, byteCount: values.count)
        }
        group.barrier()
    }

    func barrier() { group.barrier() }
}
