import Foundation
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

    /// Beyond |x| ≈ 9 single-precision tanh is exactly ±1, so `1 - y²` would be 0; the
    /// derivative must still be sech²(x), positive and accurate.
    @Test func tanhDerivativeOfSaturatedInputs() {
        let inputs: [Float] = [-40, -20, -12, -9.5, -3, 0, 2, 9.5, 15, 30]
        let x = Variable(Tensor(shape: [inputs.count], scalars: inputs), requiresGradient: true)
        x.tanh().sum().backward()
        let gradient = x.gradient!.scalars
        for (i, input) in inputs.enumerated() {
            let exact = 1 / Foundation.pow(Foundation.cosh(Double(input)), 2)
            #expect(gradient[i] > 0, "tanh'(\(input)) = \(gradient[i])")
            #expect(Swift.abs(Double(gradient[i]) - exact) <= 1e-5 * exact, "tanh'(\(input)) = \(gradient[i]), exact \(exact)")
        }
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
