import Testing

@testable import SHOTVAE

/// Finite-difference checks of elementwise arithmetic, including every broadcasting pattern
/// the models use (tolerances: ``GradientTolerance``).
@Suite struct ArithmeticGradientTests {
    @Test func addSameShape() {
        checkGradients([randomTensor([3, 4], seed: 1), randomTensor([3, 4], seed: 2)]) { $0[0] + $0[1] }
    }

    @Test func addBroadcastsBiasRow() {
        checkGradients([randomTensor([5, 4], seed: 3), randomTensor([4], seed: 4)]) { $0[0] + $0[1] }
    }

    @Test func addBroadcastsChannelVector() {
        checkGradients([randomTensor([2, 3, 4, 5], seed: 5), randomTensor([1, 3, 1, 1], seed: 6)]) {
            $0[0] + $0[1]
        }
    }

    @Test func addBroadcastsOverBatch() {
        checkGradients([randomTensor([1, 3, 2, 2], seed: 7), randomTensor([4, 3, 2, 2], seed: 8)]) {
            $0[0] + $0[1]
        }
    }

    @Test func subtractBroadcastsBothWays() {
        checkGradients([randomTensor([4, 1], seed: 9), randomTensor([1, 5], seed: 10)]) { $0[0] - $0[1] }
    }

    @Test func multiplyBroadcastsChannelVector() {
        checkGradients([randomTensor([2, 3, 4, 4], seed: 11), randomTensor([1, 3, 1, 1], seed: 12)]) {
            $0[0] * $0[1]
        }
    }

    @Test func multiplyByScalarTensor() {
        checkGradients([randomTensor([3, 5], seed: 13), randomTensor([], seed: 14)]) { $0[0] * $0[1] }
    }

    @Test func divideBroadcastsBatchColumn() {
        let denominator = Tensor(shape: [4, 1], scalars: [1.5, -2, 2.5, 3])
        checkGradients([randomTensor([4, 6], seed: 15), denominator]) { $0[0] / $0[1] }
    }

    @Test func constantsAndNegation() {
        checkGradients([randomTensor([3, 3], seed: 16)]) { x in
            -(2 * x[0] + 1) / 4 - 3 + (1 - x[0]) * 0.5
        }
    }

    /// A graph that reuses a variable: gradients from both uses must add up.
    @Test func reusedVariableAccumulates() {
        checkGradients([randomTensor([2, 3], seed: 17), randomTensor([3], seed: 18)]) { v in
            let h = v[0] * v[1]
            return h * v[0] + h.tanh() + v[1]
        }
    }
}
