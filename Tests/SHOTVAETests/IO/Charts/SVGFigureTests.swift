import Foundation
import Testing

@testable import SHOTVAE

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The elements of an XML document, in document order, with their attributes.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        elements.append((elementName, attributes))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        texts.append(string)
    }
}

/// Parses `svg` as XML, recording an issue if it is not well-formed.
private func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> ElementCollector {
    let collector = ElementCollector()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = collector
    let wellFormed = parser.parse()
    #expect(
        wellFormed, "not well-formed XML: \(String(describing: parser.parserError))",
        sourceLocation: sourceLocation)
    return collector
}

/// The points of a polyline's `points` attribute.
private func coordinates(_ points: String) -> [(x: Double, y: Double)] {
    points.split(separator: " ").compactMap { pair in
        let parts = pair.split(separator: ",").compactMap { Double($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
}

/// Expects every numeric attribute to be a finite number and the text to mention no NaN or infinity.
private func expectFiniteGeometry(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let lowered = svg.lowercased()
    #expect(!lowered.contains("nan") && !lowered.contains("inf"), sourceLocation: sourceLocation)
    let numeric: Set<String> = ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height"]
    for element in parse(svg, sourceLocation: sourceLocation).elements {
        for (name, value) in element.attributes where numeric.contains(name) {
            #expect(
                Double(value)?.isFinite == true, "\(element.name) \(name)=\(value)",
                sourceLocation: sourceLocation)
        }
        if let points = element.attributes["points"] {
            let pairs = points.split(separator: " ")
            #expect(
                !pairs.isEmpty && coordinates(points).count == pairs.count, sourceLocation: sourceLocation)
            #expect(
                coordinates(points).allSatisfy { $0.x.isFinite && $0.y.isFinite },
                sourceLocation: sourceLocation)
        }
    }
}

private func series(_ name: String, _ values: [(Double, Double)]) -> LineChart.Series {
    LineChart.Series(name: name, points: values.map { LineChart.Point(x: $0.0, y: $0.1) })
}

@Suite struct SVGFigureTests {
    let scratch = TemporaryFolder()

    @Test func rendersAStandaloneSVGDocument() {
        let chart = LineChart(
            title: "Loss", xLabel: "epoch", yLabel: "nats",
            series: [series("train", [(1, 3), (2, 2), (3, 1.5)])])
        let svg = SVGFigure.render([chart])
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>\n"))
        let elements = parse(svg).elements
        #expect(elements.first?.name == "svg")
        #expect(elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(elements.first?.attributes["version"] == "1.1")
        #expect(elements.first?.attributes["width"] == "480" && elements.first?.attributes["height"] == "300")
        expectFiniteGeometry(svg)
    }

    @Test func drawsOnePolylinePerSeriesWithFinitePoints() {
        let chart = LineChart(
            title: "Mixed", xLabel: "x", yLabel: "y",
            series: [
                series("full", [(0, 1), (1, .nan), (2, 3), (.infinity, 4), (3, 2)]),
                series("all missing", [(0, .nan), (1, .nan)]),
                series("empty", []),
                series("single", [(1.5, 2.5)]),
                series("negative", [(0, -1), (4, -2)]),
            ])
        let svg = SVGFigure.render([chart])
        let polylines = parse(svg).elements.filter { $0.name == "polyline" }
        #expect(polylines.count == 3)
        #expect(polylines.map { coordinates($0.attributes["points"] ?? "").count } == [3, 1, 2])
        // The single point also gets a dot, so it is visible.
        #expect(parse(svg).elements.filter { $0.name == "circle" }.count == 1)
        expectFiniteGeometry(svg)
        // Every series is listed in the legend.
        let texts = parse(svg).texts
        for name in ["full", "all missing", "empty", "single", "negative"] {
            #expect(texts.contains(name), "legend entry \(name)")
        }
    }

    @Test func escapesXMLSpecialCharactersInText() {
        let chart = LineChart(
            title: "KL <q(z|x) || p(z)> & \"more\"", xLabel: "it's", yLabel: "a<b",
            series: [series("α & β", [(0, 0), (1, 1)])])
        let svg = SVGFigure.render([chart])
        #expect(svg.contains("KL &lt;q(z|x) || p(z)&gt; &amp; &quot;more&quot;"))
        #expect(svg.contains("it&apos;s") && svg.contains("a&lt;b") && svg.contains("α &amp; β"))
        #expect(!svg.contains("<q(z"))
        // The parser gives the original text back.
        let texts = parse(svg).texts.joined()
        #expect(texts.contains("KL <q(z|x) || p(z)> & \"more\""))
    }

    @Test func logarithmicAxisSkipsNonPositiveValuesAndLabelsDecades() {
        let chart = LineChart(
            title: "Learning rate", xLabel: "step", yLabel: "rate",
            series: [series("rate", [(0, 1e-3), (1, 0), (2, 1e-1), (3, -5), (4, 10)])], logarithmicY: true)
        let svg = SVGFigure.render([chart])
        expectFiniteGeometry(svg)
        let document = parse(svg)
        let polylines = document.elements.filter { $0.name == "polyline" }
        #expect(polylines.count == 1)
        let points = coordinates(polylines.first?.attributes["points"] ?? "")
        #expect(points.count == 3)
        if points.count == 3 {
            // 0.1 lies halfway between 0.001 and 10 on a log scale, and higher values are drawn higher.
            #expect(abs(points[1].y - (points[0].y + points[2].y) / 2) < 0.11)
            #expect(points[0].y > points[1].y && points[1].y > points[2].y)
        }
        for label in ["0.001", "0.01", "0.1", "1", "10"] {
            #expect(document.texts.contains(label), "tick label \(label)")
        }
        // A linear axis would place 0.1 near the bottom instead.
        var linear = chart
        linear.logarithmicY = false
        let linearPoints = coordinates(
            parse(SVGFigure.render([linear])).elements.first { $0.name == "polyline" }?.attributes["points"]
                ?? "")
        #expect(linearPoints.count == 5)
    }

    @Test func emptyAndDegenerateChartsRenderWithoutNaN() {
        let charts = [
            LineChart(title: "Nothing"),
            LineChart(title: "Empty series", series: [series("none", [])]),
            LineChart(title: "One point", series: [series("p", [(5, 5)])]),
            LineChart(title: "Constant", series: [series("c", [(0, 1), (1, 1), (2, 1)])]),
            LineChart(title: "Log of zeros", series: [series("z", [(0, 0), (1, -1)])], logarithmicY: true),
            LineChart(title: "Vertical", series: [series("v", [(3, 0), (3, 10)])]),
            LineChart(title: "Huge", series: [series("h", [(0, -1e308), (1, 1e308)])]),
        ]
        for chart in charts {
            expectFiniteGeometry(SVGFigure.render([chart]))
        }
        let all = SVGFigure.render(charts, columns: 3)
        expectFiniteGeometry(all)
        let root = parse(all).elements.first
        #expect(root?.attributes["width"] == "1440" && root?.attributes["height"] == "900")
        let nothing = SVGFigure.render([])
        #expect(nothing.hasPrefix("<svg"))
        expectFiniteGeometry(nothing)
    }

    @Test func panelsFillTheGridByRows() {
        let chart = LineChart(title: "T", series: [series("s", [(0, 0), (1, 1)])])
        let svg = SVGFigure.render([chart, chart, chart], columns: 2, panelWidth: 400, panelHeight: 250)
        let elements = parse(svg).elements
        #expect(elements.first?.attributes["width"] == "800" && elements.first?.attributes["height"] == "500")
        let polylines = elements.filter { $0.name == "polyline" }
        #expect(polylines.count == 3)
        let firsts = polylines.compactMap { coordinates($0.attributes["points"] ?? "").first }
        #expect(firsts.count == 3)
        if firsts.count == 3 {
            #expect(abs(firsts[1].x - firsts[0].x - 400) < 1e-9 && abs(firsts[1].y - firsts[0].y) < 1e-9)
            #expect(abs(firsts[2].x - firsts[0].x) < 1e-9 && abs(firsts[2].y - firsts[0].y - 250) < 1e-9)
        }
    }

    @Test func writeStoresTheRenderedDocument() throws {
        let charts = [LineChart(title: "A", series: [series("s", [(0, 1), (1, 2)])])]
        let url = scratch.file("figure.svg")
        try SVGFigure.write(charts, columns: 1, to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == SVGFigure.render(charts, columns: 1))
    }
}
