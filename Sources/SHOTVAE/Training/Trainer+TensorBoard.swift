import Foundation

extension Trainer {
    /// The run's TensorBoard event file: a new one for a fresh run, the previous one continued
    /// from the checkpoint's step for a resumed run; `nil` without an output folder, or on a
    /// process other than the first.
    func openEvents(_ run: RunState, resume: Bool) throws -> EventFile? {
        guard let output, keepsRecords else { return nil }
        let now = Date().timeIntervalSince1970
        return try resume ? EventFile.resume(in: output, atStep: run.step, wallTime: now) : EventFile.create(in: output, wallTime: now)
    }

    /// Every ``tensorBoardInterval`` steps, the step's total, each half's loss and the learning
    /// rate, under `train/`.
    func writeStepEvents(_ terms: LossTerms, step: Int) throws {
        guard let events, step % tensorBoardInterval == 0 else { return }
        var values = [SummaryEvent.Value(tag: "train/total", kind: .scalar(terms.total))]
        for part in LossTerms.Part.allCases {
            if let half = part == .labeled ? terms.labeled : terms.unlabeled {
                values.append(.init(tag: "train/\(part.rawValue).loss", kind: .scalar(half.loss)))
            }
        }
        values.append(.init(tag: "train/learning_rate", kind: .scalar(optimizer.learningRate)))
        try events.append(SummaryEvent(wallTime: Date().timeIntervalSince1970, step: step, content: .summary(values)))
    }

    /// At an epoch's end (`record`), every loss term's mean (`epoch/<term>`), the learning rate
    /// (`epoch/learning_rate`), the errors (`evaluation/test_error`, `evaluation/test_top5_error`,
    /// and the validation set's) and the PNG files among `pictures` as images
    /// (`pictures/<name>`), at the epoch's last step.
    func writeEpochEvents(_ record: EpochRecord, pictures: [String]) throws {
        guard let events, let output else { return }
        var values = record.terms.map { SummaryEvent.Value(tag: "epoch/\($0.name)", kind: .scalar(Float($0.value))) }
        values.append(.init(tag: "epoch/learning_rate", kind: .scalar(record.learningRate)))
        var errors = [("test_error", record.testError), ("test_top5_error", record.testTop5Error)]
        if let error = record.validationError { errors.append(("validation_error", error)) }
        if let error = record.validationTop5Error { errors.append(("validation_top5_error", error)) }
        values += errors.map { .init(tag: "evaluation/\($0.0)", kind: .scalar(Float($0.1))) }
        for name in pictures where name.hasSuffix(".png") {
            let url = output.appendingPathComponent(name)
            guard let bytes = try? Data(contentsOf: url), let image = SummaryEvent.imageKind(png: Array(bytes)) else {
                throw SHOTVAEError(.invalidFile, path: url.path, "the picture drawn this epoch is not a readable PNG file")
            }
            values.append(.init(tag: "pictures/\(name.dropLast(4))", kind: image))
        }
        try events.append(SummaryEvent(wallTime: Date().timeIntervalSince1970, step: record.step, content: .summary(values)))
    }
}
