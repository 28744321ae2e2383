import Foundation
import Testing

import SHOTVAE

/// The DocC articles' code, compiled and run as written there.
@Suite(.serialized) struct ArticleExampleTests {
    /// "Getting started": the training loop, 200 steps on the bundled MNIST.
    @Test func gettingStartedLoopTrains() throws {
        var rng = RandomGenerator(seed: 42)
        let mnist = try MNIST(directory: MNIST.bundledDirectory)        // or your copy of the IDX files
        let train = mnist.train.padded(to: 32).scaled(to: -1...1)       // the paper's 32x32 inputs in [-1, 1]
        let split = try SemiSupervisedSplit(train, labelsPerClass: 10, generator: &rng)
        let model = SemiSupervisedVAE.mnist(meanPixel: train.meanPixel, generator: &rng)  // output starts at the data mean
        let objective = SHOTObjective(configuration: .mnist)
        let optimizer = Adam(parameters: model.parameters, learningRate: 1e-3)
        var labeled = BatchOrder(count: split.labeled.count, batchSize: 4, generator: rng.split())
        var unlabeled = BatchOrder(count: split.unlabeled.count, batchSize: 128, generator: rng.split())
        let context = ForwardContext(isTraining: true, generator: rng.split())
        for step in 0..<200 {
            let l = labeled.next(), u = unlabeled.next()
            let value = objective.loss(
                model: model, labeled: LabeledBatch(images: split.labeled.images(at: l), labels: l.map { split.labeled.labels[$0] }),
                unlabeled: split.unlabeled.images(at: u), progress: TrainingProgress(epoch: 0, step: step, totalEpochs: 1),
                context: context)
            value.total.backward()
            optimizer.step()
            optimizer.zeroGradients()
        }
        let test = mnist.test.padded(to: 32).scaled(to: -1...1)
        let error = ClassificationReport(model: model, set: test).error
        #expect(error < 0.9, "200 steps should beat chance, test error \(error)")
    }

    final class UniformMixingSHOT: SHOTObjective {
        override func unlabeledMixingCoefficient(generator: inout RandomGenerator) -> Float {
            generator.nextUniform()
        }
    }

    final class ContrastingPartners: SHOTObjective {
        override func unlabeledPartners(posterior: SemiSupervisedVAE.Posterior,
                                         generator: inout RandomGenerator) -> [Int] {
            let predictions = posterior.logProbabilities.value
            let rows = predictions.shape[0], classes = predictions.shape[1]
            func argmax(_ row: Int) -> Int { (0..<classes).max { predictions[row, $0] < predictions[row, $1] }! }
            return (0..<rows).map { i in
                let mine = argmax(i)
                let others = (0..<rows).filter { $0 != i && argmax($0) != mine }
                return others.isEmpty ? (i + 1) % rows : others[generator.nextInt(below: others.count)]
            }
        }
    }

    final class EntropyRegularizedSHOT: SHOTObjective {
        override func unlabeledLoss(model: SemiSupervisedVAE, images: Tensor, weights: ObjectiveWeights,
                                     context: ForwardContext, terms: inout LossTerms) -> Variable {
            let base = super.unlabeledLoss(model: model, images: images, weights: weights,
                                            context: context, terms: &terms)
            let logAlpha = unlabeledPass(model: model, images: images, context: context).posterior.logProbabilities
            let entropy = -(logAlpha.exp() * logAlpha).sum() / Float(images.shape[0])
            terms[.unlabeled].additional["entropy"] = entropy.value.scalar
            return base + entropy * 0.1
        }
    }

    final class AntitheticSHOT: SHOTObjective {
        override func reparameterizationNoise(for draw: LatentDraw, context: ForwardContext) -> Tensor {
            var noise = super.reparameterizationNoise(for: draw, context: context)
            guard draw.part == .unlabeled, draw.pass == .plain, context.exampleRows == nil else { return noise }
            let (rows, width) = (draw.shape[0], draw.shape[1])
            for row in (rows + 1) / 2 ..< rows {
                for d in 0..<width { noise[row, d] = -noise[row - (rows + 1) / 2, d] }
            }
            return noise
        }
    }

    /// The antithetic objective as written: the unlabeled pass's `z - μ` is `σ ⊙ ε`, so the
    /// second half of the batch's `(z - μ) / σ` is minus the first half's; the labeled pass's
    /// is not.
    @Test func antitheticNoiseReachesTheModel() {
        final class Probe: SemiSupervisedVAE {
            var noises: [Tensor] = []
            override func continuousNoise(shape: [Int], context: ForwardContext) -> Tensor {
                let noise = super.continuousNoise(shape: shape, context: context)
                noises.append(noise)
                return noise
            }
        }
        var rng = RandomGenerator(seed: 3)
        let base = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 8, 8], hiddenCount: 16, generator: &rng)
        let model = Probe(encoder: base.encoder, featureCount: 16, latentCount: base.latentCount, classCount: base.classCount,
                          decoder: base.decoder, generator: &rng)
        let labeled = LabeledBatch(images: Tensor(uniform: [4, 1, 8, 8], in: -1...1, generator: &rng), labels: [0, 1, 2, 3])
        let unlabeled = Tensor(uniform: [6, 1, 8, 8], in: -1...1, generator: &rng)
        _ = AntitheticSHOT(configuration: .mnist).loss(
            model: model, labeled: labeled, unlabeled: unlabeled, progress: TrainingProgress(epoch: 0, step: 0, totalEpochs: 1),
            context: ForwardContext(isTraining: true, generator: rng.split()))
        #expect(model.noises.map(\.shape) == [[4, base.latentCount], [6, base.latentCount]])
        guard model.noises.count == 2 else { return }
        let width = base.latentCount
        let unlabeledNoise = model.noises[1].scalars, labeledNoise = model.noises[0].scalars
        #expect(Array(unlabeledNoise[(3 * width)...]) == unlabeledNoise[..<(3 * width)].map { -$0 })
        #expect(unlabeledNoise.contains { $0 != 0 })
        #expect(Array(labeledNoise[(2 * width)...]) != labeledNoise[..<(2 * width)].map { -$0 })
    }

    /// "Writing your own objective": each subclass runs a step and trains.
    @Test func customObjectivesRun() {
        var rng = RandomGenerator(seed: 1)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 8, 8], hiddenCount: 16, generator: &rng)
        let labeled = LabeledBatch(images: Tensor(uniform: [4, 1, 8, 8], in: -1...1, generator: &rng), labels: [0, 1, 2, 3])
        let unlabeled = Tensor(uniform: [8, 1, 8, 8], in: -1...1, generator: &rng)
        let objectives: [any VariationalObjective] = [
            UniformMixingSHOT(configuration: .mnist), ContrastingPartners(configuration: .mnist),
            EntropyRegularizedSHOT(configuration: .mnist), AntitheticSHOT(configuration: .mnist),
        ]
        for objective in objectives {
            let value = objective.loss(
                model: model, labeled: labeled, unlabeled: unlabeled, progress: TrainingProgress(epoch: 0, step: 0, totalEpochs: 1),
                context: ForwardContext(isTraining: true, generator: rng.split()))
            #expect(value.total.value.scalar.isFinite)
            value.total.backward()
            #expect(model.parameters.allSatisfy { $0.gradient != nil })
            model.zeroGradients()
            if objective is EntropyRegularizedSHOT { #expect(value.terms["unlabeled.entropy"] != nil) }
        }
    }

    // "Customizing the training loop": the hooks as written there.

    final class ValidationPlateau: TrainingHook {
        let patience: Int
        private(set) var best = Double.infinity
        private var epochsSinceBest = 0

        init(patience: Int) { self.patience = patience }

        func didEndEpoch(_ trainer: Trainer, report: EpochReport) throws {
            guard report.isComplete, let error = report.validation?.error else { return }
            if error < best {
                best = error
                epochsSinceBest = 0
            } else {
                epochsSinceBest += 1
            }
        }

        func shouldStop(_ trainer: Trainer, after report: EpochReport) -> Bool {
            epochsSinceBest >= patience
        }
    }

    final class GradientClipping: TrainingHook {
        let maximumNorm: Float

        init(maximumNorm: Float) { self.maximumNorm = maximumNorm }

        func didComputeGradients(_ trainer: Trainer, terms: LossTerms, progress: TrainingProgress) throws {
            let gradients = trainer.optimizer.parameters.compactMap(\.gradient)
            let norm = gradients.map { $0.scalars.reduce(0) { $0 + $1 * $1 } }.reduce(0, +).squareRoot()
            guard norm > maximumNorm else { return }
            let scale = maximumNorm / norm
            for parameter in trainer.optimizer.parameters {
                parameter.gradient = parameter.gradient.map { Tensor(shape: $0.shape, scalars: $0.scalars.map { $0 * scale }) }
            }
        }
    }

    /// The gradient norm each update sees.
    final class NormProbe: TrainingHook {
        var norms: [Float] = []
        func willUpdateParameters(_ trainer: Trainer, progress: TrainingProgress) throws {
            norms.append(trainer.optimizer.parameters.compactMap(\.gradient)
                .map { $0.scalars.reduce(0) { $0 + $1 * $1 } }.reduce(0, +).squareRoot())
        }
    }

    /// A short MLP run on 2,000 MNIST images with a validation set, `epochs` epochs.
    func shortTrainer(epochs: Int, hooks: [any TrainingHook]) throws -> (Trainer, SemiSupervisedSplit, LabeledImages) {
        var rng = RandomGenerator(seed: 3)
        let mnist = try MNIST(directory: MNIST.bundledDirectory)
        let split = try SemiSupervisedSplit(
            mnist.train.subset(Array(0..<2000)), labelsPerClass: 10, validationPerClass: 20, generator: &rng)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 28, 28], hiddenCount: 32, generator: &rng)
        let trainer = Trainer(
            model: model, objective: M2Objective(configuration: .mnist), optimizer: Adam(parameters: model.parameters),
            learningRateSchedule: ConstantLearningRate(1e-3),
            configuration: TrainingConfiguration(epochs: epochs, labeledBatchSize: 10, unlabeledBatchSize: 200, seed: 3))
        trainer.showsProgress = false
        trainer.hooks = hooks
        return (trainer, split, mnist.test.subset(Array(0..<500)))
    }

    @Test func validationPlateauStopsTheRun() throws {
        let impatient = ValidationPlateau(patience: 0)
        let (trainer, split, test) = try shortTrainer(epochs: 3, hooks: [impatient])
        let summary = try trainer.fit(split: split, test: test)
        #expect(summary.stopReason == .stoppedByHook && summary.epochs == 1)
        #expect(impatient.best == summary.validationError)

        let patient = ValidationPlateau(patience: 100)
        let (other, _, _) = try shortTrainer(epochs: 2, hooks: [patient])
        #expect(try other.fit(split: split, test: test).stopReason == .completed)
    }

    @Test func gradientClippingBoundsTheUpdate() throws {
        let probe = NormProbe()
        let (trainer, split, test) = try shortTrainer(epochs: 1, hooks: [GradientClipping(maximumNorm: 0.5), probe])
        try trainer.fit(split: split, test: test)
        #expect(probe.norms.count == trainer.configuration.epochs * 9)
        #expect(probe.norms.allSatisfy { $0 <= 0.5 * 1.0001 }, "\(probe.norms.max()!)")

        let unclipped = NormProbe()
        let (free, _, _) = try shortTrainer(epochs: 1, hooks: [unclipped])
        try free.fit(split: split, test: test)
        #expect(unclipped.norms.contains { $0 > 0.5 }, "the clipping above was not tested: every norm was small")
    }

    /// Every line of the article's swift blocks appears in this file.
    @Test func customizingTheTrainingLoopIsCompiled() throws {
        let root = ReadmeExampleTests.root
        let article = try String(
            contentsOf: root.appendingPathComponent("Sources/SHOTVAE/SHOTVAE.docc/CustomizingTheTrainingLoop.md"), encoding: .utf8)
        let test = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let compiled = Set(test.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let blocks = article.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let lines = blocks.joined().split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && $0 != "import SHOTVAE" }
        #expect(lines.count > 30)
        for line in lines { #expect(compiled.contains(line), "not compiled here: \(line)") }
    }

    @Test func warmupOverSteps() {
        let schedule = LinearWarmupLearningRate(
            steps: 500, then: MultiStepLearningRate(initial: 0.1, milestones: [400, 500, 550], factor: 0.1))
        let firstRate = schedule.learningRate(at: TrainingProgress(epoch: 0, step: 0, totalEpochs: 600))
        #expect(firstRate == 0.1 / 500)
    }
}
