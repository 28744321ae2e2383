import Foundation

extension Trainer {
    /// The end of an epoch, or of the part of it a budget allowed: evaluation on the test (and
    /// validation) set, the epoch's record, a checkpoint, the pictures, a line on the console
    /// and the hooks. Returns the epoch's report.
    func endEpoch(
        _ run: inout RunState, split: SemiSupervisedSplit, test: LabeledImages, records: inout [EpochRecord],
        session: TrainingSession
    ) throws -> EpochReport {
        let report = EpochReport(
            epoch: run.epoch + 1, step: run.step, seconds: session.elapsed(), learningRate: optimizer.learningRate,
            terms: run.epochSums.mean,
            test: ClassificationReport(
                model: model, set: test, batchSize: configuration.evaluationBatchSize, communicator: communicator),
            validation: split.validation.count > 0
                ? ClassificationReport(
                    model: model, set: split.validation, batchSize: configuration.evaluationBatchSize,
                    communicator: communicator)
                : nil,
            steps: run.stepInEpoch, stepsPerEpoch: run.stepsPerEpoch)
        records.removeAll { $0.epoch == report.epoch }
        records.append(EpochRecord(report, means: run.epochSums.means))
        if report.isComplete {
            run.epoch += 1
            run.stepInEpoch = 0
            run.epochSums = LossTermSums()
        }
        run.elapsed = session.elapsed()
        // The pictures and the event file before the checkpoint: a run resumed from it never
        // writes this epoch's events again.
        var pictureFiles: [String] = []
        if let output, keepsRecords, let pictures {
            pictureFiles = try pictures.draw(model: model, test: test, into: output)
            session.wrote(pictureFiles)
        }
        try writeEpochEvents(records.last!, pictures: pictureFiles)
        try saveCheckpoint(run, session: session)
        try writeRecords(records, session: session)
        if let output, keepsRecords {
            try LearningCurves.write(records, stepsPerEpoch: run.stepsPerEpoch, to: output.appendingPathComponent("curves.svg"))
            session.wrote("curves.svg")
        }
        session.line(String(
            format: "epoch %d%@: test error %.2f%%%@, %d steps, %.0f s", report.epoch,
            report.isComplete ? "" : " (\(report.steps) of \(report.stepsPerEpoch) steps)", report.test.error * 100,
            report.validation.map { String(format: ", validation error %.2f%%", $0.error * 100) } ?? "",
            report.step, report.seconds))
        for hook in hooks { try hook.didEndEpoch(self, report: report) }
        return report
    }

    /// Ctrl-C: the step is finished; keep everything needed to resume.
    func saveInterrupted(_ run: inout RunState, session: TrainingSession) throws {
        run.elapsed = session.elapsed()
        try saveCheckpoint(run, session: session)
        session.line("Stopped at epoch \(run.epoch + 1), step \(run.stepInEpoch) of \(run.stepsPerEpoch); resume with the same output folder.")
    }
}
