import Foundation
import Testing

@testable import SHOTVAE

/// Finite-difference checks of the losses and KL terms (tolerances: ``GradientTolerance``).
@Suite struct LossGradientTests {
    /// Fixed targets in [0, 1].
    let targets01: Tensor = {
        var rng = RandomGenerator(seed: 1234)
        return Tensor(uniform: [3, 4], generator: &rng)
    }()

    @Test(arguments: [LossReduction.sum, .batchMean, .mean])
    func binaryCrossEntropyWithLogits(reduction: LossReduction) {
        checkGradients([randomTensor([3, 4], seed: 1, scale: 2)]) {
            SHOTVAE.binaryCrossEntropyWithLogits(logits: $0[0], targets: targets01, reduction: reduction)
        }
    }

    @Test func binaryCrossEntropyOfProbabilities() {
        let p = Tensor(shape: [3, 4], scalars: randomTensor([3, 4], seed: 2).scalars.map { 0.2 + 0.6 * (1 / (1 + Foundation.exp(-$0))) })
        checkGradients([p], step: 1e-3) {
            SHOTVAE.binaryCrossEntropy(probabilities: $0[0], targets: targets01, reduction: .mean)
        }
    }

    @Test(arguments: [LossReduction.sum, .batchMean])
    func meanSquaredError(reduction: LossReduction) {
        checkGradients([randomTensor([3, 4], seed: 3)]) {
            SHOTVAE.meanSquaredError(prediction: $0[0], targets: targets01, reduction: reduction)
        }
    }

    @Test func crossEntropyAgainstSoftTargets() {
        var rng = RandomGenerator(seed: 4)
        let q = Variable(Tensor(normal: [3, 5], generator: &rng)).softmax().value
        checkGradients([randomTensor([3, 5], seed: 5, scale: 2)]) {
            SHOTVAE.crossEntropy(logProbabilities: $0[0].logSoftmax(), targets: q)
        }
    }

    @Test func gaussianKLDivergence() {
        checkGradients([randomTensor([3, 4], seed: 6), randomTensor([3, 4], seed: 7, scale: 0.5)]) {
            SHOTVAE.gaussianKLDivergence(mean: $0[0], logSigma: $0[1])
        }
    }

    @Test func categoricalKLDivergenceToUniform() {
        checkGradients([randomTensor([3, 6], seed: 8, scale: 2)]) {
            SHOTVAE.categoricalKLDivergenceToUniform(logProbabilities: $0[0].logSoftmax())
        }
    }
}
