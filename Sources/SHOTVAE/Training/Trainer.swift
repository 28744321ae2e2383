import Foundation

/// Trains a ``SemiSupervisedVAE`` with an objective and an optimizer, and keeps a record.
///
/// ``fit(split:test:resume:report:)`` runs epochs (passes over the unlabeled set) of
/// training steps. Each step (``trainingStep(_:split:)``) draws a labeled batch (the labeled
/// loader cycles) and an unlabeled batch, evaluates the objective and its gradient
/// (``VariationalObjective/accumulateGradients(model:labeled:unlabeled:progress:context:)``)
/// and takes one optimizer step at the rate of ``learningRateSchedule``. Each epoch ends
/// (``endEpoch(_:split:test:records:session:)``) with an evaluation on the test set, the
/// records, a checkpoint and pictures; then the trainer decides whether to go on. With an
/// output folder, the trainer writes there:
///
/// - `metrics.jsonl`: one JSON object per epoch (epoch from 1, step, wall seconds since the
///   start, learning rate, each loss term's mean over the epoch, test error, per-class
///   accuracy);
/// - `checkpoint.safetensors`: everything needed to resume, written atomically each epoch;
/// - the ``pictures`` (`reconstructions.png`, `samples.png`) and `curves.svg`;
/// - a TensorBoard event file, `events.out.tfevents.<time>.<host>`: every loss term's mean,
///   the learning rate and the test (and validation) error at each epoch's end, with the
///   pictures as images; the main terms every ``tensorBoardInterval`` steps. A resumed run
///   continues the same file (`tensorboard --logdir` the output folder, or its parent);
/// - `summary.json` when the run stops.
///
/// Runs stop after the planned epochs, a time or step budget (counted across resumptions),
/// a hook's request (``TrainingHook/shouldStop(_:after:)``), or Ctrl-C (which finishes the
/// step and writes a checkpoint). A resumed run continues bit for bit, and its records equal
/// an uninterrupted run's. A non-finite loss stops the run with an error and leaves the last
/// good checkpoint in place.
///
/// ```swift
/// import Foundation
/// import SHOTVAE
///
/// var rng = RandomGenerator(seed: 1)
/// let mnist = try MNIST(directory: MNIST.bundledDirectory)
/// let train = mnist.train.padded(to: 32).scaled(to: -1...1)
/// let test = mnist.test.padded(to: 32).scaled(to: -1...1)
/// let split = try SemiSupervisedSplit(train, labelsPerClass: 10, generator: &rng)
/// let model = SemiSupervisedVAE.mnist(meanPixel: train.meanPixel, generator: &rng)
/// let trainer = Trainer(model: model, objective: SHOTObjective(configuration: .mnist),
///                       optimizer: Adam(parameters: model.parameters),
///                       learningRateSchedule: ConstantLearningRate(1e-3),
///                       configuration: TrainingConfiguration(epochs: 30, labeledBatchSize: 4,
///                                                            unlabeledBatchSize: 128, seed: 1,
///                                                            imageRange: -1...1),
///                       output: URL(fileURLWithPath: "runs/mnist"))
/// let summary = try trainer.fit(split: split, test: test)
/// print(summary.testError ?? .nan)
/// ```
public final class Trainer {
    /// The model being trained.
    public let model: SemiSupervisedVAE
    /// The loss.
    public let objective: any VariationalObjective
    /// Updates the model's parameters; its learning rate is set from ``learningRateSchedule``
    /// before every step.
    public let optimizer: any Optimizer
    /// The learning rate of every step: the one owner of the run's learning rate.
    public var learningRateSchedule: any LearningRateSchedule
    /// Epochs, budgets, batch sizes and the seed.
    public let configuration: TrainingConfiguration
    /// Where the records go; `nil` keeps nothing on disk.
    public let output: URL?
    /// The run's full configuration as JSON, stored in checkpoints and the summary. A resumed
    /// run must describe itself the same way, but for the keys in ``changesAllowedOnResume``.
    public var runDescription: String
    /// Top-level keys of ``runDescription`` whose values may differ when a run is resumed:
    /// by default its budgets (`timeBudget`, `timeBudgetMinutes`, `stepBudget`).
    public var changesAllowedOnResume: Set<String> = ["timeBudget", "timeBudgetMinutes", "stepBudget"]
    /// Shows progress on standard error.
    public var showsProgress: Bool = true
    /// Applied to every training batch (labeled and unlabeled), with draws from the run's
    /// generator; `nil` for none.
    public var augmentation: (any BatchAugmentation)?
    /// Drawn into the output folder at the end of every epoch; by default the decoder's
    /// reconstructions and samples with the objective's likelihood. `nil` draws nothing.
    public var pictures: (any TrainingPictures)?
    /// Code run at the seams of the loop, in order.
    public var hooks: [any TrainingHook] = []
    /// Every this many steps, the step's main loss terms (`total`, each half's `loss`) and the
    /// learning rate go to the TensorBoard event file; every term goes there at each epoch's
    /// end. At least 1.
    public var tensorBoardInterval = 10 {
        didSet { precondition(tensorBoardInterval > 0, "The TensorBoard interval must be at least one step, got \(tensorBoardInterval).") }
    }
    /// The processes that train this run together; by default this process alone.
    ///
    /// With several, every process calls ``fit(split:test:resume:report:)`` with the same
    /// data, model, options and seed (checked at the start). Every process draws each step's
    /// whole batches alike and computes its own rows of them (``BatchShard``); the gradients
    /// are summed over the processes before every update, so that the run takes the steps a
    /// single process would take on the whole batch. Evaluation is divided among the
    /// processes too. Process 0 alone writes the output folder and shows progress.
    public var communicator: any Communicator = SingleProcessCommunicator()
    /// Whether, in a run spread over several processes, the gradients' sum starts during the
    /// step's last backward pass, bucket by bucket (``GradientBuckets``), or after it; `true`
    /// by default. Over a slow link a model with batch norm can be faster without the overlap:
    /// its synchronized statistics send small messages during the backward pass, which then
    /// queue behind the buckets (`shotvae-bench wrn-step` on two hosts over 1 Gbit/s: 2.52 s
    /// per step after the pass, 2.80 s during it).
    public var overlapsGradientSum = true
    /// The buckets of the gradients' sum over processes, made at the first step divided
    /// among processes.
    var gradientBuckets: GradientBuckets?
    /// During ``fit(split:test:resume:report:)`` with an output folder, the TensorBoard event
    /// file.
    var events: EventFile?
    /// During ``fit(split:test:resume:report:)`` of a run whose launcher gives notice before it
    /// kills the processes, the checkpoint written on that notice.
    var noticeCheckpoint: NoticeCheckpoint?

    /// Creates a trainer.
    ///
    /// - Parameters:
    ///   - model: The model to train.
    ///   - objective: The loss.
    ///   - optimizer: The optimizer, bound to `model.parameters`.
    ///   - learningRateSchedule: The learning rate of every step.
    ///   - configuration: Epochs, budgets, batch sizes and the seed.
    ///   - output: The folder for records and checkpoints, created if needed; `nil` for none.
    ///   - runDescription: The run's configuration as JSON, kept in checkpoints and the summary.
    public init(
        model: SemiSupervisedVAE, objective: any VariationalObjective, optimizer: any Optimizer,
        learningRateSchedule: any LearningRateSchedule, configuration: TrainingConfiguration,
        output: URL? = nil, runDescription: String = "{}"
    ) {
        self.model = model
        self.objective = objective
        self.optimizer = optimizer
        self.learningRateSchedule = learningRateSchedule
        self.configuration = configuration
        self.output = output
        self.runDescription = runDescription
        pictures = DecoderPictures(
            likelihood: objective.reconstructionLikelihood, imageRange: configuration.imageRange,
            seed: configuration.seed)
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
    /// - Throws: ``SHOTVAEError`` when the model's classes are not the data's, the output
    ///   folder cannot be written, the checkpoint to resume from is missing, does not fit or
    ///   was written by a run with other options, or the loss becomes NaN or infinite.
    @discardableResult
    public func fit(
        split: SemiSupervisedSplit, test: LabeledImages, resume: Bool = false,
        report: (EpochReport) -> Void = { _ in }
    ) throws -> TrainingSummary {
        try checkClasses(split: split, test: test)
        try checkProcesses(split: split, test: test)
        try prepareOutput()
        var run = try resume ? restoredState(split: split) : freshState(split: split)
        broadcastModel()
        var records = try resume ? previousRecords(through: run.stepInEpoch > 0 ? run.epoch + 1 : run.epoch) : []
        events = try openEvents(run, resume: resume)
        defer { events = nil }
        let session = TrainingSession(
            elapsedBefore: run.elapsed, showsProgress: showsProgress && keepsRecords,
            notice: communicator.interruptNotice, speaks: keepsRecords)
        defer { session.interrupt.stop() }
        noticeCheckpoint = watchForNotice(run, session: session)
        defer {
            noticeCheckpoint?.stop()
            noticeCheckpoint = nil
        }
        try writeRecords(records, session: session)
        if let events { session.wrote(events.url.lastPathComponent) }
        if let spent = budgetAlreadySpent(run) {
            session.line(spent.message)
            return try finish(run, records: records, reason: spent.reason, last: nil, session: session)
        }
        var last: EpochReport?
        var stop: StopReason?
        while stop == nil, run.epoch < configuration.epochs {
            stop = try trainEpoch(&run, split: split, session: session)
            if stop == .interrupted {
                try saveInterrupted(&run, session: session)
                break
            }
            let epochReport = try endEpoch(&run, split: split, test: test, records: &records, session: session)
            report(epochReport)
            last = epochReport
            stop = stop ?? stoppingDecision(after: epochReport)
        }
        return try finish(run, records: records, reason: stop ?? .completed, last: last, session: session)
    }

    /// Runs the current epoch's remaining steps; returns why the run must stop before the
    /// epoch's end (Ctrl-C or a budget), or `nil` when the epoch ran to its end.
    func trainEpoch(_ run: inout RunState, split: SemiSupervisedSplit, session: TrainingSession) throws -> StopReason? {
        while run.stepInEpoch < run.stepsPerEpoch {
            let stepStart = Date()
            let terms = try trainingStep(&run, split: split)
            session.steps += 1
            try writeStepEvents(terms, step: run.step)
            if session.steps == 1 { adviseOnInterrupts(stepSeconds: Date().timeIntervalSince(stepStart), session: session) }
            session.showProgress(run, totalEpochs: configuration.epochs, timeBudget: configuration.timeBudget, loss: terms.total)
            if let reason = stoppingDecision(run, session: session) { return reason }
        }
        return nil
    }

    /// Whether to stop after a step: Ctrl-C, then the time and step budgets. When the run is
    /// spread over several processes, a request of any process stops them all.
    func stoppingDecision(_ run: RunState, session: TrainingSession) -> StopReason? {
        let requests = agreedStopRequests(
            interrupted: session.interrupt.isRequested,
            outOfTime: configuration.timeBudget.map { session.elapsed() >= $0 } ?? false)
        if requests.interrupted { return .interrupted }
        if requests.outOfTime { return .timeBudget }
        if let budget = configuration.stepBudget, run.step >= budget { return .stepBudget }
        return nil
    }

    /// Whether to stop after an epoch's end: when a hook asks to.
    func stoppingDecision(after report: EpochReport) -> StopReason? {
        hooks.contains { $0.shouldStop(self, after: report) } ? .stoppedByHook : nil
    }

    /// A resumed run whose budget is already used up: the reason and what to tell the user.
    func budgetAlreadySpent(_ run: RunState) -> (reason: StopReason, message: String)? {
        if let budget = configuration.timeBudget, run.elapsed >= budget {
            return (.timeBudget, String(
                format: "Time budget already used: the run has trained %.0f s of its %.0f s budget (the budget counts across resumptions). Give a larger budget to train on.",
                run.elapsed, budget))
        }
        if let budget = configuration.stepBudget, run.step >= budget {
            return (.stepBudget, "Step budget already used: the run has taken \(run.step) of its \(budget) steps. Give a larger budget to train on.")
        }
        return nil
    }

    /// Refuses a model whose class count is not the data's.
    func checkClasses(split: SemiSupervisedSplit, test: LabeledImages) throws {
        for (name, count) in [("labeled set", split.labeled.classCount), ("test set", test.classCount)]
        where count != model.classCount {
            throw SHOTVAEError(
                .mismatch,
                "the model predicts \(model.classCount) classes, the \(name) has \(count); build the model with classCount \(count)")
        }
    }
}
