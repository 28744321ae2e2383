import Foundation

extension Trainer {
    func prepareOutput() throws {
        guard let output else { return }
        do {
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw SHOTVAEError(.fileSystem, path: output.path, "cannot create the output folder (\(error.localizedDescription))")
        }
    }

    /// The records of epochs 1 through `epoch`, read back from `metrics.jsonl`: those completed
    /// before the checkpoint and that of an epoch a budget cut short, which the epoch's end
    /// replaces.
    func previousRecords(through epoch: Int) throws -> [EpochRecord] {
        guard let url = output?.appendingPathComponent("metrics.jsonl"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").compactMap { EpochRecord(jsonLine: String($0)) }.filter { $0.epoch <= epoch }
    }

    /// Rewrites `metrics.jsonl`, one line per record.
    func writeRecords(_ records: [EpochRecord], session: TrainingSession) throws {
        guard let output, keepsRecords else { return }
        let text = records.map { $0.jsonLine() + "\n" }.joined()
        try AtomicFile.write(Array(text.utf8), to: output.appendingPathComponent("metrics.jsonl"))
        session.wrote("metrics.jsonl")
    }

    /// The summary of a run that stopped for `reason`, written to `summary.json`.
    func finish(
        _ run: RunState, records: [EpochRecord], reason: StopReason, last: EpochReport?, session: TrainingSession
    ) throws -> TrainingSummary {
        let latest = records.last
        var summary = TrainingSummary(
            stopReason: reason, epochs: run.epoch, partialEpochSteps: run.stepInEpoch, stepsPerEpoch: run.stepsPerEpoch,
            steps: run.step, seconds: run.elapsed,
            testError: last?.test.error ?? latest?.testError,
            testTop5Error: last?.test.top5Error ?? latest?.testTop5Error,
            bestTestError: records.map(\.testError).min(),
            validationError: last?.validation?.error ?? latest?.validationError,
            validationTop5Error: last?.validation?.top5Error ?? latest?.validationTop5Error,
            perClassAccuracy: last?.test.perClassAccuracy ?? latest?.perClassAccuracy,
            stepsPerSecond: run.elapsed > 0 ? Double(run.step) / run.elapsed : 0,
            writtenFiles: [])
        if output != nil, keepsRecords {
            session.wrote("summary.json")
            summary.writtenFiles = session.writtenFiles
            let data = (try? JSONEncoder().encode(summary)) ?? Data()
            var fields = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            fields["writtenFiles"] = nil
            try writeSummary(fields)
        }
        return summary
    }

    /// A `summary.json` that says the run failed, and why.
    func writeFailure(_ failure: String, run: RunState) throws {
        guard output != nil else { return }
        try writeSummary(["stopReason": "failed", "failure": failure, "steps": run.step])
    }

    /// `summary.json`: the run's configuration and `fields`.
    func writeSummary(_ fields: [String: Any]) throws {
        guard let output, keepsRecords else { return }
        var object: [String: Any] = ["configuration": (try? JSONSerialization.jsonObject(with: Data(runDescription.utf8))) ?? runDescription]
        object.merge(fields) { a, _ in a }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(data), to: output.appendingPathComponent("summary.json"))
    }
}
