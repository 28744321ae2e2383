import Testing

@testable import SHOTVAE

/// Finite-difference checks of the elementwise nonlinearities (tolerances: ``GradientTolerance``).
@Suite struct ActivationGradientTests {
    @Test func relu() {
        checkGradients([awayFromZero([4, 5], seed: 1)]) { $0[0].relu() }
    }

    @Test func leakyReLU() {
        checkGradients([awayFromZero([4, 5], seed: 2)]) { $0[0].leakyReLU(negativeSlope: 0.1) }
    }

    @Test func tanh() {
        checkGradients([randomTensor([4, 5], seed: 3)]) { $0[0].tanh() }
    }

    @Test func sigmoid() {
        checkGradients([randomTensor([4, 5], seed: 4, scale: 3)]) { $0[0].sigmoid() }
    }

    @Test func softplus() {
        checkGradients([randomTensor([4, 5], seed: 5, scale: 3)]) { $0[0].softplus() }
    }

    @Test func exp() {
        checkGradients([randomTensor([4, 5], seed: 6)]) { $0[0].exp() }
    }

    @Test func log() {
        let positive = Tensor(shape: [4, 5], scalars: randomTensor([4, 5], seed: 7).scalars.map { Swift.abs($0) + 0.5 })
        checkGradients([positive]) { $0[0].log() }
    }

    @Test func abs() {
        checkGradients([awayFromZero([4, 5], seed: 8)]) { $0[0].abs() }
    }

    @Test func square() {
        checkGradients([randomTensor([4, 5], seed: 9)]) { $0[0].squared() }
    }

    @Test func squareRoot() {
        let positive = Tensor(shape: [4, 5], scalars: randomTensor([4, 5], seed: 10).scalars.map { Swift.abs($0) + 0.5 })
        checkGradients([positive]) { $0[0].squareRoot() }
    }

    @Test func softmax() {
        checkGradients([randomTensor([3, 6], seed: 11, scale: 2)]) { $0[0].softmax() }
    }

    @Test func logSoftmax() {
        checkGradients([randomTensor([3, 6], seed: 12, scale: 2)]) { $0[0].logSoftmax() }
    }
}
