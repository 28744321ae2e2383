/// A line plot of one or more series: one panel of the `curves.svg` that a training run
/// writes (``SVGFigure``).
///
/// ```swift
/// let loss = LineChart(
///     title: "Training loss", xLabel: "epoch", yLabel: "loss",
///     series: [.init(name: "total", points: history.map { .init(x: $0.epoch, y: $0.loss) })],
///     logarithmicY: true)
/// try SVGFigure.write([loss, accuracy], to: URL(fileURLWithPath: "curves.svg"))
/// ```
struct LineChart: Equatable {
    /// One named line of the chart: `points` joined in order (non-finite points are skipped
    /// when drawing), `name` shown in the legend.
    struct Series: Equatable {
        var name: String
        var points: [Point]
    }

    /// A point in data coordinates.
    struct Point: Equatable {
        var x: Double
        var y: Double
    }

    /// The title above the chart.
    var title: String
    /// The label under the horizontal axis.
    var xLabel = ""
    /// The label beside the vertical axis.
    var yLabel = ""
    /// The lines, drawn in this order with the colours of a fixed palette.
    var series: [Series] = []
    /// Whether the vertical axis is logarithmic (base 10); points with `y <= 0` are then skipped.
    var logarithmicY = false

    /// The points of a series that can be drawn: finite, and positive on a logarithmic axis.
    func drawablePoints(of series: Series) -> [Point] {
        series.points.filter { $0.x.isFinite && $0.y.isFinite && (!logarithmicY || $0.y > 0) }
    }
}
