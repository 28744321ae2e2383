import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import SHOTVAE

/// The trainer on real MNIST: learning, records, exact resumption, interruption and failure.
@Suite(.serialized) struct TrainerTests {
    let scratch = TemporaryFolder()

    /// MNIST in [-1, 1], reduced: `trainCount` training images, 1,000 test images.
    static let data: (train: LabeledImages, test: LabeledImages) = {
        let mnist = try! MNIST(directory: MNIST.bundledDirectory)  // the bundled files are tested in MNISTTests
        let train = mnist.train.subset(Array(0..<4000)).scaled(to: -1...1)
        let test = mnist.test.subset(Array(0..<1000)).scaled(to: -1...1)
        return (train, test)
    }()

    func makeTrainer(
        seed: UInt64, epochs: Int, output: URL?, objective: (any VariationalObjective)? = nil,
        stepBudget: Int? = nil
    ) -> Trainer {
        var rng = RandomGenerator(seed: seed)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 28, 28], hiddenCount: 128, generator: &rng)
        // The MNIST recipe with light, plain KL terms: its 25,000-step capacity ramp would keep
        // α near uniform for the whole of this short run.
        var settings = ObjectiveConfiguration.mnist
        settings.continuousKLWeight = .constant(1)
        settings.discreteKLWeight = .constant(1)
        settings.continuousCapacity = .constant(0)
        settings.discreteCapacity = .constant(0)
        settings.unlabeledClassificationWeight = .exponentialRamp(maximum: 10, length: 2, unit: .epochs)
        let trainer = Trainer(
            model: model, objective: objective ?? SHOTObjective(configuration: settings),
            optimizer: Adam(parameters: model.parameters, learningRate: 1e-3),
            configuration: TrainingConfiguration(
                epochs: epochs, stepBudget: stepBudget, labeledBatchSize: 10, unlabeledBatchSize: 100,
                seed: seed, imageRange: -1...1),
            output: output)
        trainer.showsProgress = false
        return trainer
    }

    func split(seed: UInt64) throws -> SemiSupervisedSplit {
        var rng = RandomGenerator(seed: seed)
        return try SemiSupervisedSplit(Self.data.train, labelsPerClass: 10, generator: &rng)
    }

    /// A short real run (an MLP VAE on 4,000 images with 100 labels, a few seconds) beats
    /// chance (90% error) by far, and leaves every record behind.
    @Test func shortRunLearnsAndWritesItsRecords() throws {
        let output = scratch.file("run")
        let trainer = makeTrainer(seed: 3, epochs: 6, output: output)
        var reports: [EpochReport] = []
        let summary = try trainer.fit(split: try split(seed: 3), test: Self.data.test) { reports.append($0) }
        #expect(summary.stopReason == .completed)
        #expect(summary.epochs == 6 && summary.steps == 6 * 40)
        #expect(summary.testError! < 0.5, "test error \(summary.testError!) after 6 short epochs (chance: 0.9)")
        #expect(reports.count == 6)
        for file in ["metrics.jsonl", "summary.json", "checkpoint.safetensors", "reconstructions.png", "samples.png", "curves.svg"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file) missing")
        }
        let lines = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 6)
        let last = try JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as! [String: Any]
        for key in ["epoch", "step", "seconds", "test_error", "unlabeled.reconstruction", "unlabeled.classification", "labeled.classification", "total"] {
            #expect(last[key] != nil, "metrics line lacks \(key)")
        }
        #expect((last["test_error"] as! NSNumber).doubleValue == summary.testError!)
    }

    /// Stopping after a step budget and resuming from the checkpoint gives exactly the
    /// parameters of an uninterrupted run, mid-epoch included.
    @Test func resumedRunEqualsUninterruptedRun() throws {
        let reference = makeTrainer(seed: 5, epochs: 3, output: scratch.file("reference"))
        try reference.fit(split: try split(seed: 5), test: Self.data.test)

        let folder = scratch.file("resumed")
        let first = makeTrainer(seed: 5, epochs: 3, output: folder, stepBudget: 50)  // stops mid-epoch 2
        let partial = try first.fit(split: try split(seed: 5), test: Self.data.test)
        #expect(partial.stopReason == .stepBudget && partial.steps == 50)
        let second = makeTrainer(seed: 99, epochs: 3, output: folder)
        let summary = try second.fit(split: try split(seed: 5), test: Self.data.test, resume: true)
        #expect(summary.steps == 120)
        for (a, b) in zip(reference.model.namedParameters, second.model.namedParameters) {
            #expect(a.parameter.value == b.parameter.value, "\(a.name) differs after resuming")
        }
        let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3, "one metrics line per epoch after resuming")
    }

    /// Ctrl-C finishes the step, writes a checkpoint and returns; the run resumes from it.
    @Test func interruptionWritesACheckpointAndReturns() throws {
        let folder = scratch.file("interrupted")
        let trainer = makeTrainer(seed: 7, epochs: 5, output: folder)
        let summary = try trainer.fit(split: try split(seed: 7), test: Self.data.test) { report in
            if report.epoch == 0 { kill(getpid(), SIGINT) }
        }
        #expect(summary.stopReason == .interrupted)
        #expect(summary.steps > 40 && summary.steps < 200)
        let checkpoint = try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.safetensors"))
        #expect(checkpoint.counters["step"] == summary.steps)
        let resumed = makeTrainer(seed: 7, epochs: 5, output: folder)
        let finished = try resumed.fit(split: try split(seed: 7), test: Self.data.test, resume: true)
        #expect(finished.stopReason == .completed && finished.steps == 200)
    }

    /// An objective whose unlabeled half turns NaN at step 45 (epoch 2).
    final class FailingObjective: SHOTObjective {
        var step = 0
        override func weights(at progress: TrainingProgress) -> ObjectiveWeights {
            step = progress.step
            return super.weights(at: progress)
        }
        override func unlabeledLoss(
            model: SemiSupervisedVAE, images: Tensor, weights: ObjectiveWeights, context: ForwardContext,
            terms: inout ObjectiveTerms
        ) -> Variable {
            let loss = super.unlabeledLoss(model: model, images: images, weights: weights, context: context, terms: &terms)
            return step == 45 ? loss * Float.nan : loss
        }
    }

    @Test func nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let folder = scratch.file("failing")
        let trainer = makeTrainer(seed: 9, epochs: 3, output: folder, objective: FailingObjective(configuration: .mnist))
        do {
            try trainer.fit(split: try split(seed: 9), test: Self.data.test)
            Issue.record("expected an error")
        } catch let error as SHOTVAEError {
            #expect(error.kind == .numerical)
            #expect(error.reason.contains("epoch 2, step 46"), "\(error)")
            #expect(error.reason.contains("checkpoint.safetensors"), "\(error)")
        }
        let checkpoint = try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.safetensors"))
        #expect(checkpoint.counters["step"] == 40)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json"))) as! [String: Any]
        #expect(summary["stopReason"] as? String == "failed")
    }

    @Test func resumingWithoutACheckpointThrows() throws {
        let trainer = makeTrainer(seed: 1, epochs: 1, output: scratch.file("empty"))
        #expect(throws: SHOTVAEError.self) { try trainer.fit(split: try split(seed: 1), test: Self.data.test, resume: true) }
    }
}
