#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a loss reduces its per-element terms to one number.
public enum LossReduction: Sendable {
    /// The sum over every element.
    case sum
    /// The sum over every element divided by the batch size (the first axis): "sum over
    /// the example, mean over the batch", the convention of every term in Method.md.
    case batchMean
    /// The mean over every element (PyTorch's default `reduction="mean"`).
    case mean

    /// The factor that turns the sum into this reduction for a value of `shape`.
    func factor(for shape: [Int]) -> Float {
        switch self {
        case .sum: return 1
        case .batchMean: return 1 / Float(max(shape.first ?? 1, 1))
        case .mean: return 1 / Float(max(shape.reduce(1, *), 1))
        }
    }
}

/// Binary cross-entropy between `sigmoid(logits)` and `targets`, computed from the logits
/// without overflow: `max(x, 0) - x t + log(1 + exp(-|x|))` per element. The Bernoulli
/// reconstruction term `R` of Method.md section 2 is this with `.batchMean`.
///
/// - Parameters:
///   - logits: The decoder's output before the sigmoid.
///   - targets: Values in [0, 1] of the same shape; no gradient flows to them.
///   - reduction: How to combine the elements.
public func binaryCrossEntropyWithLogits(
    logits: Variable, targets: Tensor, reduction: LossReduction = .sum
) -> Variable {
    precondition(logits.shape == targets.shape, "Logits \(logits.shape) and targets \(targets.shape) differ.")
    let x = logits.value
    let factor = reduction.factor(for: x.shape)
    let terms = x.zip(targets, vector: { x, t in
        Kernels.lanes(x, { max($0, 0) + log1pf(expf(-Swift.abs($0))) }) - x * t
    }, scalar: { x, t in max(x, 0) - x * t + log1pf(expf(-Swift.abs(x))) }, grain: Tensor.transcendentalGrain)
    let node = logits.node
    return Variable(Tensor(terms.sum() * factor), inputs: [logits]) { gradient in
        let g = gradient.scalar * factor
        node?.accumulateGradient(x.zip(targets, vector: { x, t in
            (Kernels.lanes(x, Kernels.sigmoid) - t) * g
        }, scalar: { x, t in (Kernels.sigmoid(x) - t) * g }, grain: Tensor.transcendentalGrain))
    }
}

/// Binary cross-entropy between probabilities and targets, `-(t log p + (1 - t) log(1 - p))`,
/// with PyTorch's clamp of each logarithm at -100. The MNIST recipe of Method.md section 7
/// uses it with `.mean` on the class probabilities of labeled data.
///
/// - Parameters:
///   - probabilities: Values in [0, 1].
///   - targets: Values in [0, 1] of the same shape; no gradient flows to them.
///   - reduction: How to combine the elements.
public func binaryCrossEntropy(
    probabilities: Variable, targets: Tensor, reduction: LossReduction = .mean
) -> Variable {
    precondition(probabilities.shape == targets.shape, "Probabilities \(probabilities.shape) and targets \(targets.shape) differ.")
    let p = probabilities.value
    let factor = reduction.factor(for: p.shape)
    let terms = p.zip(targets, vector: { p, t in
        let logP = Kernels.lanes(p, { max(logf($0), -100) })
        let logQ = Kernels.lanes(p, { max(logf(1 - $0), -100) })
        return -(t * logP + (1 - t) * logQ)
    }, scalar: { p, t in -(t * max(logf(p), -100) + (1 - t) * max(logf(1 - p), -100)) },
       grain: Tensor.transcendentalGrain)
    let node = probabilities.node
    return Variable(Tensor(terms.sum() * factor), inputs: [probabilities]) { gradient in
        let g = gradient.scalar * factor
        // d/dp = (p - t) / (p (1 - p)), with PyTorch's guard against division by zero.
        node?.accumulateGradient(p.zip(targets, vector: { p, t in
            g * (p - t) / Kernels.lanes(p * (1 - p), { max($0, 1e-12) })
        }, scalar: { p, t in g * (p - t) / max(p * (1 - p), 1e-12) }))
    }
}

/// The squared error `Σ (prediction - target)²`, reduced as asked. The Gaussian
/// reconstruction term and the posterior-matching term `Dc` of Method.md sections 2-4 use it.
///
/// - Parameters:
///   - prediction: The predicted values.
///   - targets: The values to match, same shape; no gradient flows to them.
///   - reduction: How to combine the elements.
public func meanSquaredError(
    prediction: Variable, targets: Tensor, reduction: LossReduction = .sum
) -> Variable {
    precondition(prediction.shape == targets.shape, "Prediction \(prediction.shape) and targets \(targets.shape) differ.")
    let x = prediction.value
    let factor = reduction.factor(for: x.shape)
    let difference = x.zip(targets, vector: { $0 - $1 }, scalar: { $0 - $1 })
    let total = Kernels.dot(difference.pointer, difference.pointer, count: difference.count)
    let node = prediction.node
    return Variable(Tensor(total * factor), inputs: [prediction]) { gradient in
        node?.accumulateGradient(difference.scaled(by: 2 * gradient.scalar * factor))
    }
}

/// The cross-entropy of predicted log-probabilities against (soft) target distributions,
/// `-Σ_k q_k log p_k` per row: `CE(logp, q)` of Method.md sections 3 and 4 with `.batchMean`.
///
/// - Parameters:
///   - logProbabilities: `[B, K]`, for example the output of ``Variable/logSoftmax()``.
///   - targets: `[B, K]` rows that are distributions (one-hot, mixed one-hot, or posteriors);
///     no gradient flows to them.
///   - reduction: How to combine the rows.
public func crossEntropy(
    logProbabilities: Variable, targets: Tensor, reduction: LossReduction = .batchMean
) -> Variable {
    precondition(logProbabilities.shape == targets.shape, "Log-probabilities \(logProbabilities.shape) and targets \(targets.shape) differ.")
    let factor = reduction.factor(for: targets.shape)
    let total = -Kernels.dot(logProbabilities.value.pointer, targets.pointer, count: targets.count)
    let node = logProbabilities.node
    return Variable(Tensor(total * factor), inputs: [logProbabilities]) { gradient in
        node?.accumulateGradient(targets.scaled(by: -gradient.scalar * factor))
    }
}

/// The KL divergence from a diagonal Gaussian `N(μ, σ²)` to the prior `N(0, I)`:
/// `0.5 Σ (μ² + σ² - 2 log σ - 1)`, the continuous prior term `KLc` of Method.md section 2
/// (with `.batchMean`).
///
/// - Parameters:
///   - mean: μ, `[B, Dz]`.
///   - logSigma: log σ (the log standard deviation, not the log variance), same shape.
///   - reduction: How to combine the elements.
public func gaussianKLDivergence(mean: Variable, logSigma: Variable, reduction: LossReduction = .batchMean)
    -> Variable
{
    precondition(mean.shape == logSigma.shape, "Mean \(mean.shape) and log sigma \(logSigma.shape) differ.")
    let (mu, logSigmaValue) = (mean.value, logSigma.value)
    let factor = reduction.factor(for: mu.shape)
    let variance = logSigmaValue.map(vector: { Kernels.lanes(2 * $0, expf) }, scalar: { expf(2 * $0) },
                                     grain: Tensor.transcendentalGrain)
    let terms = mu.zip(variance, logSigmaValue, vector: { m, v, l in m * m + v - 2 * l - 1 },
                       scalar: { m, v, l in m * m + v - 2 * l - 1 })
    let (meanNode, logSigmaNode) = (mean.node, logSigma.node)
    return Variable(Tensor(0.5 * terms.sum() * factor), inputs: [mean, logSigma]) { gradient in
        let g = gradient.scalar * factor
        meanNode?.accumulateGradient(mu.scaled(by: g))
        if let logSigmaNode {
            logSigmaNode.accumulateGradient(variance.map(vector: { ($0 - 1) * g }, scalar: { ($0 - 1) * g }))
        }
    }
}

/// The KL divergence from a categorical posterior `α` to the uniform prior over `K` classes,
/// `Σ_k α_k (log α_k - log(1/K))`: the discrete prior term `KLd` of Method.md section 2
/// (with `.batchMean`).
///
/// - Parameters:
///   - logProbabilities: log α, `[B, K]`; rows must be normalized (a log-softmax).
///   - reduction: How to combine the rows.
public func categoricalKLDivergenceToUniform(logProbabilities: Variable, reduction: LossReduction = .batchMean)
    -> Variable
{
    let logAlpha = logProbabilities.value
    precondition(logAlpha.rank == 2, "categoricalKLDivergenceToUniform needs [B, K], got \(logAlpha.shape).")
    let logClassCount = logf(Float(logAlpha.shape[1]))
    let factor = reduction.factor(for: logAlpha.shape)
    let terms = logAlpha.map(vector: { Kernels.lanes($0, expf) * ($0 + logClassCount) },
                             scalar: { expf($0) * ($0 + logClassCount) }, grain: Tensor.transcendentalGrain)
    let node = logProbabilities.node
    return Variable(Tensor(terms.sum() * factor), inputs: [logProbabilities]) { gradient in
        let g = gradient.scalar * factor
        // d/d(log α) of α (log α + log K) = α (log α + log K + 1)
        node?.accumulateGradient(logAlpha.map(
            vector: { Kernels.lanes($0, expf) * ($0 + (logClassCount + 1)) * g },
            scalar: { expf($0) * ($0 + logClassCount + 1) * g }, grain: Tensor.transcendentalGrain))
    }
}
