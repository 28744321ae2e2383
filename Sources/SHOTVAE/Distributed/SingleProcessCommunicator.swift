/// The communicator of a run in one process: rank 0 of 1, and every collective is the
/// identity. The default of ``Trainer``.
public final class SingleProcessCommunicator: Communicator {
    /// Creates the communicator.
    public init() {}

    /// 0.
    public var rank: Int { 0 }
    /// 1.
    public var size: Int { 1 }

    /// Leaves `values` as they are: the sum over one process.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}

    /// Leaves `values` as they are: the sum over one process.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}

    /// A reduction that is already complete.
    public func startAllReduceSum(_ values: UnsafeMutableBufferPointer<Float>) -> any PendingReduction {
        CompletedReduction()
    }

    /// Copies `values` into `result`.
    public func allGather(_ values: UnsafeBufferPointer<Float>, counts: [Int], into result: UnsafeMutableBufferPointer<Float>) {
        precondition(counts == [values.count] && result.count >= values.count, "One process gathers its own values.")
        _ = UnsafeMutableBufferPointer(rebasing: result[0..<values.count]).initialize(from: values)
    }

    /// Leaves `values` as they are.
    public func broadcast(_ values: UnsafeMutableRawBufferPointer, from root: Int) {
        precondition(root == 0, "The only process is 0, not \(root).")
    }

    /// Returns at once.
    public func barrier() {}
}

/// A reduction with nothing left to do.
final class CompletedReduction: PendingReduction {
    func test() -> Bool { true }
    func wait() {}
}
