import Foundation

/// `curves.svg`: the test (and validation) error and each loss term against training time in
/// epochs, one point per record.
enum LearningCurves {
    /// Draws `records` into `url`; a record's position is its step divided by `stepsPerEpoch`,
    /// so an epoch cut short by a budget sits where it ended.
    static func write(_ records: [EpochRecord], stepsPerEpoch: Int, to url: URL) throws {
        func series(_ name: String, _ value: (EpochRecord) -> Double?) -> LineChart.Series {
            LineChart.Series(name: name, points: records.compactMap { record in
                value(record).map { LineChart.Point(x: Double(record.step) / Double(max(stepsPerEpoch, 1)), y: $0) }
            })
        }
        var errorSeries = [series("test error (%)") { $0.testError * 100 }]
        if records.contains(where: { $0.validationError != nil }) {
            errorSeries.append(series("validation error (%)") { $0.validationError.map { $0 * 100 } })
        }
        let names = records.last?.terms.map(\.name) ?? []
        let evidence = names.filter { $0.hasSuffix("reconstruction") || $0.hasSuffix("loss") || $0 == "total" }
        let others = names.filter { !evidence.contains($0) }
        let charts = [
            LineChart(title: "Test error", xLabel: "epoch", yLabel: "error (%)", series: errorSeries, logarithmicY: true),
            LineChart(title: "Reconstruction and losses", xLabel: "epoch", yLabel: "loss",
                      series: evidence.map { name in series(name) { $0.term(name) } }),
            LineChart(title: "KL, matching and classification terms", xLabel: "epoch", yLabel: "value",
                      series: others.map { name in series(name) { $0.term(name) } }, logarithmicY: true),
        ]
        try SVGFigure.write(charts, columns: 3, to: url)
    }
}
