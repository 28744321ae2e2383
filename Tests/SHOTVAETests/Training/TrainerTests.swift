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
        stepBudget: Int? = nil, timeBudget: Double? = nil, runDescription: String = "{}",
        schedule: (any LearningRateSchedule)? = nil
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
            optimizer: Adam(parameters: model.parameters), learningRateSchedule: schedule ?? ConstantLearningRate(1e-3),
            configuration: TrainingConfiguration(
                epochs: epochs, timeBudget: timeBudget, stepBudget: stepBudget, labeledBatchSize: 10,
                unlabeledBatchSize: 100, seed: seed, imageRange: -1...1),
            output: output, runDescription: runDescription)
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
        let events = try EventFile.eventFiles(in: output).map(\.lastPathComponent)
        #expect(events.count == 1)
        #expect(summary.writtenFiles == ["metrics.jsonl"] + events + ["reconstructions.png", "samples.png", "checkpoint.safetensors", "curves.svg", "summary.json"])
        #expect(reports.map(\.epoch) == [1, 2, 3, 4, 5, 6] && reports.allSatisfy(\.isComplete))
        for key in ["epoch", "step", "epoch_steps", "seconds", "test_error", "unlabeled.reconstruction", "unlabeled.classification", "labeled.classification", "labeled.loss", "total"] {
            #expect(last[key] != nil, "metrics line lacks \(key)")
        }
        #expect((last["test_error"] as! NSNumber).doubleValue == summary.testError!)
        #expect(last["epoch"] as? Int == 6)
    }

    /// Stopping after a step budget and resuming from the checkpoint gives exactly the
    /// parameters and the records of an uninterrupted run, mid-epoch included.
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
        #expect(partial.position == "epoch 2, step 10 of 40")
        func records(_ folder: URL) throws -> [[String: Any]] {
            try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
                .map { $0.filter { $0.key != "seconds" } }
        }
        let resumed = try records(folder), uninterrupted = try records(scratch.file("reference"))
        #expect(resumed.count == 3, "one metrics line per epoch after resuming")
        for (a, b) in zip(resumed, uninterrupted) {
            #expect(NSDictionary(dictionary: a) == NSDictionary(dictionary: b), "records differ: \(a) against \(b)")
        }
    }

    /// A resumed run whose budget is already used up takes no step.
    @Test func spentBudgetTakesNoStep() throws {
        let folder = scratch.file("spent")
        let first = try makeTrainer(seed: 4, epochs: 3, output: folder, stepBudget: 30).fit(split: try split(seed: 4), test: Self.data.test)
        #expect(first.steps == 30 && first.stopReason == .stepBudget)
        let again = try makeTrainer(seed: 4, epochs: 3, output: folder, stepBudget: 30)
            .fit(split: try split(seed: 4), test: Self.data.test, resume: true)
        #expect(again.steps == 30 && again.stopReason == .stepBudget)
        #expect(again.testError == first.testError, "the summary keeps the last evaluation")
        let timed = try makeTrainer(seed: 4, epochs: 3, output: folder, timeBudget: 0.001)
            .fit(split: try split(seed: 4), test: Self.data.test, resume: true)
        #expect(timed.steps == 30 && timed.stopReason == .timeBudget)
    }

    /// Resuming with options other than the checkpoint's is refused, each change named; a
    /// changed budget is allowed.
    @Test func resumingWithOtherOptionsIsRefused() throws {
        let folder = scratch.file("options")
        let original = #"{"objective":"shot","seed":2,"timeBudgetMinutes":1}"#
        try makeTrainer(seed: 2, epochs: 2, output: folder, stepBudget: 5, runDescription: original)
            .fit(split: try split(seed: 2), test: Self.data.test)
        let other = makeTrainer(seed: 2, epochs: 2, output: folder, stepBudget: 10, runDescription: #"{"objective":"m2","seed":2,"timeBudgetMinutes":1}"#)
        do {
            try other.fit(split: try split(seed: 2), test: Self.data.test, resume: true)
            Issue.record("expected an error")
        } catch let error as SHOTVAEError {
            #expect(error.kind == .mismatch)
            #expect(error.reason.contains(#"objective was "shot", is now "m2""#), "\(error)")
            #expect(error.path?.hasSuffix("checkpoint.safetensors") == true)
        }
        let longer = try makeTrainer(seed: 2, epochs: 2, output: folder, stepBudget: 10, runDescription: #"{"objective":"shot","seed":2,"timeBudgetMinutes":5}"#)
            .fit(split: try split(seed: 2), test: Self.data.test, resume: true)
        #expect(longer.steps == 10)
    }

    /// A model whose class count is not the data's is refused before anything is written.
    @Test func modelWithOtherClassCountIsRefused() throws {
        var rng = RandomGenerator(seed: 1)
        let model = SemiSupervisedVAE.multilayerPerceptron(imageShape: [1, 28, 28], hiddenCount: 16, classCount: 7, generator: &rng)
        let trainer = Trainer(
            model: model, objective: SHOTObjective(configuration: .mnist), optimizer: Adam(parameters: model.parameters),
            learningRateSchedule: ConstantLearningRate(1e-3),
            configuration: TrainingConfiguration(epochs: 1, labeledBatchSize: 10, unlabeledBatchSize: 100, seed: 1))
        trainer.showsProgress = false
        #expect(throws: SHOTVAEError.self) { try trainer.fit(split: try split(seed: 1), test: Self.data.test) }
        do {
            try trainer.fit(split: try split(seed: 1), test: Self.data.test)
        } catch let error as SHOTVAEError {
            #expect(error.reason.contains("7 classes") && error.reason.contains("has 10"), "\(error)")
        }
    }

    /// Hooks run at their seams, in order; the schedule sets every step's rate; a hook stops
    /// the run.
    @Test func hooksRunAtTheirSeams() throws {
        final class Recorder: TrainingHook {
            var events: [String] = []
            var rates: [Float] = []
            func didComputeGradients(_ trainer: Trainer, terms: LossTerms, progress: TrainingProgress) throws {
                #expect(trainer.model.parameters.contains { $0.gradient != nil })
                events.append("gradients \(progress.step)")
            }
            func willUpdateParameters(_ trainer: Trainer, progress: TrainingProgress) throws {
                events.append("update \(progress.step)")
                rates.append(trainer.optimizer.learningRate)
            }
            func didEndEpoch(_ trainer: Trainer, report: EpochReport) throws { events.append("epoch \(report.epoch)") }
            func shouldStop(_ trainer: Trainer, after report: EpochReport) -> Bool { report.epoch == 2 }
        }
        let recorder = Recorder()
        let trainer = makeTrainer(seed: 6, epochs: 5, output: nil, schedule: LinearWarmupLearningRate(steps: 50, then: ConstantLearningRate(1e-3)))
        trainer.hooks = [recorder]
        let summary = try trainer.fit(split: try split(seed: 6), test: Self.data.test)
        #expect(summary.stopReason == .stoppedByHook && summary.epochs == 2 && summary.steps == 80)
        #expect(Array(recorder.events.prefix(4)) == ["gradients 0", "update 0", "gradients 1", "update 1"])
        #expect(recorder.events.filter { $0.hasPrefix("epoch") } == ["epoch 1", "epoch 2"])
        #expect(recorder.events[80] == "epoch 1" && recorder.events[161] == "epoch 2")
        expectClose(recorder.rates[0], 2e-5, relative: 1e-5)
        expectClose(recorder.rates[24], 5e-4, relative: 1e-5)
        #expect(recorder.rates[50...].allSatisfy { $0 == 1e-3 })
    }

    /// Ctrl-C finishes the step, writes a checkpoint and returns; the run resumes from it.
    @Test func interruptionWritesACheckpointAndReturns() throws {
        let folder = scratch.file("interrupted")
        let trainer = makeTrainer(seed: 7, epochs: 5, output: folder)
        let summary = try trainer.fit(split: try split(seed: 7), test: Self.data.test) { report in
            if report.epoch == 1 { kill(getpid(), SIGINT) }
        }
        #expect(summary.stopReason == .interrupted)
        #expect(summary.steps > 40 && summary.steps < 200)
        #expect(summary.writtenFiles.contains("checkpoint.safetensors"))
        let checkpoint = try Checkpoint(contentsOf: folder.appendingPathComponent("checkpoint.safetensors"))
        #expect(checkpoint.counters["step"] == summary.steps)
        let resumed = makeTrainer(seed: 7, epochs: 5, output: folder)
        let finished = try resumed.fit(split: try split(seed: 7), test: Self.data.test, resume: true)
        #expect(finished.stopReason == .completed && finished.steps == 200)
    }

    /// SIGTERM (a scheduler's stop, or mpirun passing on a Ctrl-C) is an interruption too.
    @Test func terminationSignalInterruptsLikeCtrlC() throws {
        final class Terminator: TrainingHook {
            func willUpdateParameters(_ trainer: Trainer, progress: TrainingProgress) throws {
                if progress.step == 4 { kill(getpid(), SIGTERM) }
            }
        }
        let folder = scratch.file("terminated")
        let trainer = makeTrainer(seed: 8, epochs: 2, output: folder)
        trainer.hooks = [Terminator()]
        let summary = try trainer.fit(split: try split(seed: 8), test: Self.data.test)
        #expect(summary.stopReason == .interrupted && (5...10).contains(summary.steps))
        #expect(summary.writtenFiles.contains("checkpoint.safetensors"))
    }

    /// Ctrl-C before the first evaluation: no error to report, no pictures written.
    @Test func interruptionBeforeAnyEvaluation() throws {
        final class Interrupter: TrainingHook {
            func willUpdateParameters(_ trainer: Trainer, progress: TrainingProgress) throws {
                if progress.step == 4 { kill(getpid(), SIGINT) }
            }
        }
        let folder = scratch.file("early")
        let trainer = makeTrainer(seed: 8, epochs: 2, output: folder)
        trainer.hooks = [Interrupter()]
        let summary = try trainer.fit(split: try split(seed: 8), test: Self.data.test)
        // The signal is seen once the monitor's handler has run: at the end of this step or soon after.
        #expect(summary.stopReason == .interrupted && (5...10).contains(summary.steps))
        #expect(summary.testError == nil)
        #expect(summary.outcome == "interrupted at epoch 1, step \(summary.steps) of 40 (\(summary.steps) steps, \(String(format: "%.0f", summary.seconds)) s): no evaluation yet")
        let events = try EventFile.eventFiles(in: folder).map(\.lastPathComponent)
        #expect(events.count == 1)
        #expect(summary.writtenFiles == ["metrics.jsonl"] + events + ["checkpoint.safetensors", "summary.json"])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("samples.png").path))
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
            terms: inout LossTerms
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
