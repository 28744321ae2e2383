import Testing

@testable import SHOTVAE

/// Tolerances of the finite-difference checks, stated once.
///
/// Gradients are checked in single precision with central differences,
/// `(L(x + h) - L(x - h)) / 2h` with `h = 1e-2`, where `L = Σ f(x) ⊙ R` for a fixed random
/// projection `R`. The truncation error is `O(h²)` (about 1e-4 for inputs of order 1) and the
/// rounding error about `1e-7 · |L| / h`; an analytic gradient must match within
/// `absolute + relative · |numeric|` with the values below. Inputs of non-smooth ops are
/// kept at least 0.05 away from their kinks, so no difference straddles one.
enum GradientTolerance {
    static let step: Float = 1e-2
    static let relative: Float = 2e-2
    static let absolute: Float = 2e-3
}

/// Compares the analytic gradients of `function` with central finite differences, for every
/// element of every input.
///
/// - Parameters:
///   - inputs: The points at which to check; each becomes a variable that requires a gradient.
///   - step: The finite-difference step `h`.
///   - function: The computation under test; it must not keep state between calls.
func checkGradients(
    _ inputs: [Tensor], step: Float = GradientTolerance.step,
    relative: Float = GradientTolerance.relative, absolute: Float = GradientTolerance.absolute,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: ([Variable]) -> Variable
) {
    let variables = inputs.map { Variable($0, requiresGradient: true) }
    let output = function(variables)
    let projection = randomTensor(output.shape, seed: 99)
    (output * Variable(projection)).sum().backward()

    func projected(_ values: [Tensor]) -> Double {
        let y = function(values.map { Variable($0) }).value.scalars
        let r = projection.scalars
        var total = 0.0
        for i in y.indices { total += Double(y[i]) * Double(r[i]) }
        return total
    }

    for (k, input) in inputs.enumerated() {
        guard let analytic = variables[k].gradient else {
            Issue.record("input \(k) received no gradient", sourceLocation: sourceLocation)
            continue
        }
        #expect(analytic.shape == input.shape, sourceLocation: sourceLocation)
        var numeric = Tensor(shape: input.shape)
        for j in 0..<input.count {
            var plus = inputs
            var minus = inputs
            plus[k].withUnsafeMutableBufferPointer { $0[j] += step }
            minus[k].withUnsafeMutableBufferPointer { $0[j] -= step }
            let difference = (projected(plus) - projected(minus)) / Double(2 * step)
            numeric.withUnsafeMutableBufferPointer { $0[j] = Float(difference) }
        }
        expectClose(
            analytic, numeric, relative: relative, absolute: absolute,
            "gradient of input \(k):", sourceLocation: sourceLocation)
    }
}

/// A seeded tensor whose elements are at least `margin` away from zero, for ops with a kink
/// at zero (ReLU, leaky ReLU, abs).
func awayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.05) -> Tensor {
    let t = randomTensor(shape, seed: seed)
    return Tensor(shape: shape, scalars: t.scalars.map { $0 >= 0 ? $0 + margin : $0 - margin })
}
