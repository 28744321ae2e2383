#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws the latent variables that the decoder receives (Method.md section 1).
///
/// - The continuous latent is reparameterized: `z = μ + exp(log σ) ⊙ ε`, `ε ~ N(0, I)`,
///   so gradients flow to μ and log σ.
/// - The class latent is the one-hot label for labeled data, a mixed one-hot label for the
///   smoothed pass, and otherwise a Gumbel-softmax sample `softmax((log α + g) / τ)` with
///   `g = -log(-log(u + 1e-12) + 1e-12)`, `u ~ U(0, 1)` and temperature `τ = 0.67`.
///
/// All noise comes from the generator passed in.
public struct LatentSampler: Sendable {
    /// The Gumbel-softmax temperature τ.
    public var temperature: Float

    /// Creates a sampler.
    ///
    /// - Parameter temperature: The Gumbel-softmax temperature (the paper's 0.67).
    public init(temperature: Float = 0.67) {
        precondition(temperature > 0, "The Gumbel-softmax temperature must be positive.")
        self.temperature = temperature
    }

    /// `z = μ + exp(log σ) ⊙ ε` with `ε ~ N(0, I)` from `generator`.
    public func continuous(mean: Variable, logSigma: Variable, generator: inout RandomGenerator) -> Variable {
        let noise = Tensor(normal: mean.shape, generator: &generator)
        return continuous(mean: mean, logSigma: logSigma, noise: noise)
    }

    /// `z = μ + exp(log σ) ⊙ noise` for a given standard-normal `noise`.
    public func continuous(mean: Variable, logSigma: Variable, noise: Tensor) -> Variable {
        mean + logSigma.exp() * Variable(noise)
    }

    /// A Gumbel-softmax sample `softmax((log α + g) / τ)` with Gumbel noise from `generator`.
    public func categorical(logProbabilities: Variable, generator: inout RandomGenerator) -> Variable {
        categorical(logProbabilities: logProbabilities, gumbel: Tensor(gumbel: logProbabilities.shape, generator: &generator))
    }

    /// `softmax((log α + g) / τ)` for given Gumbel noise `g`.
    public func categorical(logProbabilities: Variable, gumbel: Tensor) -> Variable {
        ((logProbabilities + Variable(gumbel)) * (1 / temperature)).softmax()
    }

    /// Gumbel noise from uniforms: `g = -log(-log(u + 1e-12) + 1e-12)` elementwise (the same
    /// values as ``RandomGenerator/nextGumbel()`` draws from the same uniforms).
    public static func gumbel(uniforms: Tensor) -> Tensor {
        var result = Tensor(uninitializedShape: uniforms.shape)
        let u = uniforms.pointer
        let g = result.mutablePointer
        for i in 0..<uniforms.count { g[i] = -logf(-logf(u[i] + 1e-12) + 1e-12) }
        return result
    }

    /// One-hot rows for `labels`, `[labels.count, classCount]`.
    public static func oneHot(_ labels: [Int], classCount: Int) -> Tensor {
        var result = Tensor(shape: [labels.count, classCount])
        let p = result.mutablePointer
        for (row, label) in labels.enumerated() {
            precondition(label >= 0 && label < classCount, "Label \(label) is out of range 0..<\(classCount).")
            p[row * classCount + label] = 1
        }
        return result
    }

    /// `λ onehot(y) + (1 - λ) onehot(y[partners])`: the decoder's class input for the smoothed
    /// labeled pass (Method.md section 3).
    public static func mixedOneHot(_ labels: [Int], partners: [Int], coefficient lambda: Float, classCount: Int) -> Tensor {
        precondition(labels.count == partners.count, "Each label needs one partner.")
        var result = Tensor(shape: [labels.count, classCount])
        let p = result.mutablePointer
        for (row, label) in labels.enumerated() {
            p[row * classCount + label] += lambda
            p[row * classCount + labels[partners[row]]] += 1 - lambda
        }
        return result
    }
}
