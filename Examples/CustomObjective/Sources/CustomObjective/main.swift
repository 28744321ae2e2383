// An idea to try: mix unlabeled pairs with a coefficient drawn uniformly from [0, 1] instead of
// Beta(2, 2), and give the encoder a learned per-channel gain on its input. Everything else is
// SHOT-VAE as the library implements it.
import Foundation
import SHOTVAE

/// SHOT-VAE with a uniform mixing coefficient for the unlabeled interpolation.
final class UniformMixingSHOT: SHOTObjective {
    override func unlabeledMixingCoefficient(generator: inout RandomGenerator) -> Float {
        generator.nextUniform()
    }
}

/// A learned gain per input channel, `x · g`, initially 1.
final class ChannelGain: Layer {
    let gain: Parameter

    init(channels: Int) {
        gain = Parameter(Tensor(shape: [1, channels, 1, 1], repeating: 1))
    }

    var localParameters: [(name: String, parameter: Parameter)] { [("gain", gain)] }
    // Each image's output depends on that image alone, so the model may run both halves of
    // a step as one batch.
    var treatsExamplesIndependently: Bool { true }

    func callAsFunction(_ input: Variable, context: ForwardContext) -> Variable {
        input * context.variable(gain)
    }
}

let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 20
var rng = RandomGenerator(seed: 2024)
let mnist = try MNIST(directory: MNIST.bundledDirectory)
let train = mnist.train.subset(Array(0..<10_000)).padded(to: 32).scaled(to: -1...1)
let test = mnist.test.subset(Array(0..<2_000)).padded(to: 32).scaled(to: -1...1)
let split = try SemiSupervisedSplit(train, labelsPerClass: 10, generator: &rng)

let paper = SemiSupervisedVAE.mnist(generator: &rng)
let model = SemiSupervisedVAE(
    encoder: Sequential(named: [("gain", ChannelGain(channels: 1)), ("body", paper.encoder)]),
    featureCount: 256, latentCount: 10, classCount: 10, decoder: paper.decoder, generator: &rng)
// The paper's MNIST weights, with plain KL terms instead of the 25,000-step capacity ramp (which
// would keep the class posterior near uniform for the whole of a short run) and a small ELBO
// weight, so that a run of seconds already classifies.
var settings = ObjectiveConfiguration.mnist
settings.continuousKLWeight = .constant(1)
settings.discreteKLWeight = .constant(1)
settings.continuousCapacity = .constant(0)
settings.discreteCapacity = .constant(0)
settings.unlabeledClassificationWeight = .exponentialRamp(maximum: 200, length: 1, unit: .epochs)
settings.elboWeight = .constant(0.01)
let trainer = Trainer(
    model: model, objective: UniformMixingSHOT(configuration: settings),
    optimizer: Adam(parameters: model.parameters), learningRateSchedule: ConstantLearningRate(1e-3),
    configuration: TrainingConfiguration(
        epochs: 100, timeBudget: seconds, labeledBatchSize: 4, unlabeledBatchSize: 128, seed: 7, imageRange: -1...1))
trainer.showsProgress = false
let summary = try trainer.fit(split: split, test: test)
print("uniform-mixing SHOT-VAE with an input gain on 2,000 test images (chance: 90% error):", summary.outcome)
print("learned input gain:", model.namedParameters.first { $0.name == "encoder.gain.gain" }!.parameter.value.scalars)
