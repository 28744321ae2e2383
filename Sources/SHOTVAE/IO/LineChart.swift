import Foundation

/// A line plot of one or more series, drawn by ``SVGFigure``.
///
/// ```swift
/// let loss = LineChart(
///     title: "Training loss", xLabel: "epoch", yLabel: "loss",
///     series: [LineChart.Series(name: "total", points: history.map { .init(x: $0.epoch, y: $0.loss) })],
///     logarithmicY: true)
/// try SVGFigure.write([loss, accuracy], to: URL(fileURLWithPath: "curves.svg"))
/// ```
public struct LineChart: Sendable, Equatable {
    /// One named line of the chart.
    public struct Series: Sendable, Equatable {
        /// The name shown in the legend.
        public var name: String
        /// The points, joined in this order; non-finite points are skipped when drawing.
        public var points: [Point]

        /// Creates a series.
        ///
        /// - Parameters:
        ///   - name: The name shown in the legend.
        ///   - points: The points, joined in this order.
        public init(name: String, points: [Point]) {
            self.name = name
            self.points = points
        }
    }

    /// A point in data coordinates.
    public struct Point: Sendable, Equatable {
        /// The horizontal coordinate.
        public var x: Double
        /// The vertical coordinate.
        public var y: Double

        /// Creates a point.
        ///
        /// - Parameters:
        ///   - x: The horizontal coordinate.
        ///   - y: The vertical coordinate.
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// The title above the chart.
    public var title: String
    /// The label under the horizontal axis.
    public var xLabel: String
    /// The label beside the vertical axis.
    public var yLabel: String
    /// The lines, drawn in this order with the colours of a fixed palette.
    public var series: [Series]
    /// Whether the vertical axis is logarithmic (base 10); points with `y <= 0` are then skipped.
    public var logarithmicY: Bool = false

    /// Creates a chart.
    ///
    /// - Parameters:
    ///   - title: The title above the chart.
    ///   - xLabel: The label under the horizontal axis.
    ///   - yLabel: The label beside the vertical axis.
    ///   - series: The lines.
    ///   - logarithmicY: Whether the vertical axis is logarithmic (base 10).
    public init(
        title: String, xLabel: String = "", yLabel: String = "", series: [Series] = [],
        logarithmicY: Bool = false
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logarithmicY = logarithmicY
    }

    /// The points of a series that can be drawn: finite, and positive on a logarithmic axis.
    func drawablePoints(of series: Series) -> [Point] {
        series.points.filter { $0.x.isFinite && $0.y.isFinite && (!logarithmicY || $0.y > 0) }
    }
}

/// Draws line charts as a standalone SVG 1.1 figure, one panel per chart.
///
/// Each panel has axes with "nice" tick values (1, 2 or 5 times a power of ten; powers of ten
/// on a logarithmic axis), light grid lines, axis labels, a title, one coloured polyline per
/// series (a series of a single point also gets a dot) and a legend. Panels fill a grid of
/// `columns` columns, left to right, top to bottom. Text is XML-escaped, and charts without
/// drawable points still get their axes.
public enum SVGFigure {
    /// Renders charts as the text of an SVG document.
    ///
    /// - Parameters:
    ///   - charts: The charts, one panel each; an empty list gives an empty figure of one panel's size.
    ///   - columns: Panels per row, at least 1.
    ///   - panelWidth: The width of each panel in pixels, at least 200.
    ///   - panelHeight: The height of each panel in pixels, at least 150.
    /// - Returns: The SVG document, starting with `<svg`.
    public static func render(
        _ charts: [LineChart], columns: Int = 2, panelWidth: Int = 480, panelHeight: Int = 300
    ) -> String {
        precondition(columns >= 1, "SVGFigure needs at least one column, got \(columns).")
        precondition(
            panelWidth >= 200 && panelHeight >= 150,
            "SVGFigure panels need at least 200 x 150 pixels, got \(panelWidth) x \(panelHeight).")
        let usedColumns = max(1, min(columns, charts.count))
        let rows = max(1, (charts.count + columns - 1) / columns)
        let width = usedColumns * panelWidth
        let height = rows * panelHeight
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(width)" height="\(height)" \
            viewBox="0 0 \(width) \(height)" font-family="Helvetica, Arial, sans-serif">
            <rect x="0" y="0" width="\(width)" height="\(height)" fill="white"/>

            """
        for (index, chart) in charts.enumerated() {
            let left = Double((index % columns) * panelWidth)
            let top = Double((index / columns) * panelHeight)
            svg += ChartPanel(
                chart: chart, frame: (left, top, Double(panelWidth), Double(panelHeight))
            ).render()
        }
        svg += "</svg>\n"
        return svg
    }

    /// Renders charts as SVG and writes the document atomically.
    ///
    /// - Parameters:
    ///   - charts: The charts, one panel each.
    ///   - columns: Panels per row, at least 1.
    ///   - url: The destination; its folder must exist.
    /// - Throws: ``SHOTVAEError`` naming the file when the file system refuses.
    public static func write(_ charts: [LineChart], columns: Int = 2, to url: URL) throws {
        try AtomicFile.write(Array(render(charts, columns: columns).utf8), to: url)
    }

    /// Escapes the characters XML gives a meaning to.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A coordinate with one decimal, for attributes.
    static func coordinate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    /// The "tab10" palette of matplotlib, for the series in order.
    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]
}

// MARK: - Implementation details

/// One axis of a chart: its extent and tick marks, in axis space (`log10` of the value on a
/// logarithmic axis, the value itself otherwise).
struct ChartAxis {
    /// A tick mark: where it sits in axis space, and its label.
    struct Tick {
        var position: Double
        var label: String
    }

    /// Whether values are placed by their base-10 logarithm.
    let logarithmic: Bool
    /// The start of the axis, in axis space.
    private(set) var lower: Double = 0
    /// The end of the axis, in axis space; greater than `lower`.
    private(set) var upper: Double = 1
    /// The tick marks from `lower` to `upper`.
    private(set) var ticks: [Tick] = []

    /// Chooses an extent that covers `values` and round tick values.
    ///
    /// A linear axis steps by 1, 2 or 5 times a power of ten (Heckbert, "Nice numbers for
    /// graph labels", Graphics Gems, 1990); a logarithmic one by whole decades, with 2 and 5
    /// in between when it spans at most two decades.
    ///
    /// - Parameters:
    ///   - values: The finite values to cover (positive ones on a logarithmic axis).
    ///   - logarithmic: Whether the axis is logarithmic.
    init(values: [Double], logarithmic: Bool) {
        self.logarithmic = logarithmic
        if logarithmic {
            chooseLogarithmic(values.map { log10($0) })
        } else {
            chooseLinear(values)
        }
    }

    /// Where `value` falls along the axis: 0 at the start, 1 at the end.
    func fraction(_ value: Double) -> Double {
        ((logarithmic ? log10(value) : value) - lower) / (upper - lower)
    }

    /// Where a position in axis space falls along the axis: 0 at the start, 1 at the end.
    func fraction(ofPosition position: Double) -> Double {
        (position - lower) / (upper - lower)
    }

    private mutating func chooseLinear(_ values: [Double]) {
        guard var minimum = values.min(), var maximum = values.max() else {
            setLinearTicks(lower: 0, upper: 1, step: 0.2)
            return
        }
        if !(maximum - minimum > 1e-12 * max(abs(minimum), abs(maximum))) {
            let half = minimum == 0 ? 0.5 : abs(minimum) * 0.1
            minimum -= half
            maximum += half
        }
        let span = ChartAxis.niceNumber(maximum - minimum, rounded: false)
        let step = ChartAxis.niceNumber(span / 4, rounded: true)
        let lower = (minimum / step).rounded(.down) * step
        let upper = (maximum / step).rounded(.up) * step
        let count = (upper - lower) / step
        if step > 0 && count.isFinite && count >= 1 && count <= 20 && upper > lower {
            setLinearTicks(lower: lower, upper: upper, step: step)
        } else {
            // Extreme magnitudes: no round ticks, just the ends.
            self.lower = minimum
            self.upper = maximum > minimum ? maximum : minimum + 1
            ticks = [self.lower, self.upper].map { Tick(position: $0, label: String(format: "%.4g", $0)) }
        }
    }

    private mutating func setLinearTicks(lower: Double, upper: Double, step: Double) {
        self.lower = lower
        self.upper = upper
        let count = Int(((upper - lower) / step).rounded())
        let largest = max(abs(lower), abs(upper))
        let stepExponent = Int(log10(step).rounded(.down))
        ticks = (0...count).map { index in
            var value = lower + Double(index) * step
            if abs(value) < step * 1e-9 { value = 0 }
            let label: String
            if largest >= 1e6 || step < 1e-4 {
                let digits = min(15, max(1, Int(log10(largest).rounded(.down)) - stepExponent + 1))
                label = String(format: "%.\(digits)g", value)
            } else {
                label = String(format: "%.\(max(0, -stepExponent))f", value)
            }
            return Tick(position: value, label: label)
        }
    }

    private mutating func chooseLogarithmic(_ exponents: [Double]) {
        guard var minimum = exponents.min(), var maximum = exponents.max() else {
            lower = 0
            upper = 1
            ticks = [0, 1].map { Tick(position: Double($0), label: ChartAxis.powerLabel(1, $0)) }
            return
        }
        if !(maximum - minimum > 1e-9) {
            minimum -= 0.5
            maximum += 0.5
        }
        let first = Int(minimum.rounded(.down))
        var last = Int(maximum.rounded(.up))
        if last <= first { last = first + 1 }
        let decades = last - first
        if decades <= 2 {
            ticks = (first..<last).flatMap { exponent in
                [1, 2, 5].map {
                    Tick(
                        position: Double(exponent) + log10(Double($0)),
                        label: ChartAxis.powerLabel($0, exponent))
                }
            }
        } else {
            let stride = (decades + 5) / 6
            last = first + (decades + stride - 1) / stride * stride
            ticks = Swift.stride(from: first, to: last, by: stride).map {
                Tick(position: Double($0), label: ChartAxis.powerLabel(1, $0))
            }
        }
        ticks.append(Tick(position: Double(last), label: ChartAxis.powerLabel(1, last)))
        lower = Double(first)
        upper = Double(last)
    }

    /// The label of `mantissa * 10^exponent`: a plain decimal near 1, `2e-5` style otherwise.
    static func powerLabel(_ mantissa: Int, _ exponent: Int) -> String {
        if (-3...4).contains(exponent) {
            return String(format: "%.\(max(0, -exponent))f", Double(mantissa) * pow(10, Double(exponent)))
        }
        return "\(mantissa)e\(exponent)"
    }

    /// The number 1, 2, 5 or 10 times a power of ten nearest to (`rounded`) or at least
    /// (otherwise) `value`.
    static func niceNumber(_ value: Double, rounded: Bool) -> Double {
        let exponent = log10(value).rounded(.down)
        let power = pow(10, exponent)
        let fraction = value / power
        let nice: Double
        if rounded {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * power
    }
}

/// One chart drawn in its rectangle of the figure.
private struct ChartPanel {
    let chart: LineChart
    let frame: (left: Double, top: Double, width: Double, height: Double)

    func render() -> String {
        let plotLeft = frame.left + 68
        let plotRight = frame.left + frame.width - 22
        let plotTop = frame.top + 34
        let plotBottom = frame.top + frame.height - 46
        let drawable = chart.series.map { chart.drawablePoints(of: $0) }
        let everyPoint = drawable.flatMap { $0 }
        let xAxis = ChartAxis(values: everyPoint.map(\.x), logarithmic: false)
        let yAxis = ChartAxis(values: everyPoint.map(\.y), logarithmic: chart.logarithmicY)
        let x = { (fraction: Double) in plotLeft + fraction * (plotRight - plotLeft) }
        let y = { (fraction: Double) in plotBottom - fraction * (plotBottom - plotTop) }
        let c = SVGFigure.coordinate

        var svg = "<g>\n"
        svg += """
            <text x="\(c(frame.left + frame.width / 2))" y="\(c(frame.top + 22))" text-anchor="middle" \
            font-size="15" font-weight="bold">\(SVGFigure.escape(chart.title))</text>\n
            """
        for tick in xAxis.ticks {
            let position = x(xAxis.fraction(ofPosition: tick.position))
            guard position.isFinite else { continue }
            svg += """
                <line x1="\(c(position))" y1="\(c(plotTop))" x2="\(c(position))" y2="\(c(plotBottom + 4))" \
                stroke="#e0e0e0" stroke-width="1"/>
                <text x="\(c(position))" y="\(c(plotBottom + 17))" text-anchor="middle" \
                font-size="11">\(SVGFigure.escape(tick.label))</text>\n
                """
        }
        for tick in yAxis.ticks {
            let position = y(yAxis.fraction(ofPosition: tick.position))
            guard position.isFinite else { continue }
            svg += """
                <line x1="\(c(plotLeft - 4))" y1="\(c(position))" x2="\(c(plotRight))" y2="\(c(position))" \
                stroke="#e0e0e0" stroke-width="1"/>
                <text x="\(c(plotLeft - 7))" y="\(c(position))" dy="0.35em" text-anchor="end" \
                font-size="11">\(SVGFigure.escape(tick.label))</text>\n
                """
        }
        svg += """
            <rect x="\(c(plotLeft))" y="\(c(plotTop))" width="\(c(plotRight - plotLeft))" \
            height="\(c(plotBottom - plotTop))" fill="none" stroke="#333333" stroke-width="1"/>
            <text x="\(c((plotLeft + plotRight) / 2))" y="\(c(frame.top + frame.height - 10))" \
            text-anchor="middle" font-size="12">\(SVGFigure.escape(chart.xLabel))</text>
            <text transform="translate(\(c(frame.left + 16)),\(c((plotTop + plotBottom) / 2))) rotate(-90)" \
            text-anchor="middle" font-size="12">\(SVGFigure.escape(chart.yLabel))</text>\n
            """

        var drawn: [[(Double, Double)]] = []
        for (index, points) in drawable.enumerated() {
            let colour = SVGFigure.palette[index % SVGFigure.palette.count]
            let coordinates = points.compactMap { point -> (Double, Double)? in
                let position = (x(xAxis.fraction(point.x)), y(yAxis.fraction(point.y)))
                return position.0.isFinite && position.1.isFinite ? position : nil
            }
            guard !coordinates.isEmpty else { continue }
            drawn.append(coordinates)
            let list = coordinates.map { "\(c($0.0)),\(c($0.1))" }.joined(separator: " ")
            svg += """
                <polyline points="\(list)" fill="none" stroke="\(colour)" stroke-width="1.8" \
                stroke-linejoin="round" stroke-linecap="round"/>\n
                """
            if coordinates.count == 1 {
                let (cx, cy) = coordinates[0]
                svg += "<circle cx=\"\(c(cx))\" cy=\"\(c(cy))\" r=\"3\" fill=\"\(colour)\"/>\n"
            }
        }
        svg += legend(plot: (plotLeft, plotTop, plotRight, plotBottom), avoiding: drawn)
        svg += "</g>\n"
        return svg
    }

    /// The legend box, when any series has a name, in the corner of the plot that the lines
    /// cross least (top right when there is a tie).
    private func legend(
        plot: (left: Double, top: Double, right: Double, bottom: Double), avoiding lines: [[(Double, Double)]]
    ) -> String {
        guard chart.series.contains(where: { !$0.name.isEmpty }) else { return "" }
        let c = SVGFigure.coordinate
        let longest = chart.series.map(\.name.count).max() ?? 0
        let width = min(plot.right - plot.left - 8, 34 + Double(longest) * 6.2)
        let lineHeight = 15.0
        let height = Double(chart.series.count) * lineHeight + 6
        let corners = [
            (plot.right - 4 - width, plot.top + 4), (plot.left + 4, plot.top + 4),
            (plot.right - 4 - width, plot.bottom - 4 - height), (plot.left + 4, plot.bottom - 4 - height),
        ]
        // Samples along every segment, so that sparse lines count too.
        var samples: [(Double, Double)] = []
        for line in lines {
            samples.append(line[0])
            for (start, end) in zip(line, line.dropFirst()) {
                for step in 1...8 {
                    let t = Double(step) / 8
                    samples.append((start.0 + t * (end.0 - start.0), start.1 + t * (end.1 - start.1)))
                }
            }
        }
        let crossings = corners.map { corner in
            samples.filter { point in
                point.0 >= corner.0 && point.0 <= corner.0 + width && point.1 >= corner.1
                    && point.1 <= corner.1 + height
            }.count
        }
        let best = crossings.indices.min { crossings[$0] < crossings[$1] } ?? 0
        let (left, top) = corners[best]
        var svg = """
            <rect x="\(c(left))" y="\(c(top))" width="\(c(width))" \
            height="\(c(height))" fill="white" fill-opacity="0.85" \
            stroke="#bbbbbb" stroke-width="0.8"/>\n
            """
        for (index, series) in chart.series.enumerated() {
            let colour = SVGFigure.palette[index % SVGFigure.palette.count]
            let middle = top + 3 + lineHeight * (Double(index) + 0.5)
            svg += """
                <line x1="\(c(left + 6))" y1="\(c(middle))" x2="\(c(left + 24))" y2="\(c(middle))" \
                stroke="\(colour)" stroke-width="2"/>
                <text x="\(c(left + 29))" y="\(c(middle))" dy="0.35em" \
                font-size="11">\(SVGFigure.escape(series.name))</text>\n
                """
        }
        return svg
    }
}
