import Foundation
import Testing

@testable import SHOTVAE

/// The eight-lane transcendental functions against double-precision references, over sweeps
/// of their ranges and at special values.
@Suite struct TranscendentalTests {
    /// The largest error of `f` against `reference` over `points`, in units of the reference's
    /// magnitude (relative), and where it occurs.
    func largestError(
        _ points: [Float], _ f: (Vector) -> Vector, _ reference: (Double) -> Double
    ) -> (relative: Double, at: Float) {
        var worst = (relative: 0.0, at: Float(0))
        var i = 0
        while i + 8 <= points.count {
            let x = Vector(points[i..<(i + 8)])
            let y = f(x)
            for lane in 0..<8 {
                let expected = reference(Double(x[lane]))
                // Below the smallest normal float, compare against its spacing instead.
                let scale = max(abs(expected), Double(Float.leastNormalMagnitude))
                let error = abs(Double(y[lane]) - expected) / scale
                if error > worst.relative { worst = (error, x[lane]) }
            }
            i += 8
        }
        return worst
    }

    func sweep(from low: Float, to high: Float, count: Int) -> [Float] {
        (0..<count).map { low + (high - low) * Float($0) / Float(count - 1) }
    }

    @Test func exponentialIsWithinOneUnitInTheLastPlace() {
        let worst = largestError(sweep(from: -87, to: 88.7, count: 400_000) + [0, 1, -1, 1e-7, -1e-7, 88.72],
                                 Kernels.exponential, Foundation.exp)
        #expect(worst.relative < 1.5e-7, "exp: \(worst)")
        // Gradual underflow below the smallest normal float, as the C library's.
        let tiny = largestError(sweep(from: -103, to: -87, count: 8_000), Kernels.exponential, Foundation.exp)
        #expect(tiny.relative < 1e-6, "exp below the normal range: \(tiny)")
    }

    @Test func exponentialSpecialValues() {
        let x = Vector(-.infinity, -200, -104, 89, 200, .infinity, .nan, 0)
        let y = Kernels.exponential(x)
        #expect(y[0] == 0 && y[1] == 0 && y[2] >= 0 && y[2] < Float.leastNormalMagnitude)
        #expect(y[3] == .infinity && y[4] == .infinity && y[5] == .infinity)
        #expect(y[6].isNaN && y[7] == 1)
    }

    @Test func hyperbolicTangentIsWithinTwoUnitsInTheLastPlace() {
        let points = sweep(from: -12, to: 12, count: 400_000) + sweep(from: -1e-3, to: 1e-3, count: 8_000)
            + [0, -0.625, 0.625, 0.62500006, 9, -9, 60, -60]
        let worst = largestError(points, Kernels.hyperbolicTangent, Foundation.tanh)
        #expect(worst.relative < 2e-7, "tanh: \(worst)")
        let y = Kernels.hyperbolicTangent(Vector(.infinity, -.infinity, 100, -100, 0, -0.0, 1e-30, .nan))
        #expect(y[0] == 1 && y[1] == -1 && y[2] == 1 && y[3] == -1 && y[4] == 0 && y[5] == 0)
        #expect(y[6] == 1e-30 && y[7].isNaN)
    }

    @Test func squaredHyperbolicSecantStaysPositiveAndAccurate() {
        let worst = largestError(sweep(from: -40, to: 40, count: 400_000), Kernels.squaredHyperbolicSecant) {
            1 / (Foundation.cosh($0) * Foundation.cosh($0))
        }
        #expect(worst.relative < 4e-7, "sech²: \(worst)")
        let y = Kernels.squaredHyperbolicSecant(Vector(0, 45, -45, 50, -50, 60, .infinity, -.infinity))
        #expect(y[0] == 1)
        #expect(y[1] > 0 && y[2] > 0 && y[3] > 0 && y[4] > 0, "positive up to |x| = 50: \(y)")
        #expect(y[5] == 0 && y[6] == 0 && y[7] == 0)
    }
}
