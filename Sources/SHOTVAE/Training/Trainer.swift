import Foundation

/// Trains a ``SemiSupervisedVAE`` with an objective and an optimizer, and keeps a record.
///
/// Each step draws a labeled batch (the labeled loader cycles) and an unlabeled batch,
/// evaluates the objective and its gradient
/// (``VariationalObjective/accumulateGradients(model:labeled:unlabeled:progress:context:)``)
/// and takes one optimizer step. Each epoch (a pass over the unlabeled set) ends with an
/// evaluation on the test set. With an output folder, the trainer writes there:
///
/// - `metrics.jsonl`: one JSON object per epoch (epoch, step, wall seconds since the start,
///   learning rate, each loss term's mean, test error, per-class accuracy);
/// - `checkpoint.safetensors`: everything needed to resume, written atomically each epoch;
/// - `reconstructions.png`, `samples.png`, `curves.svg`;
/// - `summary.json` when the run stops.
///
/// Runs stop after the planned epochs, a time or step budget, or Ctrl-C (which finishes the
/// step and writes a checkpoint). A resumed run continues bit for bit. A non-finite loss
/// stops the run with an error and leaves the last good checkpoint in place.
///
/// ```swift
/// let trainer = Trainer(model: model, objective: SHOTObjective(configuration: .mnist),
///                       optimizer: Adam(parameters: model.parameters, learningRate: 1e-3),
///                       configuration: TrainingConfiguration(epochs: 30, labeledBatchSize: 4,
///                                                            unlabeledBatchSize: 128, seed: 1),
///                       output: URL(fileURLWithPath: "runs/mnist"))
/// let summary = try trainer.fit(split: split, test: mnist.test)
/// ```
public final class Trainer {
    /// The model being trained.
    public let model: SemiSupervisedVAE
    /// The loss.
    public let objective: any VariationalObjective
    /// Updates the model's parameters.
    public let optimizer: any Optimizer
    /// Sets the optimizer's learning rate at the start of each epoch.
    public var learningRateSchedule: any LearningRateSchedule
    /// Epochs, budgets, batch sizes and the seed.
    public let configuration: TrainingConfiguration
    /// Where the records go; `nil` keeps nothing on disk.
    public let output: URL?
    /// The run's full configuration as JSON, stored in checkpoints and the summary.
    public var runDescription: String
    /// Shows progress on standard error.
    public var showsProgress: Bool = true
    /// Applied to every training batch (labeled and unlabeled), with draws from the run's
    /// generator; `nil` for none.
    public var augmentation: (any BatchAugmentation)?

    /// Creates a trainer.
    ///
    /// - Parameters:
    ///   - model: The model to train.
    ///   - objective: The loss.
    ///   - optimizer: The optimizer, bound to `model.parameters`.
    ///   - learningRateSchedule: The learning rate of each epoch; by default the optimizer's
    ///     initial rate throughout.
    ///   - configuration: Epochs, budgets, batch sizes and the seed.
    ///   - output: The folder for records and checkpoints, created if needed; `nil` for none.
    ///   - runDescription: The run's configuration as JSON, kept in checkpoints and the summary.
    public init(
        model: SemiSupervisedVAE, objective: any VariationalObjective, optimizer: any Optimizer,
        learningRateSchedule: (any LearningRateSchedule)? = nil, configuration: TrainingConfiguration,
        output: URL? = nil, runDescription: String = "{}"
    ) {
        self.model = model
        self.objective = objective
        self.optimizer = optimizer
        self.learningRateSchedule = learningRateSchedule ?? ConstantLearningRate(optimizer.learningRate)
        self.configuration = configuration
        self.output = output
        self.runDescription = runDescription
    }

    /// The checkpoint file in the output folder.
    public var checkpointURL: URL? { output?.appendingPathComponent("checkpoint.safetensors") }

    /// Trains on `split`, evaluating on `test` after every epoch.
    ///
    /// - Parameters:
    ///   - split: The labeled, unlabeled and validation sets.
    ///   - test: The test set.
    ///   - resume: Continue from the output folder's checkpoint instead of starting afresh.
    ///   - report: Called after every epoch.
    /// - Returns: How the run went.
    /// - Throws: ``SHOTVAEError`` when the output folder cannot be written, the checkpoint
    ///   to resume from is missing or does not fit, or the loss becomes NaN or infinite.
    @discardableResult
    public func fit(
        split: SemiSupervisedSplit, test: LabeledImages, resume: Bool = false,
        report: (EpochReport) -> Void = { _ in }
    ) throws -> TrainingSummary {
        try prepareOutput()
        var state = try resume ? restoredState(split: split) : freshState(split: split)
        var records = try resume ? previousRecords(before: state.epoch) : []
        if let output { try writeRecords(records, to: output.appendingPathComponent("metrics.jsonl")) }

        let display = ProgressDisplay()
        let interrupt = InterruptMonitor()
        defer { interrupt.stop() }
        let usesUnlabeled = objective.usesUnlabeledData
        let stepsPerEpoch = state.unlabeledOrder.batchesPerPass
        let sessionStart = Date()
        let elapsedBefore = state.elapsed
        var sessionSteps = 0
        var stopReason = StopReason.completed
        var lastReport: EpochReport?

        func elapsed() -> Double { elapsedBefore + Date().timeIntervalSince(sessionStart) }

        epochs: while state.epoch < configuration.epochs {
            optimizer.learningRate = learningRateSchedule.learningRate(atEpoch: state.epoch)
            var sums: [(name: String, value: Double)] = []
            var stepsThisEpoch = 0
            var budgetReached: StopReason?
            while state.stepInEpoch < stepsPerEpoch {
                let progress = TrainingProgress(epoch: state.epoch, step: state.step, totalEpochs: configuration.epochs)
                let labeledIndices = state.labeledOrder.next()
                let unlabeledIndices = state.unlabeledOrder.next()
                let context = ForwardContext(isTraining: true, generator: state.generator)
                var labeledImages = split.labeled.images(at: labeledIndices)
                var unlabeled = usesUnlabeled ? split.unlabeled.images(at: unlabeledIndices) : nil
                if let augmentation {
                    labeledImages = augmentation(labeledImages, generator: &context.generator)
                    unlabeled = unlabeled.map { augmentation($0, generator: &context.generator) }
                }
                let labeled = LabeledBatch(images: labeledImages, labels: labeledIndices.map { split.labeled.labels[$0] })
                let terms = objective.accumulateGradients(
                    model: model, labeled: labeled, unlabeled: unlabeled, progress: progress, context: context)
                guard let total = terms.last(where: { $0.name == "total" })?.value else {
                    preconditionFailure("accumulateGradients(...) returned no term named total.")
                }
                guard total.isFinite else {
                    let bad = terms.filter { !$0.value.isFinite }.map(\.name).joined(separator: ", ")
                    try writeSummary(nil, reason: nil, state: state, seconds: elapsed(), records: records,
                                     failure: "loss became \(total) at epoch \(state.epoch + 1), step \(state.step + 1)")
                    throw SHOTVAEError(
                        .numerical,
                        "the loss became \(total) at epoch \(state.epoch + 1), step \(state.step + 1) (non-finite terms: \(bad)); training stopped\(checkpointURL.map { ", the last good checkpoint is \($0.path)" } ?? "")")
                }
                optimizer.step()
                optimizer.zeroGradients()
                state.generator = context.generator
                state.step += 1
                state.stepInEpoch += 1
                sessionSteps += 1
                stepsThisEpoch += 1
                if sums.isEmpty { sums = terms.map { ($0.name, 0) } }
                for (i, term) in terms.enumerated() where i < sums.count { sums[i].value += Double(term.value) }

                let now = elapsed()
                if showsProgress {
                    let rate = Double(sessionSteps) / max(Date().timeIntervalSince(sessionStart), 1e-9)
                    let remainingSteps = (configuration.epochs - state.epoch) * stepsPerEpoch - state.stepInEpoch
                    var remaining = Double(remainingSteps) / max(rate, 1e-9)
                    if let budget = configuration.timeBudget { remaining = min(remaining, max(0, budget - now)) }
                    display.update(
                        epoch: state.epoch, totalEpochs: configuration.epochs, stepInEpoch: state.stepInEpoch,
                        stepsPerEpoch: stepsPerEpoch, stepsPerSecond: rate, remainingSeconds: remaining,
                        loss: total, now: now)
                }
                if interrupt.isRequested {
                    state.elapsed = now
                    try saveCheckpoint(state)
                    stopReason = .interrupted
                    if showsProgress {
                        display.line("Stopped at epoch \(state.epoch + 1), step \(state.step); resume with the same output folder.")
                    }
                    break epochs
                }
                if let budget = configuration.timeBudget, now >= budget { budgetReached = .timeBudget }
                if let budget = configuration.stepBudget, state.step >= budget { budgetReached = .stepBudget }
                if budgetReached != nil { break }
            }

            // End of the epoch (or of the budget): evaluate, record, checkpoint, draw.
            let testReport = ClassificationReport(model: model, set: test, batchSize: configuration.evaluationBatchSize)
            let validationReport = split.validation.count > 0
                ? ClassificationReport(model: model, set: split.validation, batchSize: configuration.evaluationBatchSize)
                : nil
            let epochReport = EpochReport(
                epoch: state.epoch, step: state.step, seconds: elapsed(), learningRate: optimizer.learningRate,
                terms: sums.map { ($0.name, $0.value / Double(max(stepsThisEpoch, 1))) },
                test: testReport, validation: validationReport, steps: stepsThisEpoch)
            if stepsThisEpoch > 0 || records.isEmpty {
                records.append(EpochRecord(epochReport))
            }
            lastReport = epochReport
            if state.stepInEpoch >= stepsPerEpoch {
                state.epoch += 1
                state.stepInEpoch = 0
            }
            state.elapsed = elapsed()
            try saveCheckpoint(state)
            if let output {
                try writeRecords(records, to: output.appendingPathComponent("metrics.jsonl"))
                try writePictures(test: test, records: records, to: output)
            }
            if showsProgress {
                display.line(String(
                    format: "epoch %d: test error %.2f%%%@, %d steps, %.0f s", epochReport.epoch + 1,
                    testReport.error * 100,
                    validationReport.map { String(format: ", validation error %.2f%%", $0.error * 100) } ?? "",
                    state.step, epochReport.seconds))
            }
            report(epochReport)
            if let budgetReached {
                stopReason = budgetReached
                break
            }
        }

        let summary = try writeSummary(lastReport, reason: stopReason, state: state, seconds: state.elapsed, records: records, failure: nil)
        return summary!
    }

    // MARK: - Run state

    /// Everything that changes during training, besides parameters and optimizer state.
    struct RunState {
        var epoch: Int
        var step: Int
        var stepInEpoch: Int
        var elapsed: Double
        var generator: RandomGenerator
        var labeledOrder: BatchOrder
        var unlabeledOrder: BatchOrder
    }

    func freshState(split: SemiSupervisedSplit) throws -> RunState {
        guard split.labeled.count >= configuration.labeledBatchSize else {
            throw SHOTVAEError(.invalidArgument, "a labeled batch of \(configuration.labeledBatchSize) needs at least that many labeled images, there are \(split.labeled.count)")
        }
        guard split.unlabeled.count >= configuration.unlabeledBatchSize else {
            throw SHOTVAEError(.invalidArgument, "an unlabeled batch of \(configuration.unlabeledBatchSize) needs at least that many images, there are \(split.unlabeled.count)")
        }
        var root = RandomGenerator(seed: configuration.seed)
        let labeled = BatchOrder(count: split.labeled.count, batchSize: configuration.labeledBatchSize, generator: root.split())
        let unlabeled = BatchOrder(count: split.unlabeled.count, batchSize: configuration.unlabeledBatchSize, generator: root.split())
        return RunState(epoch: 0, step: 0, stepInEpoch: 0, elapsed: 0, generator: root.split(),
                        labeledOrder: labeled, unlabeledOrder: unlabeled)
    }

    func restoredState(split: SemiSupervisedSplit) throws -> RunState {
        guard let url = checkpointURL else {
            throw SHOTVAEError(.invalidArgument, "resuming needs an output folder with a checkpoint")
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SHOTVAEError(.fileSystem, path: url.path, "no checkpoint to resume from")
        }
        let checkpoint = try Checkpoint(contentsOf: url)
        func counter(_ name: String) throws -> Int {
            guard let value = checkpoint.counters[name] else {
                throw SHOTVAEError(.invalidFile, path: url.path, "counter \"\(name)\" is missing")
            }
            return value
        }
        func generator(_ name: String) throws -> RandomGenerator.State {
            guard let value = checkpoint.generators[name] else {
                throw SHOTVAEError(.invalidFile, path: url.path, "generator \"\(name)\" is missing")
            }
            return value
        }
        func order(_ name: String, count: Int, batchSize: Int) throws -> BatchOrder {
            do {
                return try BatchOrder(
                    count: count, batchSize: batchSize, generator: try generator(name + "Order"),
                    order: checkpoint.sequences[name + "Order"] ?? [], position: try counter(name + "Position"))
            } catch let error as SHOTVAEError {
                throw SHOTVAEError(error.kind, path: url.path, error.reason + " (was the run started with other data or batch sizes?)")
            }
        }
        do {
            try checkpoint.restore(model: model, optimizer: optimizer)
        } catch let error as SHOTVAEError {
            throw SHOTVAEError(error.kind, path: url.path, error.reason)
        }
        return RunState(
            epoch: try counter("epoch"), step: try counter("step"), stepInEpoch: try counter("stepInEpoch"),
            elapsed: Double(try counter("elapsedMilliseconds")) / 1000,
            generator: RandomGenerator(state: try generator("training")),
            labeledOrder: try order("labeled", count: split.labeled.count, batchSize: configuration.labeledBatchSize),
            unlabeledOrder: try order("unlabeled", count: split.unlabeled.count, batchSize: configuration.unlabeledBatchSize))
    }

    func saveCheckpoint(_ state: RunState) throws {
        guard let url = checkpointURL else { return }
        let checkpoint = Checkpoint(
            model: model, optimizer: optimizer,
            generators: [
                "training": state.generator.state, "labeledOrder": state.labeledOrder.generator,
                "unlabeledOrder": state.unlabeledOrder.generator,
            ],
            counters: [
                "epoch": state.epoch, "step": state.step, "stepInEpoch": state.stepInEpoch,
                "elapsedMilliseconds": Int((state.elapsed * 1000).rounded()),
                "labeledPosition": state.labeledOrder.position, "unlabeledPosition": state.unlabeledOrder.position,
            ],
            sequences: ["labeledOrder": state.labeledOrder.order, "unlabeledOrder": state.unlabeledOrder.order],
            configuration: runDescription)
        try checkpoint.write(to: url)
    }

    // MARK: - Records

    func prepareOutput() throws {
        guard let output else { return }
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw SHOTVAEError(.fileSystem, path: output.path, "cannot create the output folder (\(error.localizedDescription))")
        }
    }

    /// The metrics of the epochs before `epoch`, read back from `metrics.jsonl`.
    func previousRecords(before epoch: Int) throws -> [EpochRecord] {
        guard let url = output?.appendingPathComponent("metrics.jsonl"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").compactMap { EpochRecord(jsonLine: String($0)) }.filter { $0.epoch < epoch }
    }

    func writeRecords(_ records: [EpochRecord], to url: URL) throws {
        let text = records.map { $0.jsonLine() + "\n" }.joined()
        try AtomicFile.write(Array(text.utf8), to: url)
    }

    func writePictures(test: LabeledImages, records: [EpochRecord], to folder: URL) throws {
        let likelihood = (objective as? ELBOObjective)?.configuration.reconstruction ?? .bernoulli
        let sample = test.images(at: Array(0..<min(10, test.count)))
        try RunPictures.writeReconstructions(
            model: model, images: sample, likelihood: likelihood, imageRange: configuration.imageRange,
            to: folder.appendingPathComponent("reconstructions.png"))
        try RunPictures.writeSamples(
            model: model, perClass: 10, likelihood: likelihood, imageRange: configuration.imageRange,
            seed: configuration.seed, to: folder.appendingPathComponent("samples.png"))
        try RunPictures.writeCurves(records, to: folder.appendingPathComponent("curves.svg"))
    }

    @discardableResult
    func writeSummary(
        _ last: EpochReport?, reason: StopReason?, state: RunState, seconds: Double, records: [EpochRecord],
        failure: String?
    ) throws -> TrainingSummary? {
        let summary = reason.map { reason in
            TrainingSummary(
                stopReason: reason, epochs: records.count, steps: state.step, seconds: seconds,
                testError: last?.test.error ?? records.last?.testError,
                testTop5Error: last?.test.top5Error ?? records.last?.testTop5Error,
                bestTestError: records.map(\.testError).min(),
                validationError: last?.validation?.error ?? records.last?.validationError,
                validationTop5Error: last?.validation?.top5Error ?? records.last?.validationTop5Error,
                perClassAccuracy: last?.test.perClassAccuracy ?? records.last?.perClassAccuracy,
                stepsPerSecond: seconds > 0 ? Double(state.step) / seconds : 0)
        }
        guard let output else { return summary }
        var object: [String: Any] = ["configuration": (try? JSONSerialization.jsonObject(with: Data(runDescription.utf8))) ?? runDescription]
        if let summary, let data = try? JSONEncoder().encode(summary),
            let fields = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            object.merge(fields) { a, _ in a }
        }
        if let failure {
            object["stopReason"] = "failed"
            object["failure"] = failure
            object["steps"] = state.step
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(data), to: output.appendingPathComponent("summary.json"))
        return summary
    }
}
