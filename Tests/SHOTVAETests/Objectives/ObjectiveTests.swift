import Foundation
import Testing

@testable import SHOTVAE

/// Loss terms against values computed by hand, and the objectives' limiting cases.
@Suite struct ObjectiveTests {
    let progress = TrainingProgress(epoch: 0, step: 0, totalEpochs: 1)

    @Test func priorTermUsesCapacitiesAndWeights() {
        let objective = ELBOObjective(configuration: ObjectiveConfiguration())
        var weights = ObjectiveWeights(ObjectiveConfiguration(), at: progress)
        (weights.continuousKL, weights.discreteKL, weights.continuousCapacity, weights.discreteCapacity) = (0.5, 2, 3, 0.5)
        // 0.5 · |2 - 3| + 2 · |1 - 0.5| = 1.5
        let p = objective.priorTerm(continuousKL: Variable(Tensor(2)), discreteKL: Variable(Tensor(1)), weights: weights)
        expectClose(p.value.scalar, 1.5)
    }

    @Test func reconstructionTermsByHand() {
        let images = Tensor(shape: [2, 1, 1, 2], scalars: [0, 1, 1, 0])
        let output = Variable(Tensor(shape: [2, 1, 1, 2], scalars: [0, 2, -1, 0.5]))
        // Gaussian, scale 0.5: 0.5 · (0 + 1 + 4 + 0.25) / 2 = 1.3125
        let gaussian = ELBOObjective(configuration: ObjectiveConfiguration(reconstruction: .gaussian(scale: 0.5)))
        expectClose(gaussian.reconstructionLoss(output: output, images: images).value.scalar, 1.3125)
        // Bernoulli: Σ [softplus(x) - x t] / 2
        func softplus(_ x: Float) -> Float { Foundation.log(1 + Foundation.exp(x)) }
        let expected = (softplus(0) + softplus(2) - 2 + softplus(-1) + 1 + softplus(0.5)) / 2
        let bernoulli = ELBOObjective(configuration: ObjectiveConfiguration(reconstruction: .bernoulli))
        expectClose(bernoulli.reconstructionLoss(output: output, images: images).value.scalar, expected)
    }

    @Test func klTermsByHand() {
        // μ = (1, 0), log σ = (0, log 2): 0.5 · [(1 + 1 - 0 - 1) + (0 + 4 - 2 log 2 - 1)]
        let kl = gaussianKLDivergence(
            mean: Variable(Tensor(shape: [1, 2], scalars: [1, 0])),
            logSigma: Variable(Tensor(shape: [1, 2], scalars: [0, Foundation.log(2)])))
        expectClose(kl.value.scalar, 0.5 * (1 + 3 - 2 * Foundation.log(2)))
        // α = (1/2, 1/2, 0, 0) (through a log-softmax with -100 logits) against 1/4: log 2
        let logits = Variable(Tensor(shape: [1, 4], scalars: [0, 0, -100, -100]))
        expectClose(categoricalKLDivergenceToUniform(logProbabilities: logits.logSoftmax()).value.scalar, Foundation.log(2), absolute: 1e-5)
        // A uniform α has no divergence.
        let uniform = Variable(Tensor(shape: [3, 5], repeating: 0.3)).logSoftmax()
        expectClose(categoricalKLDivergenceToUniform(logProbabilities: uniform).value.scalar, 0, absolute: 1e-6)
    }

    @Test func posteriorMatchingByHand() {
        let objective = SmoothELBOObjective(configuration: ObjectiveConfiguration())
        let posterior = SemiSupervisedVAE.Posterior(
            mean: Variable(Tensor(shape: [2, 1], scalars: [1, 2])),
            logSigma: Variable(Tensor(shape: [2, 1], scalars: [0, 0])),
            logProbabilities: Variable(Tensor(shape: [2, 2], repeating: -Foundation.log(2))))
        // ((1 - 0)² + (2 - 1)² + (1 - 3)² + (1 - 1)²) / 2 = 3
        let dc = objective.posteriorMatchingLoss(
            posterior, targetMean: Tensor(shape: [2, 1], scalars: [0, 1]), targetSigma: Tensor(shape: [2, 1], scalars: [3, 1]))
        expectClose(dc.value.scalar, 3)
    }

    @Test func interpolationMixesRowsWithTheirPartners() {
        let values = Tensor(shape: [3, 2], scalars: [0, 1, 10, 11, 20, 21])
        let mixed = Interpolation.mix(values, partners: [2, 0, 1], coefficient: 0.25)
        expectClose(mixed, Tensor(shape: [3, 2], scalars: [15, 16, 2.5, 3.5, 12.5, 13.5]))
    }

    @Test func optimalMatchPicksTheClosestOtherPosterior() {
        let mean = Tensor(shape: [4, 1], scalars: [0, 0.1, 5, 5.3])
        let logSigma = Tensor(shape: [4, 1], repeating: 0)
        #expect(Interpolation.optimalMatch(mean: mean, logSigma: logSigma) == [1, 0, 3, 2])
        #expect(Interpolation.optimalMatch(mean: Tensor(shape: [1, 1]), logSigma: Tensor(shape: [1, 1])) == [0])
    }

    /// With λ = 1 every mixed input is the input itself: the posterior matching terms vanish,
    /// Du becomes the entropy of α, and Dd the plain cross-entropy of the labeled batch.
    final class NoMixing: SHOTObjective {
        override func labeledMixingCoefficient(generator: inout RandomGenerator) -> Float { 1 }
        override func unlabeledMixingCoefficient(generator: inout RandomGenerator) -> Float { 1 }
    }

    @Test func mixingWithLambdaOneReducesToTheUnmixedTerms() {
        var rng = RandomGenerator(seed: 4)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4, generator: &rng)
        let labeled = LabeledBatch(images: Tensor(uniform: [3, 1, 4, 4], generator: &rng), labels: [1, 3, 0])
        let unlabeled = Tensor(uniform: [5, 1, 4, 4], generator: &rng)
        let objective = NoMixing(configuration: ObjectiveConfiguration(reconstruction: .gaussian(scale: 1)))
        let value = objective.loss(
            model: model, labeled: labeled, unlabeled: unlabeled, progress: progress,
            context: ForwardContext(isTraining: true, generator: rng))
        // Zero up to rounding: the plain passes ran as one batch of 8, the mixed ones alone.
        #expect(abs(value.terms["labeled.posteriorMatching"]!) < 1e-12)
        #expect(abs(value.terms["unlabeled.posteriorMatching"]!) < 1e-12)
        let inference = ForwardContext.inference()
        let logAlpha = model.encode(Variable(unlabeled), context: inference).logProbabilities.value
        let entropy = crossEntropy(logProbabilities: Variable(logAlpha), targets: logAlpha.map(vector: { Kernels.lanes($0, expf) }, scalar: expf))
        expectClose(value.terms["unlabeled.classification"]!, entropy.value.scalar, relative: 1e-5)
        let labeledLogAlpha = model.encode(Variable(labeled.images), context: inference).logProbabilities
        let crossEntropyOfLabels = crossEntropy(logProbabilities: labeledLogAlpha, targets: LatentSampler.oneHot(labeled.labels, classCount: 4))
        expectClose(value.terms["labeled.classification"]!, crossEntropyOfLabels.value.scalar, relative: 1e-5)
    }

    @Test func m2WithoutLabelWeightIsTheELBO() {
        var rng = RandomGenerator(seed: 5)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4, generator: &rng)
        let labeled = LabeledBatch(images: Tensor(uniform: [3, 1, 4, 4], generator: &rng), labels: [1, 3, 0])
        let configuration = ObjectiveConfiguration(labeledClassificationWeight: .constant(0))
        let m2 = M2Objective(configuration: configuration).loss(
            model: model, labeled: labeled, unlabeled: nil, progress: progress, context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: 9)))
        let elbo = ELBOObjective(configuration: configuration).loss(
            model: model, labeled: labeled, unlabeled: nil, progress: progress, context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: 9)))
        #expect(m2.total.value.scalar == elbo.total.value.scalar)
    }

    /// With the halves' plain passes run as one batch (`joint`) or one at a time.
    @Test(arguments: [true, false])
    func accumulatingHalfByHalfGivesTheGradientOfTheSum(joint: Bool) {
        let models = ModelTests.jointAndSeparate(seed: 8)
        let model = joint ? models.joint : models.separate
        var rng = RandomGenerator(seed: 9)
        let labeled = LabeledBatch(images: Tensor(uniform: [4, 1, 4, 4], generator: &rng), labels: [1, 3, 0, 2])
        let unlabeled = Tensor(uniform: [6, 1, 4, 4], generator: &rng)
        let objective = SHOTObjective(configuration: .mnist)
        func context() -> ForwardContext { ForwardContext(isTraining: true, generator: RandomGenerator(seed: 4)) }

        model.zeroGradients()
        let value = objective.loss(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context())
        value.total.backward()
        let wholeGradients = model.parameters.map(\.gradient)
        model.zeroGradients()
        let terms = objective.accumulateGradients(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context())

        #expect(terms.named.map(\.name) == value.terms.named.map(\.name))
        for (term, expected) in zip(terms.named, value.terms.named) {
            expectClose(term.value, expected.value, relative: 1e-6, absolute: 0, term.name)
        }
        #expect(terms.named.last?.name == "total")
        for ((name, parameter), whole) in zip(model.namedParameters, wholeGradients) {
            guard let whole, let gradient = parameter.gradient else {
                Issue.record("\(name): missing gradient")
                continue
            }
            expectClose(gradient, whole, relative: 1e-5, absolute: 1e-6, name)
        }
    }

    /// The ELBO family's halves give the same terms and gradients whether their plain passes run
    /// as one batch or apart (M2 draws nothing between the passes, so the draws agree too).
    @Test func sharedPlainPassesChangeNothingButSpeed() {
        let (joint, separate) = ModelTests.jointAndSeparate(seed: 10)
        var rng = RandomGenerator(seed: 11)
        let labeled = LabeledBatch(images: Tensor(uniform: [4, 1, 4, 4], generator: &rng), labels: [1, 3, 0, 2])
        let unlabeled = Tensor(uniform: [6, 1, 4, 4], generator: &rng)
        let objective = M2Objective(configuration: .mnistRecipe)
        func run(_ model: SemiSupervisedVAE) -> (terms: [(name: String, value: Float)], gradients: [Tensor?]) {
            model.zeroGradients()
            let terms = objective.accumulateGradients(
                model: model, labeled: labeled, unlabeled: unlabeled, progress: progress,
                context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: 12)))
            return (terms.named, model.parameters.map(\.gradient))
        }
        let a = run(joint), b = run(separate)
        #expect(a.terms.map(\.name) == b.terms.map(\.name))
        for (x, y) in zip(a.terms, b.terms) { expectClose(x.value, y.value, relative: 1e-5, absolute: 1e-6, x.name) }
        for (x, y) in zip(a.gradients, b.gradients) {
            guard let x, let y else { Issue.record("missing gradient"); continue }
            expectClose(x, y, relative: 1e-4, absolute: 1e-6)
        }
    }

    @Test func everyRandomDrawComesFromTheContextGenerator() {
        var rng = RandomGenerator(seed: 6)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4, generator: &rng)
        let labeled = LabeledBatch(images: Tensor(uniform: [4, 1, 4, 4], generator: &rng), labels: [1, 3, 0, 2])
        let unlabeled = Tensor(uniform: [6, 1, 4, 4], generator: &rng)
        let objective = SHOTObjective(configuration: ObjectiveConfiguration())
        func run(_ seed: UInt64) -> [Float] {
            objective.loss(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress,
                           context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: seed))).terms.named.map(\.value)
        }
        #expect(run(1) == run(1))
        #expect(run(1) != run(2))
    }
}

@Suite struct ScheduleTests {
    func at(epoch: Int = 0, step: Int = 0) -> TrainingProgress { TrainingProgress(epoch: epoch, step: step, totalEpochs: 600) }

    @Test func exponentialRampFollowsThePaper() {
        let ramp = WeightSchedule.exponentialRamp(maximum: 1e-3, length: 400, unit: .epochs)
        expectClose(ramp.value(at: at(epoch: 0)), 1e-3 * Foundation.exp(-5), relative: 1e-6, absolute: 0)
        expectClose(ramp.value(at: at(epoch: 200)), 1e-3 * Foundation.exp(-1.25), relative: 1e-6, absolute: 0)
        #expect(ramp.value(at: at(epoch: 400)) == 1e-3)
        #expect(ramp.value(at: at(epoch: 599)) == 1e-3)
        let boosted = ramp.multiplied(by: 5, from: 400, unit: .epochs)
        #expect(boosted.value(at: at(epoch: 399)) < 1e-3)
        expectClose(boosted.value(at: at(epoch: 400)), 5e-3, relative: 1e-6, absolute: 0)
    }

    @Test func linearCapacitiesFollowSteps() {
        let cd = WeightSchedule.linear(start: 0, end: 17, length: 25_000, unit: .steps).capped(at: Float(Foundation.log(10.0)))
        #expect(cd.value(at: at(step: 0)) == 0)
        expectClose(cd.value(at: at(step: 1000)), 17 * 1000 / 25_000, relative: 1e-6)
        expectClose(cd.value(at: at(step: 20_000)), Float(Foundation.log(10.0)), relative: 1e-6)
        let cc = WeightSchedule.linear(start: 0, end: 17.5, length: 25_000, unit: .steps)
        #expect(cc.value(at: at(step: 30_000)) == 17.5)
    }

    @Test func cifarPresetsMatchPaperSectionFive() {
        let ten = ObjectiveWeights(.cifar10(epochs: 600), at: at(epoch: 600))
        expectClose(ten.elbo, 5e-3, relative: 1e-6)
        #expect(ten.continuousKL == 1e-3 && ten.discreteKL == 1e-3)
        #expect(ten.continuousCapacity == 0 && ten.discreteCapacity == 2.3 && ten.posteriorMatching == 1)
        let early = ObjectiveWeights(.cifar10(epochs: 600), at: at(epoch: 120))
        // ucw = ramp(e, 0.4 · 600 = 240, 1) at epoch 120
        expectClose(early.unlabeledClassification, Float(Foundation.exp(-5 * 0.25)), relative: 1e-6)
        let hundred = ObjectiveWeights(.cifar100(epochs: 700), at: at(epoch: 700))
        #expect(hundred.elbo == 1e-3 && hundred.discreteCapacity == 4.6)
    }

    @Test func schedulesSurviveJSON() throws {
        let configuration = ObjectiveConfiguration.cifar10(epochs: 600)
        let data = try JSONEncoder().encode(configuration)
        #expect(try JSONDecoder().decode(ObjectiveConfiguration.self, from: data) == configuration)
    }
}
