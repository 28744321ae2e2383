import Foundation

/// Everything that changes during training, besides parameters and optimizer state: what a
/// checkpoint keeps to continue a run exactly.
struct RunState {
    /// The current epoch, from 0.
    var epoch: Int
    /// Optimizer steps taken.
    var step: Int
    /// Steps taken in the current epoch.
    var stepInEpoch: Int
    /// Wall seconds trained, across resumptions.
    var elapsed: Double
    var generator: RandomGenerator
    var labeledOrder: BatchOrder
    var unlabeledOrder: BatchOrder
    /// The loss sums of the current epoch's steps.
    var epochSums = LossTermSums()

    /// Steps in one epoch: one pass over the unlabeled set.
    var stepsPerEpoch: Int { unlabeledOrder.batchesPerPass }

    func progress(totalEpochs: Int) -> TrainingProgress {
        TrainingProgress(epoch: epoch, step: step, totalEpochs: totalEpochs, stepsPerEpoch: stepsPerEpoch)
    }
}

extension Trainer {
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
        try checkResumedConfiguration(checkpoint.configuration, checkpoint: url)
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
        let stepInEpoch = try counter("stepInEpoch")
        let sums = checkpoint.measurements.compactMap { name, value in
            name.hasPrefix(Self.epochSumPrefix) ? (name: String(name.dropFirst(Self.epochSumPrefix.count)), value: value) : nil
        }
        return RunState(
            epoch: try counter("epoch"), step: try counter("step"), stepInEpoch: stepInEpoch,
            elapsed: Double(try counter("elapsedMilliseconds")) / 1000,
            generator: RandomGenerator(state: try generator("training")),
            labeledOrder: try order("labeled", count: split.labeled.count, batchSize: configuration.labeledBatchSize),
            unlabeledOrder: try order("unlabeled", count: split.unlabeled.count, batchSize: configuration.unlabeledBatchSize),
            epochSums: LossTermSums(sums: LossTermSums.canonicallyOrdered(sums), steps: sums.isEmpty ? 0 : stepInEpoch))
    }

    /// The prefix of the current epoch's loss sums among a checkpoint's measurements.
    static let epochSumPrefix = "epochLossSum."

    func saveCheckpoint(_ run: RunState, session: TrainingSession) throws {
        guard let url = checkpointURL, keepsRecords else { return }
        let write = { try self.checkpoint(of: run).write(to: url) }
        // Never while the checkpoint on the launcher's notice is being written.
        if let noticeCheckpoint { try noticeCheckpoint.exclusively(write) } else { try write() }
        session.wrote(url.lastPathComponent)
    }

    /// The checkpoint of `run` with the model's parameters and the optimizer's state, and the
    /// model's buffers or `buffers` when given.
    func checkpoint(of run: RunState, buffers: [(name: String, value: Tensor)]? = nil) -> Checkpoint {
        var checkpoint = Checkpoint(
            model: model, optimizer: optimizer,
            generators: [
                "training": run.generator.state, "labeledOrder": run.labeledOrder.generator,
                "unlabeledOrder": run.unlabeledOrder.generator,
            ],
            counters: [
                "epoch": run.epoch, "step": run.step, "stepInEpoch": run.stepInEpoch,
                "elapsedMilliseconds": Int((run.elapsed * 1000).rounded()),
                "labeledPosition": run.labeledOrder.position, "unlabeledPosition": run.unlabeledOrder.position,
            ],
            sequences: ["labeledOrder": run.labeledOrder.order, "unlabeledOrder": run.unlabeledOrder.order],
            measurements: Dictionary(uniqueKeysWithValues: run.epochSums.sums.map { (Self.epochSumPrefix + $0.name, $0.value) }),
            configuration: runDescription)
        if let buffers { checkpoint.buffers = buffers }
        return checkpoint
    }

    /// Process 0's checkpoint on the launcher's notice, when the launcher gives one and the run
    /// has an output folder; `nil` otherwise.
    func watchForNotice(_ run: RunState, session: TrainingSession) -> NoticeCheckpoint? {
        guard communicator.interruptNotice != nil, keepsRecords, let url = checkpointURL else { return nil }
        let start = session.elapsed() - run.elapsed
        return NoticeCheckpoint(
            run: run, buffers: model.namedBuffers.map { ($0.name, $0.buffer.value) },
            isRequested: { [interrupt = session.interrupt] in interrupt.isRequested }
        ) { [self] saved, buffers in
            var saved = saved
            saved.elapsed = session.elapsed() - start
            let message: String
            do {
                try checkpoint(of: saved, buffers: buffers).write(to: url)
                message = "Checkpoint of step \(saved.step) written (the state before the step under way), in case the launcher ends the processes before that step finishes.\n"
            } catch {
                message = "Could not write the checkpoint of step \(saved.step): \(error)\n"
            }
            FileHandle.standardError.write(Data(message.utf8))
        }
    }

    /// Refuses to resume a run whose description differs from the checkpoint's, but for the
    /// keys in ``changesAllowedOnResume``; names each difference.
    func checkResumedConfiguration(_ saved: String, checkpoint url: URL) throws {
        func object(_ text: String) -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        func text(_ value: Any?) -> String {
            guard let value else { return "absent" }
            guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed])
            else { return "\(value)" }
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        }
        guard let before = object(saved), let now = object(runDescription) else {
            if saved != runDescription {
                throw SHOTVAEError(.mismatch, path: url.path, "the run was started with another configuration: \(saved.prefix(200))")
            }
            return
        }
        let changes = Set(before.keys).union(now.keys).subtracting(changesAllowedOnResume).sorted().compactMap { key in
            text(before[key]) == text(now[key]) ? nil : "\(key) was \(text(before[key])), is now \(text(now[key]))"
        }
        guard changes.isEmpty else {
            throw SHOTVAEError(
                .mismatch, path: url.path,
                "the run was started with other options (\(changes.joined(separator: "; "))); resume it with its own options, or start a new run in another output folder")
        }
    }
}
