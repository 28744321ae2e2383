import Foundation

/// Draws line charts as a standalone SVG 1.1 figure, one panel per chart (a training run's
/// `curves.svg`).
///
/// Each panel has axes with "nice" tick values (1, 2 or 5 times a power of ten; powers of ten
/// on a logarithmic axis), light grid lines, axis labels, a title, one coloured polyline per
/// series (a series of a single point also gets a dot) and a legend. Panels fill a grid of
/// `columns` columns, left to right, top to bottom. Text is XML-escaped, and charts without
/// drawable points still get their axes.
enum SVGFigure {
    /// Renders charts as the text of an SVG document.
    ///
    /// - Parameters:
    ///   - charts: The charts, one panel each; an empty list gives an empty figure of one panel's size.
    ///   - columns: Panels per row, at least 1.
    ///   - panelWidth: The width of each panel in pixels, at least 200.
    ///   - panelHeight: The height of each panel in pixels, at least 150.
    /// - Returns: The SVG document, starting with `<svg`.
    static func render(
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
    static func write(_ charts: [LineChart], columns: Int = 2, to url: URL) throws {
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
