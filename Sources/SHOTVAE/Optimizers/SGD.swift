/// Stochastic gradient descent with momentum, Nesterov momentum and weight decay, with
/// PyTorch's semantics (`torch.optim.SGD`, dampening 0).
///
/// For each parameter `p` with gradient `g`:
///
/// ```
/// g ← g + weightDecay · p
/// b ← g                      (first step)
/// b ← momentum · b + g       (later steps)
/// g ← g + momentum · b       (Nesterov)   or   g ← b   (classical)
/// p ← p - learningRate · g
/// ```
///
/// The paper's CIFAR runs use learning rate 0.1, momentum 0.9 and weight decay 5e-4.
public final class SGD: Optimizer {
    /// The parameters this optimizer updates.
    public let parameters: [Parameter]
    /// The step size.
    public var learningRate: Float
    /// The momentum factor (0 for plain SGD).
    public let momentum: Float
    /// The L2 penalty added to each gradient.
    public let weightDecay: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool

    private var buffers: [Tensor?]

    /// Creates the optimizer.
    ///
    /// - Parameters:
    ///   - parameters: The parameters to update, usually `model.parameters`.
    ///   - learningRate: The step size.
    ///   - momentum: The momentum factor.
    ///   - weightDecay: The L2 penalty.
    ///   - nesterov: Whether to use Nesterov momentum (needs a positive momentum).
    public init(
        parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
        nesterov: Bool = false
    ) {
        precondition(!nesterov || momentum > 0, "Nesterov momentum needs a positive momentum.")
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// Updates every parameter that has a gradient.
    public func step() {
        PhaseClock.measure(.optimizer) {
            let (lr, mu, decay) = (learningRate, momentum, weightDecay)
            for (index, parameter) in parameters.enumerated() {
                guard let gradient = parameter.gradient else { continue }
                // g ← g + weightDecay · p
                var g = decay == 0 ? gradient : gradient.zip(parameter.value, vector: { $0 + decay * $1 }, scalar: { $0 + decay * $1 })
                if mu != 0 {
                    if var buffer = buffers[index] {
                        buffers[index] = nil
                        let count = buffer.count
                        let b = buffer.mutablePointer
                        let source = g.pointer
                        Kernels.zip(UnsafePointer(b), source, b, count: count,
                                    vector: { mu * $0 + $1 }, scalar: { mu * $0 + $1 })
                        buffers[index] = buffer
                    } else {
                        buffers[index] = g
                    }
                    let buffer = buffers[index]!
                    g = nesterov
                        ? g.zip(buffer, vector: { $0 + mu * $1 }, scalar: { $0 + mu * $1 })
                        : buffer
                }
                var value = parameter.value
                parameter.variable.value = Tensor(0)  // drop the extra reference so the update is in place
                let count = value.count
                let p = value.mutablePointer
                Kernels.axpy(-lr, g.pointer, p, count: count)
                parameter.variable.value = value
            }
        }
    }

    /// The momentum buffers, `momentum.<index>`.
    public var state: OptimizerState {
        var tensors: [String: Tensor] = [:]
        for (index, buffer) in buffers.enumerated() {
            if let buffer { tensors["momentum.\(index)"] = buffer }
        }
        return OptimizerState(tensors: tensors)
    }

    /// Continues from saved momentum buffers.
    public func restore(_ state: OptimizerState) throws {
        try validate(state, names: ["momentum"])
        var restored = [Tensor?](repeating: nil, count: parameters.count)
        for (key, tensor) in state.tensors {
            restored[Int(key.split(separator: ".")[1])!] = tensor
        }
        buffers = restored
    }
}
