import Foundation

/// One line of `metrics.jsonl`: an epoch's evaluation and the means of its loss terms.
struct EpochRecord: Codable, Sendable {
    /// The epoch, counted from 1.
    var epoch: Int
    /// Optimizer steps taken when the epoch ended.
    var step: Int
    /// Steps of this epoch, over which the loss terms are averaged (fewer than an epoch's when
    /// a budget cut it short).
    var epochSteps: Int
    var seconds: Double
    var learningRate: Float
    var terms: [Term]
    var testError: Double
    var testTop5Error: Double
    var validationError: Double?
    var validationTop5Error: Double?
    var perClassAccuracy: [Double]

    struct Term: Codable, Sendable {
        var name: String
        var value: Double
    }

    func term(_ name: String) -> Double? { terms.first { $0.name == name }?.value }

    /// The record of `report`, whose loss terms' means in double precision are `means`.
    init(_ report: EpochReport, means: [(name: String, value: Double)]) {
        epoch = report.epoch
        step = report.step
        epochSteps = report.steps
        seconds = report.seconds
        learningRate = report.learningRate
        terms = means.map { Term(name: $0.name, value: $0.value) }
        testError = report.test.error
        testTop5Error = report.test.top5Error
        validationError = report.validation?.error
        validationTop5Error = report.validation?.top5Error
        perClassAccuracy = report.test.perClassAccuracy
    }

    /// The flat JSON object of one line: fixed keys, then one key per loss term.
    func jsonLine() -> String {
        var fields: [String] = [
            "\"epoch\":\(epoch)", "\"step\":\(step)", "\"epoch_steps\":\(epochSteps)", "\"seconds\":\(json(seconds))",
            "\"learning_rate\":\(json(Double(learningRate)))",
        ]
        for term in terms { fields.append("\(jsonString(term.name)):\(json(term.value))") }
        fields.append("\"test_error\":\(json(testError))")
        fields.append("\"test_top5_error\":\(json(testTop5Error))")
        if let validationError { fields.append("\"validation_error\":\(json(validationError))") }
        if let validationTop5Error { fields.append("\"validation_top5_error\":\(json(validationTop5Error))") }
        fields.append("\"per_class_accuracy\":[\(perClassAccuracy.map(json).joined(separator: ","))]")
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// Reads a line written by ``jsonLine()``.
    init?(jsonLine line: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let epoch = object["epoch"] as? Int, let step = object["step"] as? Int,
            let seconds = (object["seconds"] as? NSNumber)?.doubleValue,
            let testError = (object["test_error"] as? NSNumber)?.doubleValue
        else { return nil }
        self.epoch = epoch
        self.step = step
        epochSteps = object["epoch_steps"] as? Int ?? 0
        self.seconds = seconds
        learningRate = (object["learning_rate"] as? NSNumber)?.floatValue ?? 0
        self.testError = testError
        testTop5Error = (object["test_top5_error"] as? NSNumber)?.doubleValue ?? 0
        validationError = (object["validation_error"] as? NSNumber)?.doubleValue
        validationTop5Error = (object["validation_top5_error"] as? NSNumber)?.doubleValue
        perClassAccuracy = (object["per_class_accuracy"] as? [NSNumber])?.map(\.doubleValue) ?? []
        let fixed: Set<String> = [
            "epoch", "step", "epoch_steps", "seconds", "learning_rate", "test_error", "test_top5_error", "validation_error",
            "validation_top5_error", "per_class_accuracy",
        ]
        // Terms in the order written: recover it from the line itself.
        let names = object.keys.filter { !fixed.contains($0) }
        let ordered = names.sorted { (line.range(of: jsonString($0))?.lowerBound ?? line.endIndex) < (line.range(of: jsonString($1))?.lowerBound ?? line.endIndex) }
        terms = ordered.compactMap { name in (object[name] as? NSNumber).map { Term(name: name, value: $0.doubleValue) } }
    }
}

/// A JSON number; non-finite values become `null`.
func json(_ value: Double) -> String {
    value.isFinite ? String(format: "%.8g", value) : "null"
}
