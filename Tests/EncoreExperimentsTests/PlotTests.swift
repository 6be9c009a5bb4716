@testable import EncoreExperiments
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

final class PlotTests: XCTestCase {
    /// Parses `svg` as XML and returns the element names met, failing on malformed documents.
    private func parseElements(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            var rootAttributes: [String: String] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                if names.isEmpty { rootAttributes = attributes }
                names.append(name)
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "SVG is not well-formed: \(parser.parserError.map { "\($0)" } ?? "")", file: file, line: line)
        XCTAssertEqual(collector.names.first, "svg", file: file, line: line)
        XCTAssertEqual(collector.rootAttributes["xmlns"], "http://www.w3.org/2000/svg", file: file, line: line)
        XCTAssertNotNil(collector.rootAttributes["viewBox"], file: file, line: line)
        return collector.names
    }

    func testCurvesPlotIsWellFormedWithALinePerModelAndPanel() {
        let table = ResultTable(results: ResultsFixture.merged)
        var series = CurvesPlot.series(from: table, colors: PlotColors(labels: table.rows.map(\.label)))
        XCTAssertEqual(series.map(\.label), ["Strong", "Weak", "Twin"])
        series[1].label = "Weak <b>&\"quoted\"'"
        let svg = CurvesPlot.svg(series: series, validationMetric: "ndcg@100", title: "A & B")
        let names = parseElements(svg)
        XCTAssertEqual(names.filter { $0 == "polyline" }.count, 6, "validation and loss line per series")
        XCTAssertTrue(svg.contains("Weak &lt;b&gt;&amp;&quot;quoted&quot;&apos;"))
        XCTAssertTrue(svg.contains("<title>A &amp; B</title>"))
        XCTAssertTrue(svg.contains("Loss (log scale)"), "losses spanning 100x use a log axis")
        XCTAssertTrue(svg.contains(">Epoch</text>"))
        XCTAssertEqual(names.filter { $0 == "circle" }.count, 3, "one ring per selected epoch")
    }

    func testSummaryPlotHasIntervalsBestFirst() {
        let table = ResultTable(results: ResultsFixture.merged)
        let (entries, note) = SummaryPlot.entries(from: table, metric: "ndcg@100", perUser: ResultsFixture.perUser,
                                                  colors: PlotColors(labels: ["Weak", "Strong", "Twin"]))
        XCTAssertEqual(entries.first?.label, "Strong")
        XCTAssertEqual(entries.last?.label, "Weak")
        XCTAssertTrue(entries.allSatisfy { $0.lower < $0.mean && $0.mean < $0.upper })
        XCTAssertTrue(note.contains("over 2 seeds"), note)
        let svg = SummaryPlot.svg(entries: entries, metric: "ndcg@100", title: "fixture", note: note)
        let names = parseElements(svg)
        XCTAssertEqual(names.filter { $0 == "circle" }.count, 3)
        XCTAssertEqual(names.filter { $0 == "line" }.count - table.rows.count * 3 >= 0, true)
        XCTAssertTrue(svg.contains(">Strong</text>") && svg.contains("higher is better"))

        let empty = SummaryPlot.svg(entries: [], metric: "rmse", title: "none", note: "n")
        _ = parseElements(empty)
        XCTAssertTrue(empty.contains("lower is better"))
    }

    func testAxisTicksAreNice() {
        let linear = PlotAxis(values: [0.13, 0.47])
        XCTAssertEqual(linear.ticks.count, 5)
        XCTAssertEqual(linear.ticks.first!, 0.1, accuracy: 1e-12)
        XCTAssertEqual(linear.ticks.last!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(linear.label(0.3), "0.3")
        XCTAssertFalse(linear.logarithmic)
        let log = PlotAxis(values: [2, 500], allowLog: true)
        XCTAssertTrue(log.logarithmic)
        XCTAssertEqual(log.ticks, [1, 10, 100, 1000])
        XCTAssertEqual(log.fraction(10), 1.0 / 3, accuracy: 1e-12)
        let flat = PlotAxis(values: [3, 3])
        XCTAssertLessThan(flat.lower, 3)
        XCTAssertGreaterThan(flat.upper, 3)
        XCTAssertEqual(PlotAxis.niceStep(0.07), 0.1, accuracy: 1e-12)
        XCTAssertEqual(PlotAxis.niceStep(13), 20)
    }
}
