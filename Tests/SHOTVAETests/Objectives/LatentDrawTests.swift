import Foundation
import Testing

@testable import SHOTVAE

/// The objective as the source of the model's latent noise: each draw is described by its
/// latent, half and pass; a subclass's noise is the noise the step uses; the default draws are
/// the generator's; and every term of the ELBO is recorded by name.
@Suite struct LatentDrawTests {
    let progress = TrainingProgress(epoch: 0, step: 0, totalEpochs: 1)

    /// Records every draw it is asked for and optionally replaces the noise: ε = 0 and
    /// u = 1/2 on the unlabeled half.
    final class RecordingSHOT: SHOTObjective {
        var draws: [LatentDraw] = []
        var replacesUnlabeledNoise = false
        override func reparameterizationNoise(for draw: LatentDraw, context: ForwardContext) -> Tensor {
            draws.append(draw)
            guard replacesUnlabeledNoise, draw.part == .unlabeled else {
                return super.reparameterizationNoise(for: draw, context: context)
            }
            return Tensor(shape: draw.shape)
        }
        override func gumbelUniforms(for draw: LatentDraw, context: ForwardContext) -> Tensor {
            draws.append(draw)
            guard replacesUnlabeledNoise, draw.part == .unlabeled else { return super.gumbelUniforms(for: draw, context: context) }
            return Tensor(shape: draw.shape, repeating: 0.5)
        }
    }

    func batches(seed: UInt64) -> (labeled: LabeledBatch, unlabeled: Tensor) {
        var rng = RandomGenerator(seed: seed)
        return (LabeledBatch(images: Tensor(uniform: [4, 1, 4, 4], generator: &rng), labels: [1, 3, 0, 2]),
                Tensor(uniform: [6, 1, 4, 4], generator: &rng))
    }

    /// Whether the halves' plain passes run as one batch or apart, each draw is told its half
    /// and pass: the labeled plain pass's ε (its `y` is the label), then the unlabeled plain
    /// pass's ε and Gumbel uniforms; the interpolated passes only encode and draw nothing.
    @Test(arguments: [true, false])
    func drawsKnowTheirHalfAndPass(joint: Bool) {
        let models = ModelTests.jointAndSeparate(seed: 21)
        let model = joint ? models.joint : models.separate
        let (labeled, unlabeled) = batches(seed: 22)
        let objective = RecordingSHOT(configuration: .mnist)
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 23))
        _ = objective.accumulateGradients(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context)
        #expect(objective.draws == [
            LatentDraw(latent: .continuous, origin: .init(part: .labeled, pass: .plain), shape: [4, 3]),
            LatentDraw(latent: .continuous, origin: .init(part: .unlabeled, pass: .plain), shape: [6, 3]),
            LatentDraw(latent: .categorical, origin: .init(part: .unlabeled, pass: .plain), shape: [6, 4]),
        ])
        // The objective is the source during its step only.
        #expect(context.latentNoiseSource == nil && context.latentOrigin == nil)
    }

    /// A subclass's noise is the noise the step uses: with ε = 0 and fixed uniforms on the
    /// unlabeled half, the unlabeled reconstruction no longer depends on the generator (λ and
    /// the partners still do), while the labeled half's, drawn as before, does.
    @Test func replacedNoiseIsTheNoiseTheStepUses() {
        var rng = RandomGenerator(seed: 24)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4, generator: &rng)
        let (labeled, unlabeled) = batches(seed: 25)
        func terms(seed: UInt64, replacing: Bool) -> LossTerms {
            let objective = RecordingSHOT(configuration: .mnist)
            objective.replacesUnlabeledNoise = replacing
            return objective.loss(model: model, labeled: labeled, unlabeled: unlabeled, progress: progress,
                                  context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: seed))).terms
        }
        let (a, b) = (terms(seed: 1, replacing: true), terms(seed: 2, replacing: true))
        #expect(a["unlabeled.reconstruction"] == b["unlabeled.reconstruction"])
        #expect(a["labeled.reconstruction"] != b["labeled.reconstruction"])
        let (c, d) = (terms(seed: 1, replacing: false), terms(seed: 2, replacing: false))
        #expect(c["unlabeled.reconstruction"] != d["unlabeled.reconstruction"])
        // The replaced ε = 0 decodes z = μ: the unlabeled reconstruction is the model's at μ
        // with y = softmax((log α + g(1/2)) / τ).
        let posterior = model.encode(Variable(unlabeled), context: .inference())
        let gumbel = LatentSampler.gumbel(uniforms: Tensor(shape: [6, 4], repeating: 0.5))
        let y = model.sampler.categorical(logProbabilities: posterior.logProbabilities, gumbel: gumbel)
        let output = model.decode(z: posterior.mean, y: y, context: .inference())
        let expected = ELBOObjective(configuration: .mnist).reconstructionLoss(output: output, images: unlabeled)
        expectClose(a["unlabeled.reconstruction"]!, expected.value.scalar, relative: 1e-5)
    }

    /// Without an override, the objective's draws are the generator's, value for value: the
    /// same terms as a model that draws ε and the Gumbel noise itself in the same order.
    @Test func defaultNoiseIsTheGeneratorsDraws() {
        final class SelfDrawing: SemiSupervisedVAE {
            override func continuousNoise(shape: [Int], context: ForwardContext) -> Tensor {
                Tensor(normal: shape, generator: &context.generator)
            }
            override func gumbelNoise(shape: [Int], context: ForwardContext) -> Tensor {
                Tensor(gumbel: shape, generator: &context.generator)
            }
        }
        var rng = RandomGenerator(seed: 26)
        let base = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4, generator: &rng)
        var first = rng, second = rng
        let library = SemiSupervisedVAE(encoder: base.encoder, featureCount: 8, latentCount: 3, classCount: 4, decoder: base.decoder, generator: &first)
        let drawing = SelfDrawing(encoder: base.encoder, featureCount: 8, latentCount: 3, classCount: 4, decoder: base.decoder, generator: &second)
        let (labeled, unlabeled) = batches(seed: 27)
        func terms(_ model: SemiSupervisedVAE) -> [(name: String, value: Float)] {
            SHOTObjective(configuration: .mnist).loss(
                model: model, labeled: labeled, unlabeled: unlabeled, progress: progress,
                context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: 28))).terms.named
        }
        let (ours, theirs) = (terms(library), terms(drawing))
        #expect(ours.map(\.name) == theirs.map(\.name))
        #expect(ours.map(\.value) == theirs.map(\.value))
    }

    @Test func gumbelOfUniformsIsTheGeneratorsGumbel() {
        var a = RandomGenerator(seed: 29), b = a
        #expect(LatentSampler.gumbel(uniforms: Tensor(uniform: [3, 5], generator: &a)) == Tensor(gumbel: [3, 5], generator: &b))
    }

    /// Each half of the ELBO records its capacities and its prior term
    /// `P = bc · |KLc - Cc| + bd · |KLd - Cd|` by name, beside the KL terms.
    @Test func evidenceRecordsCapacitiesAndPriorTerm() {
        var rng = RandomGenerator(seed: 30)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4, generator: &rng)
        let (labeled, unlabeled) = batches(seed: 31)
        let configuration = ObjectiveConfiguration(
            reconstruction: .bernoulli, continuousKLWeight: .constant(0.5), discreteKLWeight: .constant(2),
            continuousCapacity: .linear(start: 0, end: 10, length: 10, unit: .steps), discreteCapacity: .constant(0.25))
        let at = TrainingProgress(epoch: 0, step: 4, totalEpochs: 1)
        let terms = ELBOObjective(configuration: configuration).loss(
            model: model, labeled: labeled, unlabeled: unlabeled, progress: at,
            context: ForwardContext(isTraining: true, generator: RandomGenerator(seed: 32))).terms
        for part in ["labeled", "unlabeled"] {
            #expect(terms[part + ".continuousCapacity"] == 4)
            #expect(terms[part + ".discreteCapacity"] == 0.25)
            let prior = 0.5 * abs(terms[part + ".continuousKL"]! - 4) + 2 * abs(terms[part + ".discreteKL"]! - 0.25)
            expectClose(terms[part + ".prior"]!, prior, relative: 1e-6)
            expectClose(terms[part + ".loss"]!, terms[part + ".reconstruction"]! + prior, relative: 1e-6)
        }
        #expect(terms.named.map(\.name) == [
            "labeled.reconstruction", "labeled.continuousKL", "labeled.discreteKL", "labeled.continuousCapacity",
            "labeled.discreteCapacity", "labeled.prior", "labeled.loss",
            "unlabeled.reconstruction", "unlabeled.continuousKL", "unlabeled.discreteKL", "unlabeled.continuousCapacity",
            "unlabeled.discreteCapacity", "unlabeled.prior", "unlabeled.loss", "total",
        ])
        // Read back from their names, as a checkpoint's sums are.
        #expect(LossTerms(named: terms.named) == terms)
    }
}
