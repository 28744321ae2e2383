#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The mixup arithmetic of Method.md sections 3 and 4, on plain tensors (no gradient).
public enum Interpolation {
    /// `λ a + (1 - λ) a[partners]` along the first axis.
    public static func mix(_ values: Tensor, partners: [Int], coefficient lambda: Float) -> Tensor {
        mix(values, with: values, partners: partners, coefficient: lambda)
    }

    /// `λ a + (1 - λ) b[partners]` along the first axis: the rows `a` of a share of a batch
    /// mixed with partners from the whole batch `b`.
    ///
    /// - Parameters:
    ///   - values: `a`, `[n, ...]`.
    ///   - source: `b`, `[m, ...]`, rows of `a`'s size.
    ///   - partners: For each row of `a`, a row of `b`.
    ///   - lambda: `λ`.
    public static func mix(_ values: Tensor, with source: Tensor, partners: [Int], coefficient lambda: Float) -> Tensor {
        precondition(values.shape.first == partners.count, "One partner per row: \(partners.count) for \(values.shape).")
        precondition(Array(values.shape.dropFirst()) == Array(source.shape.dropFirst()),
                     "Rows of \(values.shape) cannot mix with rows of \(source.shape).")
        let rows = partners.count
        let rowSize = values.count / max(rows, 1)
        var result = Tensor(uninitializedShape: values.shape)
        let own = values.pointer
        let whole = source.pointer
        let destination = result.mutablePointer
        let l = lambda
        for row in 0..<rows {
            precondition(partners[row] >= 0 && partners[row] < source.shape[0], "Partner \(partners[row]) is out of range.")
            Kernels.zip(own + row * rowSize, whole + partners[row] * rowSize, destination + row * rowSize,
                        count: rowSize, vector: { l * $0 + (1 - l) * $1 }, scalar: { l * $0 + (1 - l) * $1 })
        }
        return result
    }

    /// For each example, the other example whose continuous posterior is closest:
    /// `argmin_{j ≠ i} KL(N(μ_i, σ_i²) ‖ N(μ_j, σ_j²))`, with
    /// `KL = Σ_d log(σ_j/σ_i) + (σ_i² + (μ_i - μ_j)²) / (2σ_j²) - 1/2`.
    ///
    /// - Parameters:
    ///   - mean: μ, `[B, Dz]`.
    ///   - logSigma: log σ, `[B, Dz]`.
    /// - Returns: One partner index per example (itself only when the batch has one example).
    public static func optimalMatch(mean: Tensor, logSigma: Tensor) -> [Int] {
        let rows = mean.shape[0]
        let dimensions = mean.count / max(rows, 1)
        guard rows > 1 else { return Array(0..<rows) }
        let mu = mean.pointer
        let ls = logSigma.pointer
        var inverseVariance = [Float](repeating: 0, count: mean.count)
        for i in 0..<mean.count { inverseVariance[i] = expf(-2 * ls[i]) }
        return (0..<rows).map { i in
            var best = -1
            var bestDivergence = Float.infinity
            for j in 0..<rows where j != i {
                var divergence: Float = 0
                for d in 0..<dimensions {
                    let a = i * dimensions + d
                    let b = j * dimensions + d
                    let difference = mu[a] - mu[b]
                    divergence += ls[b] - ls[a]
                        + 0.5 * (expf(2 * ls[a]) + difference * difference) * inverseVariance[b] - 0.5
                }
                if divergence < bestDivergence || best < 0 {
                    bestDivergence = divergence
                    best = j
                }
            }
            return best
        }
    }
}
