import Foundation
import Testing

@testable import SHOTVAE

@Suite struct WideResNetTests {
    /// The counts of the PyTorch reference models in Benchmarks/peers/torch_shot_wrn.py.
    @Test func parameterCountsMatchTheReference() {
        var rng = RandomGenerator(seed: 1)
        #expect(WideResNet(depth: 28, widthFactor: 2, generator: &rng).parameterCount == 1_466_560)
        #expect(SemiSupervisedVAE.dcganDecoder(inputCount: 138, generator: &rng).parameterCount == 11_289_472)
        let model = SemiSupervisedVAE.cifar(widthFactor: 2, classCount: 10, generator: &rng)
        // Heads: 2 · (128 · 128 + 128) + (128 · 10 + 10) = 34,314.
        #expect(model.parameterCount == 1_466_560 + 34_314 + 11_289_472)
    }

    @Test func shapesThroughTheCIFARModel() {
        var rng = RandomGenerator(seed: 2)
        let model = SemiSupervisedVAE.cifar(widthFactor: 1, classCount: 100, generator: &rng)
        let pass = model.reconstruct(
            Variable(Tensor(uniform: [2, 3, 32, 32], generator: &rng)), classes: .sampled,
            context: ForwardContext(isTraining: true, generator: rng))
        #expect(pass.posterior.mean.shape == [2, 128])
        #expect(pass.posterior.logProbabilities.shape == [2, 100])
        #expect(pass.output.shape == [2, 3, 32, 32])
    }

    /// A narrow WRN (depth 10, width 1) trained a few SHOT-VAE steps on generated CIFAR-like
    /// data lowers its loss.
    @Test func fewStepsOfANarrowNetworkReduceTheLoss() {
        var rng = RandomGenerator(seed: 3)
        let encoder = WideResNet(depth: 10, widthFactor: 1, generator: &rng)
        let decoder = SemiSupervisedVAE.dcganDecoder(inputCount: 16 + 10, generator: &rng)
        let model = SemiSupervisedVAE(encoder: encoder, featureCount: 64, latentCount: 16, classCount: 10, decoder: decoder, generator: &rng)
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.02, momentum: 0.9, weightDecay: 5e-4)
        var settings = ObjectiveConfiguration.cifar10(epochs: 10)
        settings.elboWeight = .constant(1e-3)
        let objective = SHOTObjective(configuration: settings)
        // Class k: a colour blob in the k-th of ten positions.
        func batch(_ labels: [Int]) -> Tensor {
            var images = Tensor(uniform: [labels.count, 3, 32, 32], in: 0...0.2, generator: &rng)
            for (n, k) in labels.enumerated() {
                for y in (3 * k)..<(3 * k + 3) { for x in 0..<32 { images[n, k % 3, y, x] = 1 } }
            }
            return images
        }
        let labels = (0..<16).map { $0 % 10 }
        let labeled = LabeledBatch(images: batch(labels), labels: labels)
        let unlabeled = batch((0..<16).map { ($0 * 7) % 10 })
        let augmentation = PadCropFlip()
        var losses: [Float] = []
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 4))
        for step in 0..<12 {
            let value = objective.loss(
                model: model, labeled: LabeledBatch(images: augmentation(labeled.images, generator: &context.generator), labels: labels),
                unlabeled: augmentation(unlabeled, generator: &context.generator),
                progress: TrainingProgress(epoch: 5, step: step, totalEpochs: 10), context: context)
            losses.append(value.total.value.scalar)
            value.total.backward()
            optimizer.step()
            optimizer.zeroGradients()
        }
        let first = losses.prefix(3).reduce(0, +) / 3
        let last = losses.suffix(3).reduce(0, +) / 3
        #expect(last < 0.8 * first, "loss \(first) → \(last)")
    }
}
