/// One chart drawn in its rectangle of the figure.
struct ChartPanel {
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
