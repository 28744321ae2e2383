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

    /// Updates every parameter that has a gradient, in place and in one pass over it: the
    /// weight-decayed gradient and the Nesterov direction are never written out (as temporaries
    /// the size of each weight, the WideResNet SHOT-VAE step's update took 25.6 ms of core time;
    /// in one pass, 12.9 ms). The arithmetic is the formulas' above, term by term, so the values
    /// are the same to the bit.
    public func step() {
        PhaseClock.measure(.optimizer) {
            let (rate, mu, decay, nesterov) = (learningRate, momentum, weightDecay, nesterov)
            for (index, parameter) in parameters.enumerated() {
                guard let gradient = parameter.gradient else { continue }
                var value = parameter.value
                parameter.variable.value = Tensor(0)  // drop the extra reference so the update is in place
                let first = buffers[index] == nil
                var buffer = mu == 0 ? nil : buffers[index] ?? Tensor(uninitializedShape: gradient.shape)
                buffers[index] = nil  // likewise for the momentum buffer
                let (g, p, count) = (gradient.pointer, value.mutablePointer, value.count)
                // The step for one element, or eight: the new buffer and the new parameter.
                @inline(__always) func next<V: SIMD>(_ g: V, _ b: V, _ p: V) -> (buffer: V, parameter: V) where V.Scalar == Float {
                    let decayed = decay == 0 ? g : g + decay * p
                    guard mu != 0 else { return (b, p + -rate * decayed) }
                    let b = first ? decayed : mu * b + decayed
                    return (b, p + -rate * (nesterov ? decayed + mu * b : b))
                }
                // Without momentum there is no buffer: the gradient's address stands in, never
                // written. Before the first step the buffer is written, not read.
                let b = buffer != nil ? buffer!.mutablePointer : UnsafeMutablePointer(mutating: g)
                var i = 0
                while i + 8 <= count {
                    let (newBuffer, newValue) = next(g.vector(at: i), first ? g.vector(at: i) : b.vector(at: i),
                                                     p.vector(at: i))
                    if mu != 0 { b.store(newBuffer, at: i) }
                    p.store(newValue, at: i)
                    i += 8
                }
                while i < count {
                    let (newBuffer, newValue) = next(SIMD2(repeating: g[i]), SIMD2(repeating: first ? g[i] : b[i]),
                                                     SIMD2(repeating: p[i]))
                    if mu != 0 { b[i] = newBuffer[0] }
                    p[i] = newValue[0]
                    i += 1
                }
                buffers[index] = buffer
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
