#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a layer draws its initial weights.
///
/// `fanIn` and `fanOut` follow PyTorch: for a dense weight `[out, in]` they are `in` and
/// `out`; for a convolution weight `[d0, d1, kh, kw]` they are `d1 · kh · kw` and
/// `d0 · kh · kw` (so for a transposed convolution, whose weight is `[in, out, kh, kw]`, the
/// fan-in counts output channels, as in PyTorch).
public enum WeightInitializer: Sendable {
    /// PyTorch's default for `Linear` and convolutions: `U(-1/√fanIn, 1/√fanIn)`, which is
    /// Kaiming-uniform with negative slope √5.
    case pytorchDefault
    /// Kaiming (He et al., 2015) uniform: `U(-b, b)`, `b = gain · √(3 / fanIn)`,
    /// `gain = √(2 / (1 + negativeSlope²))`.
    case kaimingUniform(negativeSlope: Float)
    /// Kaiming normal: `N(0, gain² / fanIn)`.
    case kaimingNormal(negativeSlope: Float)
    /// Xavier (Glorot and Bengio, 2010) uniform: `U(-b, b)`, `b = gain · √(6 / (fanIn + fanOut))`.
    case xavierUniform(gain: Float)
    /// Xavier normal: `N(0, gain² · 2 / (fanIn + fanOut))`.
    case xavierNormal(gain: Float)
    /// `N(mean, standardDeviation²)` (DCGAN uses `N(0, 0.02²)`).
    case normal(mean: Float, standardDeviation: Float)
    /// Every weight equal to `value`.
    case constant(Float)

    /// A weight tensor of `shape` drawn from this distribution.
    ///
    /// - Parameters:
    ///   - shape: `[out, in]` or `[d0, d1, kh, kw]`.
    ///   - generator: The source of randomness.
    public func makeWeight(shape: [Int], generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = WeightInitializer.fans(of: shape)
        switch self {
        case .pytorchDefault:
            return WeightInitializer.kaimingUniform(negativeSlope: Float(5).squareRoot())
                .makeWeight(shape: shape, generator: &generator)
        case .kaimingUniform(let slope):
            let bound = WeightInitializer.gain(slope) * (3 / Float(max(fanIn, 1))).squareRoot()
            return Tensor(uniform: shape, in: -bound...bound, generator: &generator)
        case .kaimingNormal(let slope):
            let deviation = WeightInitializer.gain(slope) / Float(max(fanIn, 1)).squareRoot()
            return Tensor(normal: shape, standardDeviation: deviation, generator: &generator)
        case .xavierUniform(let gain):
            let bound = gain * (6 / Float(max(fanIn + fanOut, 1))).squareRoot()
            return Tensor(uniform: shape, in: -bound...bound, generator: &generator)
        case .xavierNormal(let gain):
            let deviation = gain * (2 / Float(max(fanIn + fanOut, 1))).squareRoot()
            return Tensor(normal: shape, standardDeviation: deviation, generator: &generator)
        case .normal(let mean, let deviation):
            return Tensor(normal: shape, mean: mean, standardDeviation: deviation, generator: &generator)
        case .constant(let value):
            return Tensor(shape: shape, repeating: value)
        }
    }

    /// PyTorch's default bias: `U(-1/√fanIn, 1/√fanIn)` with the weight's fan-in.
    static func pytorchBias(count: Int, fanIn: Int, generator: inout RandomGenerator) -> Tensor {
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        return Tensor(uniform: [count], in: -bound...bound, generator: &generator)
    }

    /// PyTorch's `calculate_gain("leaky_relu", slope)`.
    static func gain(_ negativeSlope: Float) -> Float {
        (2 / (1 + negativeSlope * negativeSlope)).squareRoot()
    }

    /// Fan-in and fan-out of a weight shape, as PyTorch computes them.
    static func fans(of shape: [Int]) -> (Int, Int) {
        precondition(shape.count >= 2, "A weight needs at least two dimensions, got \(shape).")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }
}
