import Foundation
import Testing

@testable import SHOTVAE

/// The label term's binary cross-entropy computed from log-probabilities: gradients, agreement
/// with the probability form, and a useful gradient when the softmax saturates.
@Suite struct CategoricalBCETests {
    let softTargets: Tensor = {
        var rng = RandomGenerator(seed: 41)
        return Variable(Tensor(normal: [4, 5], generator: &rng)).softmax().value
    }()

    /// Rows with and without a class above 1/2, so both ways of computing log(1 - α) are checked.
    let logits = Tensor(shape: [4, 5], scalars: [
        3.0, 0.2, -0.5, 0.1, -1.0,
        0.1, -0.3, 0.4, 0.0, 0.2,
        -1.0, 0.5, 2.5, -0.2, 0.3,
        0.3, -0.6, 0.1, 0.9, -0.4,
    ])

    @Test(arguments: [LossReduction.mean, .sum, .batchMean])
    func gradients(reduction: LossReduction) {
        checkGradients([logits]) {
            binaryCrossEntropy(logProbabilities: $0[0].logSoftmax(), targets: softTargets, reduction: reduction)
        }
    }

    @Test func matchesTheProbabilityForm() {
        func run(_ loss: (Variable) -> Variable) -> (Float, Tensor) {
            let x = Variable(logits, requiresGradient: true)
            let value = loss(x)
            value.backward()
            return (value.value.scalar, x.gradient!)
        }
        let (stable, stableGradient) = run {
            binaryCrossEntropy(logProbabilities: $0.logSoftmax(), targets: softTargets)
        }
        let (plain, plainGradient) = run {
            binaryCrossEntropy(probabilities: $0.softmax(), targets: softTargets)
        }
        expectClose(stable, plain, relative: 1e-5, absolute: 1e-6)
        expectClose(stableGradient, plainGradient, relative: 1e-4, absolute: 1e-6)
    }

    /// A softmax saturated on the wrong class (α rounds to 1 in single precision) still gives a
    /// finite loss and a gradient that raises the right class and lowers the wrong one.
    @Test func saturatedPredictionKeepsItsGradient() {
        let x = Variable(Tensor(shape: [1, 4], scalars: [0, 300, 0, 0]), requiresGradient: true)
        let target = Tensor(shape: [1, 4], scalars: [1, 0, 0, 0])
        let loss = binaryCrossEntropy(logProbabilities: x.logSoftmax(), targets: target, reduction: .sum)
        // -log α_0 = 300, -log(1 - α_1) = -log(3 e^-300) = 300 - log 3, the others ≈ 0.
        expectClose(loss.value.scalar, 600 - Float(Foundation.log(3.0)), relative: 1e-5)
        loss.backward()
        let g = x.gradient!.scalars
        #expect(g.allSatisfy { $0.isFinite })
        #expect(g[0] < -0.5, "the right class's logit must rise: \(g)")
        #expect(g[1] > 0.5, "the saturated wrong class's logit must fall: \(g)")
    }
}
