/// Sums the parameters' gradients over the processes of a run while the step's last backward
/// pass is still running, bucket by bucket, as PyTorch's DistributedDataParallel does: the
/// communication of the late layers' gradients overlaps the backward pass of the early ones.
///
/// The parameters are cut, in reverse order (the order in which a backward pass finishes
/// them), into buckets of about ``capacity`` values. During the step's last backward pass
/// (``ForwardContext/finalBackward(_:)``), a parameter's gradient is complete once the last
/// operation that uses it has run; a bucket whose gradients are all complete is copied into its
/// own buffer and its sum-allreduce started (``Communicator/startAllReduceSum(_:)``). Buckets
/// start in bucket order on every process, so that every process starts the same reductions in
/// the same order; the reductions are polled between the backward pass's operations (Open MPI
/// advances a non-blocking collective only while it is asked). ``finish()`` starts whatever has
/// not started (all of it, for an objective that never calls
/// ``ForwardContext/finalBackward(_:)``), waits, and writes the sums back into the gradients.
///
/// The gradient of an objective that differentiates its loss in parts (``ELBOObjective``: the
/// labeled half, then the unlabeled half) is complete only after the last part: the earlier
/// parts' backward passes add into the gradients and start nothing.
///
/// The buckets are fixed when the object is made, and so are the reductions: a run is
/// reproducible. The buffers are allocated once and reused at every step.
public final class GradientBuckets {
    /// The processes whose gradients are summed.
    public let communicator: any Communicator
    /// The most values a bucket holds (a parameter larger than this has a bucket of its own).
    public let capacity: Int
    /// The buckets, in the order they start.
    private let buckets: [Bucket]
    /// The bucket of each parameter's gradient node.
    private let bucketOfNode: [ObjectIdentifier: Int]
    /// The number of buckets started in the current step.
    private var started = 0
    /// The number of buckets whose reduction has completed, in order, in the current step.
    private var completed = 0
    /// For each bucket of the last step, in order, the fraction of the last backward pass's
    /// operations that had run when it started: below 1 when its reduction overlapped the rest
    /// of the pass, 1 for a bucket started by ``finish()``.
    public private(set) var lastStartFractions: [Double] = []
    /// The operations of the current final backward pass, and how many have run.
    private var operationCount = 0
    private var operationsRun = 0
    private var startFractions: [Double] = []

    /// One bucket: its parameters and the buffer their gradients are summed in.
    private final class Bucket {
        let parameters: [Parameter]
        let buffer: UnsafeMutableBufferPointer<Float>
        /// Parameters whose gradient is not complete yet in the current step.
        var remaining: Int
        var pending: (any PendingReduction)?

        init(parameters: [Parameter]) {
            self.parameters = parameters
            buffer = .allocate(capacity: parameters.reduce(0) { $0 + $1.value.count })
            buffer.initialize(repeating: 0)
            remaining = parameters.count
        }

        deinit { buffer.deallocate() }
    }

    /// Cuts `parameters` into buckets.
    ///
    /// - Parameters:
    ///   - parameters: The parameters whose gradients are summed (the optimizer's), in the
    ///     order of the model; the same on every process.
    ///   - communicator: The processes of the run.
    ///   - capacity: The most values of a bucket: 262,144 (1 MiB) by default.
    public init(parameters: [Parameter], communicator: any Communicator, capacity: Int = 1 << 18) {
        precondition(capacity > 0, "A bucket holds at least one value.")
        self.communicator = communicator
        self.capacity = capacity
        var buckets: [Bucket] = []
        var current: [Parameter] = []
        var size = 0
        for parameter in parameters.reversed() {
            if !current.isEmpty && size + parameter.value.count > capacity {
                buckets.append(Bucket(parameters: current))
                (current, size) = ([], 0)
            }
            current.append(parameter)
            size += parameter.value.count
        }
        if !current.isEmpty { buckets.append(Bucket(parameters: current)) }
        self.buckets = buckets
        var bucketOfNode: [ObjectIdentifier: Int] = [:]
        for (index, bucket) in buckets.enumerated() {
            for parameter in bucket.parameters { bucketOfNode[ObjectIdentifier(parameter.variable.node!)] = index }
        }
        self.bucketOfNode = bucketOfNode
    }

    /// The number of buckets.
    public var count: Int { buckets.count }

    /// The number of values in each bucket, in the order they start.
    public var bucketSizes: [Int] { buckets.map(\.buffer.count) }

    /// The number of buckets started so far in this step (by the last backward pass, before
    /// ``finish()``).
    public var startedCount: Int { started }

    /// Called as the step's last backward pass begins, with the gradient nodes that it will
    /// reach and its number of operations: the parameters it does not reach are complete
    /// already.
    func beginFinalPass(reaching nodes: Set<ObjectIdentifier>, operationCount: Int) {
        (self.operationCount, operationsRun) = (max(operationCount, 1), 0)
        for bucket in buckets {
            for parameter in bucket.parameters where !nodes.contains(ObjectIdentifier(parameter.variable.node!)) {
                bucket.remaining -= 1
            }
        }
        startReadyBuckets()
    }

    /// Called when the last operation of the final backward pass that uses `node` has run,
    /// the pass's operation number `position` (from 0).
    func gradientIsComplete(_ node: GradientNode, at position: Int) {
        operationsRun = position + 1
        guard let index = bucketOfNode[ObjectIdentifier(node)] else { return }
        buckets[index].remaining -= 1
        startReadyBuckets()
    }

    /// Lets the started reductions progress; called between the backward pass's operations.
    func poll() {
        while completed < started, buckets[completed].pending!.test() { completed += 1 }
    }

    /// Starts, in bucket order, every bucket whose gradients are complete.
    private func startReadyBuckets() {
        while started < buckets.count, buckets[started].remaining == 0 {
            start(buckets[started])
            started += 1
        }
    }

    /// Copies a bucket's gradients into its buffer (zeros for a gradient that no pass
    /// reached) and starts their sum.
    private func start(_ bucket: Bucket) {
        var offset = 0
        for parameter in bucket.parameters {
            let count = parameter.value.count
            let slice = UnsafeMutableBufferPointer(rebasing: bucket.buffer[offset..<(offset + count)])
            if let gradient = parameter.gradient {
                gradient.withUnsafeBufferPointer { _ = slice.update(fromContentsOf: $0) }
            } else {
                slice.update(repeating: 0)
            }
            offset += count
        }
        bucket.pending = communicator.startAllReduceSum(bucket.buffer)
        startFractions.append(operationCount > 0 ? Double(operationsRun) / Double(operationCount) : 1)
    }

    /// Starts the buckets not started yet, waits for every reduction, and replaces each
    /// gradient by its sum over the processes; then readies the buckets for the next step.
    /// Parameters without a gradient (reached by no pass of the step, on every process alike)
    /// keep none.
    public func finish() {
        while started < buckets.count {
            start(buckets[started])
            started += 1
        }
        for bucket in buckets { bucket.pending!.wait() }
        for bucket in buckets {
            var offset = 0
            for parameter in bucket.parameters {
                let count = parameter.value.count
                if parameter.gradient != nil {
                    let slice = UnsafeBufferPointer(rebasing: bucket.buffer[offset..<(offset + count)])
                    parameter.variable.node!.gradient!.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: slice) }
                }
                offset += count
            }
            bucket.pending = nil
            bucket.remaining = bucket.parameters.count
        }
        (started, completed) = (0, 0)
        (lastStartFractions, startFractions) = (startFractions, [])
        (operationCount, operationsRun) = (0, 0)
    }
}
