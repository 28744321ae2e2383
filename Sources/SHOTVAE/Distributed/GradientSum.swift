/// Sums the parameters' gradients over the processes of a run, in one flat buffer that is
/// kept from step to step: what ``Trainer`` does after each step's backward passes, for a
/// training loop of your own.
public final class GradientSum {
    private var buffer: [Float] = []

    /// Creates the sum, with an empty buffer.
    public init() {}

    /// Replaces each gradient by its sum over the processes, in one allreduce. Parameters
    /// without a gradient (unused by the step's loss on every process alike) are left out.
    public func callAsFunction(_ parameters: [Parameter], communicator: any Communicator) {
        guard communicator.size > 1 else { return }
        let used = parameters.filter { $0.gradient != nil }
        let total = used.reduce(0) { $0 + $1.variable.value.count }
        if buffer.count != total { buffer = [Float](repeating: 0, count: total) }
        buffer.withUnsafeMutableBufferPointer { flat in
            var offset = 0
            for parameter in used {
                parameter.variable.node!.gradient!.withUnsafeBufferPointer { gradient in
                    _ = UnsafeMutableBufferPointer(rebasing: flat[offset..<(offset + gradient.count)]).update(fromContentsOf: gradient)
                    offset += gradient.count
                }
            }
            communicator.allReduceSum(flat)
            offset = 0
            for parameter in used {
                parameter.variable.node!.gradient!.withUnsafeMutableBufferPointer { gradient in
                    _ = gradient.update(fromContentsOf: UnsafeMutableBufferPointer(rebasing: flat[offset..<(offset + gradient.count)]))
                    offset += gradient.count
                }
            }
        }
    }
}
