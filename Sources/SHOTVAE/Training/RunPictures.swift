import Foundation

/// The pictures of a run: reconstructions, class-conditional samples and learning curves.
enum RunPictures {
    /// `reconstructions.png`: `count` test images above their reconstructions (z = μ and
    /// y = α, no sampling).
    static func writeReconstructions(
        model: SemiSupervisedVAE, images: Tensor, likelihood: ReconstructionLikelihood,
        imageRange: ClosedRange<Float>, to url: URL
    ) throws {
        let context = ForwardContext.inference()
        let posterior = model.encode(Variable(images), context: context)
        let alpha = posterior.logProbabilities.exp()
        let output = model.decode(z: posterior.mean, y: alpha, context: context).value
        let rows = [images, displayable(output, likelihood: likelihood)]
        try ImageGrid(rows: rows, valueRange: imageRange).write(to: url)
    }

    /// `samples.png`: one row per class, each image decoded from `z ~ N(0, I)` and that class.
    static func writeSamples(
        model: SemiSupervisedVAE, perClass: Int, likelihood: ReconstructionLikelihood,
        imageRange: ClosedRange<Float>, seed: UInt64, to url: URL
    ) throws {
        var rng = RandomGenerator(seed: seed)
        let context = ForwardContext.inference()
        let z = Tensor(normal: [perClass, model.latentCount], generator: &rng)
        var rows: [Tensor] = []
        for k in 0..<model.classCount {
            let y = LatentSampler.oneHot(Array(repeating: k, count: perClass), classCount: model.classCount)
            let output = model.decode(z: Variable(z), y: Variable(y), context: context).value
            rows.append(displayable(output, likelihood: likelihood))
        }
        try ImageGrid(rows: rows, valueRange: imageRange).write(to: url)
    }

    /// Decoder output on the images' scale: the sigmoid of Bernoulli logits, values otherwise.
    static func displayable(_ output: Tensor, likelihood: ReconstructionLikelihood) -> Tensor {
        switch likelihood {
        case .bernoulli: return Variable(output).sigmoid().value
        case .gaussian: return output
        }
    }

    /// `curves.svg`: test (and validation) error, and each loss term, against the epoch.
    static func writeCurves(_ records: [EpochRecord], to url: URL) throws {
        func series(_ name: String, _ value: (EpochRecord) -> Double?) -> LineChart.Series {
            LineChart.Series(name: name, points: records.compactMap { record in
                value(record).map { LineChart.Point(x: Double(record.epoch + 1), y: $0) }
            })
        }
        var errorSeries = [series("test error (%)") { $0.testError * 100 }]
        if records.contains(where: { $0.validationError != nil }) {
            errorSeries.append(series("validation error (%)") { $0.validationError.map { $0 * 100 } })
        }
        let names = records.last?.terms.map(\.name) ?? []
        let evidence = names.filter { $0.hasSuffix("reconstruction") || $0 == "total" }
        let others = names.filter { !evidence.contains($0) }
        let charts = [
            LineChart(title: "Test error", xLabel: "epoch", yLabel: "error (%)", series: errorSeries, logarithmicY: true),
            LineChart(title: "Reconstruction and total loss", xLabel: "epoch", yLabel: "loss",
                      series: evidence.map { name in series(name) { $0.term(name) } }),
            LineChart(title: "KL, matching and classification terms", xLabel: "epoch", yLabel: "value",
                      series: others.map { name in series(name) { $0.term(name) } }, logarithmicY: true),
        ]
        try SVGFigure.write(charts, columns: 3, to: url)
    }
}

/// One line of `metrics.jsonl`.
struct EpochRecord: Codable, Sendable {
    var epoch: Int
    var step: Int
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

    init(_ report: EpochReport) {
        epoch = report.epoch
        step = report.step
        seconds = report.seconds
        learningRate = report.learningRate
        terms = report.terms.map { Term(name: $0.name, value: $0.value) }
        testError = report.test.error
        testTop5Error = report.test.top5Error
        validationError = report.validation?.error
        validationTop5Error = report.validation?.top5Error
        perClassAccuracy = report.test.perClassAccuracy
    }

    /// The flat JSON object of one line: fixed keys, then one key per loss term.
    func jsonLine() -> String {
        var fields: [String] = [
            "\"epoch\":\(epoch)", "\"step\":\(step)", "\"seconds\":\(json(seconds))",
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
        self.seconds = seconds
        learningRate = (object["learning_rate"] as? NSNumber)?.floatValue ?? 0
        self.testError = testError
        testTop5Error = (object["test_top5_error"] as? NSNumber)?.doubleValue ?? 0
        validationError = (object["validation_error"] as? NSNumber)?.doubleValue
        validationTop5Error = (object["validation_top5_error"] as? NSNumber)?.doubleValue
        perClassAccuracy = (object["per_class_accuracy"] as? [NSNumber])?.map(\.doubleValue) ?? []
        let fixed: Set<String> = [
            "epoch", "step", "seconds", "learning_rate", "test_error", "test_top5_error", "validation_error",
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
