import Foundation
import Testing

@testable import SHOTVAE

@Suite struct ModelTests {
    @Test func mnistModelHasThePapersShapes() {
        var rng = RandomGenerator(seed: 1)
        let model = SemiSupervisedVAE.mnist(generator: &rng)
        let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 2))
        let pass = model.reconstruct(Variable(Tensor(shape: [3, 1, 32, 32])), classes: .sampled, context: context)
        #expect(pass.posterior.mean.shape == [3, 10])
        #expect(pass.posterior.logSigma.shape == [3, 10])
        #expect(pass.posterior.logProbabilities.shape == [3, 10])
        #expect(pass.output.shape == [3, 1, 32, 32])
        // Encoder 1.4 M multiply-adds... parameters: convs 544 + 32832 + 65600, dense 262400,
        // heads 3 × 2570, decoder 5376 + 263168 + 32800 + 16416 + 513.
        #expect(model.parameterCount == 544 + 32_832 + 65_600 + 262_400 + 3 * 2_570 + 5_376 + 263_168 + 32_800 + 16_416 + 513)
        #expect(pass.output.value.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    /// A model like its parent that runs every batch on its own.
    final class SeparatePasses: SemiSupervisedVAE {
        override var treatsExamplesIndependently: Bool { false }
    }

    /// Two models with the same encoder and decoder layers and equal heads: one runs batches as
    /// one, the other one at a time.
    static func jointAndSeparate(seed: UInt64) -> (joint: SemiSupervisedVAE, separate: SemiSupervisedVAE) {
        var rng = RandomGenerator(seed: seed)
        let base = SemiSupervisedVAE.multilayerPerceptron(
            imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 3, classCount: 4, generator: &rng)
        var first = rng, second = rng
        return (SemiSupervisedVAE(encoder: base.encoder, featureCount: 8, latentCount: 3, classCount: 4,
                                  decoder: base.decoder, generator: &first),
                SeparatePasses(encoder: base.encoder, featureCount: 8, latentCount: 3, classCount: 4,
                               decoder: base.decoder, generator: &second))
    }

    /// Batches run as one give each batch the pass it gets alone: the same draws in the same
    /// order, the same values and the same gradients.
    @Test func batchesRunAsOneMatchOnePassPerBatch() {
        let (joint, separate) = Self.jointAndSeparate(seed: 11)
        #expect(joint.treatsExamplesIndependently && !separate.treatsExamplesIndependently)
        var rng = RandomGenerator(seed: 12)
        let batches: [(images: Tensor, classes: SemiSupervisedVAE.ClassInput)] = [
            (Tensor(uniform: [3, 1, 4, 4], generator: &rng), .labels([2, 0, 3])),
            (Tensor(uniform: [5, 1, 4, 4], generator: &rng), .sampled),
            (Tensor(uniform: [2, 1, 4, 4], generator: &rng), .distributions(Tensor(uniform: [2, 4], generator: &rng))),
        ]
        func run(_ model: SemiSupervisedVAE) -> (values: [Tensor], gradients: [Tensor?], next: UInt64) {
            model.zeroGradients()
            let context = ForwardContext(isTraining: true, generator: RandomGenerator(seed: 13))
            let passes = model.reconstruct(batches, context: context)
            let values = passes.flatMap {
                [$0.posterior.mean.value, $0.posterior.logSigma.value, $0.posterior.logProbabilities.value,
                 $0.z.value, $0.y.value, $0.output.value]
            }
            // A loss that weighs each batch differently, so that a misplaced row would show.
            let loss = passes.enumerated().map { index, pass in
                ((pass.output * pass.output).sum() + (pass.z * pass.z).sum() + (pass.y * pass.posterior.logProbabilities).sum()) * Float(index + 1)
            }.reduce(Variable(Tensor(0)), +)
            loss.backward()
            return (values, model.parameters.map(\.gradient), context.generator.next())
        }
        let a = run(joint), b = run(separate)
        #expect(a.next == b.next, "the same number of draws")
        #expect(a.values.map(\.shape) == b.values.map(\.shape))
        for (x, y) in zip(a.values, b.values) { expectClose(x, y, relative: 1e-5, absolute: 1e-6) }
        for (x, y) in zip(a.gradients, b.gradients) {
            guard let x, let y else { Issue.record("missing gradient"); continue }
            expectClose(x, y, relative: 1e-5, absolute: 1e-6)
        }
    }

    /// Batch normalization mixes a batch's examples, so a model with it runs batches apart; a
    /// custom layer takes part only when it says so.
    @Test func onlyLayersThatSaySoRunBatchesAsOne() {
        final class Opaque: Layer {
            func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable { input }
        }
        final class Transparent: Layer {
            var treatsExamplesIndependently: Bool { true }
            func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable { input }
        }
        var rng = RandomGenerator(seed: 1)
        #expect(SemiSupervisedVAE.mnist(generator: &rng).treatsExamplesIndependently)
        #expect(!BatchNorm(featureCount: 4).treatsExamplesIndependently)
        #expect(!WideResNet(depth: 10, widthFactor: 1, generator: &rng).treatsExamplesIndependently)
        #expect(!Sequential([Dense(inputCount: 2, outputCount: 2, generator: &rng), Opaque()]).treatsExamplesIndependently)
        #expect(Sequential([Dense(inputCount: 2, outputCount: 2, generator: &rng), Transparent()]).treatsExamplesIndependently)
        #expect(!Sequential([]).treatsExamplesIndependently)
    }

    /// `meanPixel` moves only the bias of the decoder's last layer, to atanh(meanPixel), and
    /// draws nothing from the generator: every other initial weight stays the same.
    @Test func meanPixelStartsTheDecoderOutputAtTheDataMean() {
        var plainGenerator = RandomGenerator(seed: 5)
        var shiftedGenerator = RandomGenerator(seed: 5)
        let plain = SemiSupervisedVAE.mnist(generator: &plainGenerator)
        let shifted = SemiSupervisedVAE.mnist(meanPixel: -0.8, generator: &shiftedGenerator)
        #expect(plainGenerator.next() == shiftedGenerator.next())
        let names = plain.namedParameters.map(\.name)
        #expect(names == shifted.namedParameters.map(\.name))
        #expect(names.last { $0.hasPrefix("decoder.") } == "decoder.9.bias")
        for ((name, a), (_, b)) in zip(plain.namedParameters, shifted.namedParameters) {
            if name == "decoder.9.bias" {
                expectClose(b.value.scalars[0], Foundation.atanh(-0.8), relative: 1e-6)
                #expect(a.value.scalars[0] != b.value.scalars[0])
            } else {
                #expect(a.value.scalars == b.value.scalars, "\(name)")
            }
        }
        // A blank data set (every pixel -1) gives the bias of -0.999 instead of -infinity.
        var blankGenerator = RandomGenerator(seed: 5)
        let blank = SemiSupervisedVAE.mnist(meanPixel: -1, generator: &blankGenerator)
        let bias = blank.namedParameters.first { $0.name == "decoder.9.bias" }!.parameter.value.scalars[0]
        expectClose(bias, Foundation.atanh(-0.999), relative: 1e-5)
    }

    @Test func samplerDrawsReparameterizedAndRelaxedLatents() {
        let sampler = LatentSampler(temperature: 0.67)
        var rng = RandomGenerator(seed: 3)
        let logAlpha = Variable(Tensor(shape: [4, 5], scalars: (0..<20).map { Float($0 % 5) })).logSoftmax()
        let y = sampler.categorical(logProbabilities: logAlpha, generator: &rng).value
        for row in 0..<4 { expectClose((0..<5).reduce(0) { $0 + y[row, $1] }, 1, relative: 1e-6) }
        // z = μ + exp(log σ) ε with a given ε.
        let z = sampler.continuous(
            mean: Variable(Tensor(shape: [1, 2], scalars: [1, 2])), logSigma: Variable(Tensor(shape: [1, 2], scalars: [0, Float(0.5).squareRoot()])),
            noise: Tensor(shape: [1, 2], scalars: [0.5, -1]))
        expectClose(z.value, Tensor(shape: [1, 2], scalars: [1.5, 2 - Foundation.exp(Float(0.5).squareRoot())]))
        #expect(LatentSampler.oneHot([2, 0], classCount: 3).scalars == [0, 0, 1, 1, 0, 0])
        expectClose(LatentSampler.mixedOneHot([2, 0], partners: [1, 0], coefficient: 0.75, classCount: 3),
                    Tensor(shape: [2, 3], scalars: [0.25, 0, 0.75, 0.75, 0, 0.25]))
    }

    @Test func predictionIsTheArgmaxOfAlpha() {
        var rng = RandomGenerator(seed: 4)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 4, 4], hiddenCount: 8, latentCount: 2, classCount: 3, generator: &rng)
        let images = Tensor(uniform: [7, 1, 4, 4], generator: &rng)
        let logAlpha = model.classLogProbabilities(images, batchSize: 3)
        let predictions = model.predict(images, batchSize: 2)
        for (i, k) in predictions.enumerated() {
            #expect((0..<3).allSatisfy { logAlpha[i, $0] <= logAlpha[i, k] })
        }
    }
}
