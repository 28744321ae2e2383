#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Binary cross-entropy of a categorical distribution against (soft) targets, computed from
/// its log-probabilities: `-(t_k log α_k + (1 - t_k) log(1 - α_k))` summed over classes and rows.
///
/// This is the label term `BCE(α, y)` of Method.md section 7. It equals
/// `binaryCrossEntropy(probabilities: logProbabilities.exp(), ...)` wherever no probability
/// saturates, but stays finite and keeps its gradient when one does. With probabilities, a
/// class whose α rounds to 1 has `log(1 - α) = log 0`, which PyTorch's clamp at -100 turns into
/// a constant: the gradient vanishes and a network whose softmax saturates on a wrong class
/// cannot recover. Here `log(1 - α_k)` is computed as `log Σ_{j≠k} α_j` from the
/// log-probabilities (`log1p(-α_k)` when `α_k ≤ 1/2`, a log-sum-exp over the other classes
/// otherwise; at most one class per row needs the latter).
///
/// - Parameters:
///   - logProbabilities: log α, `[N, K]`, each row a normalized distribution (log-softmax).
///   - targets: Values in [0, 1], `[N, K]`; no gradient flows to them.
///   - reduction: How to combine the `N · K` elements (`.mean`, as PyTorch's `BCELoss`).
public func binaryCrossEntropy(
    logProbabilities: Variable, targets: Tensor, reduction: LossReduction = .mean
) -> Variable {
    let logAlpha = logProbabilities.value
    precondition(logAlpha.rank == 2 && logAlpha.shape == targets.shape,
                 "binaryCrossEntropy(logProbabilities:) needs [N, K] log-probabilities and targets; got \(logAlpha.shape) and \(targets.shape).")
    let (rows, classes) = (logAlpha.shape[0], logAlpha.shape[1])
    let factor = reduction.factor(for: logAlpha.shape)
    let threshold = -Float(M_LN2)

    // log(1 - α_k) for every element, and per row the one class (if any) with α > 1/2.
    var logComplement = Tensor(uninitializedShape: logAlpha.shape)
    var dominant = [Int](repeating: -1, count: rows)
    var total: Double = 0
    let l = logAlpha.pointer
    let t = targets.pointer
    let c = logComplement.mutablePointer
    for row in 0..<rows {
        let base = row * classes
        for k in 0..<classes {
            let value = l[base + k]
            if value <= threshold {
                c[base + k] = log1pf(-expf(value))
            } else {
                dominant[row] = k
                // log Σ_{j≠k} exp(ℓ_j), shifted by the largest of them.
                var largest = -Float.infinity
                for j in 0..<classes where j != k { largest = max(largest, l[base + j]) }
                var sum: Float = 0
                if largest > -.infinity {
                    for j in 0..<classes where j != k { sum += expf(l[base + j] - largest) }
                }
                c[base + k] = largest > -.infinity ? largest + logf(sum) : -.infinity
            }
            total -= Double(t[base + k] * value + (1 - t[base + k]) * c[base + k])
        }
    }

    let node = logProbabilities.node
    return Variable(Tensor(Float(total) * factor), inputs: [logProbabilities]) { gradient in
        // ∂L/∂ℓ_j = -f [t_j + Σ_{k≠j} (1 - t_k) exp(ℓ_j - log(1 - α_k))].
        let g = gradient.scalar * factor
        var result = Tensor(uninitializedShape: logAlpha.shape)
        let r = result.mutablePointer
        let l = logAlpha.pointer
        let t = targets.pointer
        let c = logComplement.pointer
        for row in 0..<rows {
            let base = row * classes
            let big = dominant[row]
            // Σ over the non-dominant classes of (1 - t_k) / (1 - α_k), each factor at most 2.
            var small: Float = 0
            for k in 0..<classes where k != big { small += (1 - t[base + k]) * expf(-c[base + k]) }
            for j in 0..<classes {
                var sum = small
                if j != big { sum -= (1 - t[base + j]) * expf(-c[base + j]) }
                var value = t[base + j] + expf(l[base + j]) * sum
                if big >= 0 && j != big {
                    value += (1 - t[base + big]) * expf(l[base + j] - c[base + big])
                }
                r[base + j] = -g * value
            }
        }
        node?.accumulateGradient(result)
    }
}
