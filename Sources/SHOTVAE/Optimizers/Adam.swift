#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma and Ba, 2015) with bias correction and PyTorch's semantics
/// (`torch.optim.Adam`): weight decay, if any, is an L2 term added to the gradient.
///
/// For each parameter `p` with gradient `g`, at step `t`:
///
/// ```
/// g ← g + weightDecay · p
/// m ← β1 m + (1 - β1) g,    v ← β2 v + (1 - β2) g²
/// p ← p - (lr / (1 - β1ᵗ)) · m / (√v / √(1 - β2ᵗ) + ε)
/// ```
///
/// The paper's MNIST model trains with Adam at learning rate 5e-4.
public class Adam: Optimizer {
    /// The parameters this optimizer updates.
    public let parameters: [Parameter]
    /// The step size.
    public var learningRate: Float
    /// The decay of the first-moment estimate, β1.
    public let beta1: Float
    /// The decay of the second-moment estimate, β2.
    public let beta2: Float
    /// Added to the denominator for stability, ε.
    public let epsilon: Float
    /// The weight-decay coefficient.
    public let weightDecay: Float
    /// Whether weight decay shrinks the weights directly (AdamW) instead of adding an L2
    /// term to the gradient.
    public let decouplesWeightDecay: Bool

    private var firstMoments: [Tensor?]
    private var secondMoments: [Tensor?]
    private var steps: [Int]

    /// Creates the optimizer.
    ///
    /// - Parameters:
    ///   - parameters: The parameters to update, usually `model.parameters`.
    ///   - learningRate: The step size.
    ///   - beta1: The decay of the first moment.
    ///   - beta2: The decay of the second moment.
    ///   - epsilon: Added to the denominator.
    ///   - weightDecay: The L2 penalty.
    public convenience init(
        parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        self.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                  epsilon: epsilon, weightDecay: weightDecay, decouplesWeightDecay: false)
    }

    init(
        parameters: [Parameter], learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
        weightDecay: Float, decouplesWeightDecay: Bool
    ) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2), "Adam needs betas in [0, 1).")
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decouplesWeightDecay = decouplesWeightDecay
        firstMoments = Array(repeating: nil, count: parameters.count)
        secondMoments = Array(repeating: nil, count: parameters.count)
        steps = Array(repeating: 0, count: parameters.count)
    }

    /// Updates every parameter that has a gradient.
    ///
    /// The update is elementwise, so all the parameters' values form one pass split across the
    /// cores (the small tensors too, which alone would each run on one core), without changing
    /// a bit of the result.
    public func step() {
        PhaseClock.measure(.optimizer) {
            let (b1, b2, eps, decay) = (beta1, beta2, epsilon, weightDecay)
            // First gather every parameter's tensors and its step's coefficients.
            var updated: [(index: Int, value: Tensor, m: Tensor, v: Tensor, g: Tensor, stepSize: Float, correction: Float)] = []
            for (index, parameter) in parameters.enumerated() {
                guard var g = parameter.gradient else { continue }
                var value = parameter.value
                parameter.variable.value = Tensor(0)  // drop the extra reference so updates are in place
                if decay != 0 {
                    if decouplesWeightDecay {
                        Kernels.scale(value.mutablePointer, by: 1 - learningRate * decay, count: value.count)
                    } else {
                        g = g.zip(value, vector: { $0 + decay * $1 }, scalar: { $0 + decay * $1 })
                    }
                }
                let m = firstMoments[index] ?? Tensor(shape: value.shape)
                let v = secondMoments[index] ?? Tensor(shape: value.shape)
                firstMoments[index] = nil
                secondMoments[index] = nil
                steps[index] += 1
                // Bias corrections in double precision, as PyTorch computes them in Python.
                let t = Double(steps[index])
                let stepSize = Float(Double(learningRate) / (1 - pow(Double(b1), t)))
                let correction = Float((1 - pow(Double(b2), t)).squareRoot())
                updated.append((index, value, m, v, g, stepSize, correction))
            }
            // Then one pass over all their values: segment `k` covers `starts[k] ..< starts[k + 1]`.
            var starts = [0]
            var lanes: [(p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
                         g: UnsafePointer<Float>, stepSize: Float, correction: Float)] = []
            for k in updated.indices {
                lanes.append((updated[k].value.mutablePointer, updated[k].m.mutablePointer, updated[k].v.mutablePointer,
                              updated[k].g.pointer, updated[k].stepSize, updated[k].correction))
                starts.append(starts[k] + updated[k].value.count)
            }
            withExtendedLifetime(updated) {
                Parallel.forEach(starts.last ?? 0, grain: 1 << 16) { range in
                    for k in lanes.indices where starts[k] < range.upperBound && starts[k + 1] > range.lowerBound {
                        let lane = lanes[k]
                        let lower = max(range.lowerBound, starts[k]) - starts[k]
                        let upper = min(range.upperBound, starts[k + 1]) - starts[k]
                        Self.update(lane.p, lane.m, lane.v, lane.g, lower..<upper, b1: b1, b2: b2, eps: eps,
                                    stepSize: lane.stepSize, correction: lane.correction)
                    }
                }
            }
            for entry in updated {
                firstMoments[entry.index] = entry.m
                secondMoments[entry.index] = entry.v
                parameters[entry.index].variable.value = entry.value
            }
        }
    }

    /// Adam's update of the values in `range`, eight lanes at a time, then one (the same
    /// operations in the same order).
    @inline(__always)
    private static func update(
        _ p: UnsafeMutablePointer<Float>, _ mp: UnsafeMutablePointer<Float>, _ vp: UnsafeMutablePointer<Float>,
        _ gp: UnsafePointer<Float>, _ range: Range<Int>, b1: Float, b2: Float, eps: Float, stepSize: Float,
        correction: Float
    ) {
        var i = range.lowerBound
        while i + Vector.scalarCount <= range.upperBound {
            let gi = gp.vector(at: i)
            let mi = mp.vector(at: i) * b1 + (1 - b1) * gi
            let vi = vp.vector(at: i) * b2 + (1 - b2) * gi * gi
            mp.store(mi, at: i)
            vp.store(vi, at: i)
            p.store(p.vector(at: i) - stepSize * (mi / (vi.squareRoot() / correction + eps)), at: i)
            i += Vector.scalarCount
        }
        for i in i..<range.upperBound {
            let gi = gp[i]
            let mi = mp[i] * b1 + (1 - b1) * gi
            let vi = vp[i] * b2 + (1 - b2) * gi * gi
            mp[i] = mi
            vp[i] = vi
            p[i] -= stepSize * (mi / (vi.squareRoot() / correction + eps))
        }
    }

    /// The moment estimates (`exp_avg.<index>`, `exp_avg_sq.<index>`) and the step count.
    public var state: OptimizerState {
        var state = OptimizerState()
        for index in parameters.indices {
            if let m = firstMoments[index], let v = secondMoments[index] {
                state.tensors["exp_avg.\(index)"] = m
                state.tensors["exp_avg_sq.\(index)"] = v
                state.counters["step.\(index)"] = steps[index]
            }
        }
        return state
    }

    /// Continues from saved moment estimates and step counts.
    public func restore(_ state: OptimizerState) throws {
        try validate(state, names: ["exp_avg", "exp_avg_sq"])
        var first = [Tensor?](repeating: nil, count: parameters.count)
        var second = [Tensor?](repeating: nil, count: parameters.count)
        var counts = [Int](repeating: 0, count: parameters.count)
        for (key, tensor) in state.tensors {
            let parts = key.split(separator: ".")
            let index = Int(parts[1])!
            if parts[0] == "exp_avg" { first[index] = tensor } else { second[index] = tensor }
        }
        for (key, count) in state.counters {
            let parts = key.split(separator: ".")
            guard parts.count == 2, parts[0] == "step", let index = Int(parts[1]), parameters.indices.contains(index),
                count >= 0
            else {
                throw SHOTVAEError(.mismatch, "optimizer counter \"\(key)\" does not belong to this optimizer")
            }
            counts[index] = count
        }
        for index in parameters.indices where (first[index] == nil) != (second[index] == nil) {
            throw SHOTVAEError(.mismatch, "optimizer state of parameter \(index) has only one of its two moments")
        }
        firstMoments = first
        secondMoments = second
        steps = counts
    }
}

/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019), with PyTorch's semantics
/// (`torch.optim.AdamW`): each step first shrinks the weights, `p ← p (1 - lr · weightDecay)`,
/// then applies the Adam update without an L2 term.
public final class AdamW: Adam {
    /// Creates the optimizer.
    ///
    /// - Parameters:
    ///   - parameters: The parameters to update, usually `model.parameters`.
    ///   - learningRate: The step size.
    ///   - beta1: The decay of the first moment.
    ///   - beta2: The decay of the second moment.
    ///   - epsilon: Added to the denominator.
    ///   - weightDecay: The decoupled decay rate (PyTorch's default is 0.01).
    public init(
        parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0.01
    ) {
        super.init(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                   epsilon: epsilon, weightDecay: weightDecay, decouplesWeightDecay: true)
    }
}
