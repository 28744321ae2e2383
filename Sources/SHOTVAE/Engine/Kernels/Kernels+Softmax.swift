#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Kernels {
    /// Row-wise log-softmax of a `[rows, columns]` matrix:
    /// `y[r, k] = x[r, k] - max_r - log Σ_j exp(x[r, j] - max_r)`.
    static func logSoftmax(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int
    ) {
        PhaseClock.measure(.elementwise) {
            for r in 0..<rows {
                let input = x + r * columns
                let output = y + r * columns
                var maximum = -Float.infinity
                for k in 0..<columns { maximum = max(maximum, input[k]) }
                var total: Float = 0
                for k in 0..<columns { total += expf(input[k] - maximum) }
                let shift = maximum + logf(total)
                for k in 0..<columns { output[k] = input[k] - shift }
            }
        }
    }

    /// Row-wise softmax of a `[rows, columns]` matrix, computed from the shifted exponentials.
    static func softmax(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int, columns: Int
    ) {
        PhaseClock.measure(.elementwise) {
            for r in 0..<rows {
                let input = x + r * columns
                let output = y + r * columns
                var maximum = -Float.infinity
                for k in 0..<columns { maximum = max(maximum, input[k]) }
                var total: Float = 0
                for k in 0..<columns {
                    let e = expf(input[k] - maximum)
                    output[k] = e
                    total += e
                }
                let inverse = 1 / total
                for k in 0..<columns { output[k] *= inverse }
            }
        }
    }

    /// The gradient of a row-wise softmax `y`: `dx = y ⊙ (dy - Σ_k dy ⊙ y)`.
    static func softmaxBackward(
        output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>, rows: Int, columns: Int
    ) {
        PhaseClock.measure(.elementwise) {
            for r in 0..<rows {
                let offset = r * columns
                let inner = dot(y + offset, dy + offset, count: columns)
                for k in 0..<columns {
                    dx[offset + k] = y[offset + k] * (dy[offset + k] - inner)
                }
            }
        }
    }

    /// The gradient of a row-wise log-softmax `y`: `dx = dy - exp(y) Σ_k dy`.
    static func logSoftmaxBackward(
        output y: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>, rows: Int, columns: Int
    ) {
        PhaseClock.measure(.elementwise) {
            for r in 0..<rows {
                let offset = r * columns
                let total = sum(dy + offset, count: columns)
                for k in 0..<columns {
                    dx[offset + k] = dy[offset + k] - expf(y[offset + k]) * total
                }
            }
        }
    }
}
