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
                                     context: ForwardContext, terms: inout ObjectiveTerms) -> Variable {
            let base = super.unlabeledLoss(model: model, images: images, weights: weights,
                                            context: context, terms: &terms)
            let logAlpha = unlabeledPass(model: model, images: images, context: context).posterior.logProbabilities
            let entropy = -(logAlpha.exp() * logAlpha).sum() / Float(images.shape[0])
            terms.record("unlabeled", "entropy", entropy)
            return base + entropy * 0.1
        }
    }

    /// "Writing your own objective": each subclass runs a step and trains.
    @Test func customObjectivesRun() {
        var rng = RandomGenerator(seed: 1)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 8, 8], hiddenCount: 16, generator: &rng)
        let labeled = LabeledBatch(images: Tensor(uniform: [4, 1, 8, 8], in: -1...1, generator: &rng), labels: [0, 1, 2, 3])
        let unlabeled = Tensor(uniform: [8, 1, 8, 8], in: -1...1, generator: &rng)
        let objectives: [any VariationalObjective] = [
            UniformMixingSHOT(configuration: .mnist), ContrastingPartners(configuration: .mnist),
            EntropyRegularizedSHOT(configuration: .mnist),
        ]
        for objective in objectives {
            let value = objective.loss(
                model: model, labeled: labeled, unlabeled: unlabeled, progress: TrainingProgress(epoch: 0, step: 0, totalEpochs: 1),
                context: ForwardContext(isTraining: true, generator: rng.split()))
            #expect(value.total.value.scalar.isFinite)
            value.total.backward()
            #expect(model.parameters.allSatisfy { $0.gradient != nil })
            model.zeroGradients()
            if objective is EntropyRegularizedSHOT { #expect(value["unlabeled.entropy"] != nil) }
        }
    }
}
