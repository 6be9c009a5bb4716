@testable import EncoreExperiments
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One element of a parsed SVG document: its name, attributes and text content.
struct SVGElement {
    var name: String
    var attributes: [String: String]
    var text = ""

    func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
}

/// Parses an SVG document into its elements in document order; nil when it is not well-formed.
func parseSVG(_ svg: String) -> [SVGElement]? {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [SVGElement] = []
        var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            open.append(elements.count)
            elements.append(SVGElement(name: name, attributes: attributes))
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let index = open.last { elements[index].text += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }
    }
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = Collector()
    parser.delegate = collector
    return parser.parse() ? collector.elements : nil
}

/// The legend of a plot in drawing order: (label, colour, dashed), read from each 22-unit
/// swatch line and the text that follows it.
func legendEntries(_ elements: [SVGElement]) -> [(label: String, color: String, dashed: Bool)] {
    var result: [(label: String, color: String, dashed: Bool)] = []
    for (index, element) in elements.enumerated().dropLast() where element.name == "line" {
        guard let x1 = element.number("x1"), let x2 = element.number("x2"), x2 - x1 == 22,
              elements[index + 1].name == "text", let color = element.attributes["stroke"] else { continue }
        result.append((elements[index + 1].text, color, element.attributes["stroke-dasharray"] != nil))
    }
    return result
}

/// The legend of a plot: label -> (colour, dashed).
func legendColors(_ elements: [SVGElement]) -> [String: (color: String, dashed: Bool)] {
    Dictionary(legendEntries(elements).map { ($0.label, ($0.color, $0.dashed)) }, uniquingKeysWith: { first, _ in first })
}

final class PlotStyleTests: XCTestCase {
    /// A run with a curve of (loss, validation) per epoch from 1, or a closed-form run (one
    /// point, loss NaN, no selected epoch) when `curve` has one element and `best` is nil.
    private func run(_ label: String, seed: Int = 1, curve: [(Double, Double)], best: Int?) -> RunRecord {
        let points = curve.enumerated().map { CurvePoint(epoch: $0.offset + 1, loss: $0.element.0, validation: $0.element.1, seconds: 1) }
        let selected = best.map { curve[$0 - 1].1 } ?? curve.last!.1
        return RunRecord(model: label.lowercased(), label: label, seed: seed, runID: RunRecord.makeID(label, gridIndex: 0, seed: seed),
                         validation: ["rmse": selected], test: ["rmse": selected + 0.01], epochsToBest: best, curve: points)
    }

    private func results(_ runs: [RunRecord]) -> MergedResults {
        var file = ResultsFixture.identity()
        file.context = TableContext(experiment: "styles", protocolDescription: "", datasetDescription: "synthetic ratings",
                                    metrics: ["rmse"], metricDefinitions: [:], selectionMetric: "rmse")
        file.runs = runs
        return MergedResults(file: file, perUser: [:])
    }

    private func curvesSVG(_ merged: MergedResults, colors: PlotColors? = nil) -> String {
        let table = ResultTable(results: merged)
        let series = CurvesPlot.series(from: table, colors: colors ?? PlotColors(labels: merged.file.runs.map(\.label)))
        return CurvesPlot.svg(series: series, validationMetric: "rmse", title: "styles", subtitle: "synthetic ratings",
                              withoutCurves: table.rows.map(\.label).filter { label in !series.contains { $0.label == label } })
    }

    /// Settled rmse curves near 0.9, whose first epochs are far off (2.5 and 4.0).
    private var diverging: [RunRecord] {
        let deepRec: [(Double, Double)] = [(9, 4.0)] + (2...40).map { (epoch: Int) -> (Double, Double) in
            (1.0 / Double(epoch), 0.95 + 0.1 / Double(epoch))
        }
        let autoRec: [(Double, Double)] = [(5, 2.5)] + (2...40).map { (epoch: Int) -> (Double, Double) in
            (2.0 / Double(epoch), 0.90 + 0.05 / Double(epoch))
        }
        return [run("DeepRec", curve: deepRec, best: 30), run("AutoRec", curve: autoRec, best: 35)]
    }

    func testFNVHashIsTheStandardOne() {
        // Published FNV-1a 64-bit test vectors: the slot must not depend on the process or platform.
        XCTAssertEqual(PlotColors.preferredSlot("a"), Int(UInt64(0xaf63dc4c8601ec8c) % 10))
        XCTAssertEqual(PlotColors.preferredSlot("foobar"), Int(UInt64(0x85944171f73967e8) % 10))
        XCTAssertEqual(PlotColors.preferredSlot(""), Int(UInt64(0xcbf29ce484222325) % 10))
    }

    func testColorsDependOnTheLabelSetNotItsOrder() {
        let labels = ["CDAE", "Mult-VAE", "Mult-DAE", "EASE", "ItemKNN", "Popularity"]
        let colors = PlotColors(labels: labels)
        XCTAssertEqual(PlotColors(labels: labels.reversed()), colors)
        XCTAssertEqual(PlotColors(labels: labels + labels.shuffled()), colors, "duplicates are ignored")
        XCTAssertEqual(Set(labels.map(colors.color)).count, labels.count, "no two labels share a colour")

        // Up to the palette's size every label gets its own colour, whatever the hashes.
        let ten = (1...10).map { "model-\($0)" }
        XCTAssertEqual(Set(ten.map(PlotColors(labels: ten).color)).count, 10)
        let eleven = PlotColors(labels: ten + ["model-11"])
        XCTAssertEqual(Set(eleven.colors.values).count, 10, "beyond the palette colours repeat")

        // A label that is the first (code-point order) to prefer its slot keeps the slot's colour
        // in every set it is drawn with.
        for label in labels {
            let rivals = labels.filter { $0 != label && PlotColors.preferredSlot($0) == PlotColors.preferredSlot(label) }
            guard rivals.allSatisfy({ label < $0 }) else { continue }
            let own = PlotColors.palette[PlotColors.preferredSlot(label)]
            XCTAssertEqual(colors.color(label), own, label)
            XCTAssertEqual(PlotColors(labels: [label]).color(label), own, label)
        }
        // A subset of labels whose preferred slots differ draws every label in its own colour.
        let alone = labels.filter { label in labels.allSatisfy { $0 == label || PlotColors.preferredSlot($0) != PlotColors.preferredSlot(label) } }
        let subset = PlotColors(labels: alone)
        for label in alone { XCTAssertEqual(subset.color(label), colors.color(label), label) }
    }

    func testCurvesColorsAreTheSameWhateverTheRunOrder() throws {
        let runs = diverging + [run("Mean", curve: [(.nan, 1.1)], best: nil), run("Zeta", curve: [(3, 1.3), (2, 1.2)], best: 2)]
        let forward = try XCTUnwrap(parseSVG(curvesSVG(results(runs))))
        let backward = try XCTUnwrap(parseSVG(curvesSVG(results(runs.reversed()))))
        let shardOnly = try XCTUnwrap(parseSVG(curvesSVG(results(Array(runs.suffix(2))), colors: PlotColors(labels: runs.map(\.label)))))
        let a = legendColors(forward), b = legendColors(backward), c = legendColors(shardOnly)
        XCTAssertEqual(Set(a.keys), ["DeepRec", "AutoRec", "Mean", "Zeta"])
        for label in a.keys { XCTAssertEqual(a[label]?.color, b[label]?.color, label) }
        for label in c.keys { XCTAssertEqual(a[label]?.color, c[label]?.color, label) }
        XCTAssertEqual(Set(a.values.map(\.color)).count, 4)
        // The polylines of a label carry its legend colour.
        let strokes = Set(forward.filter { $0.name == "polyline" }.compactMap { $0.attributes["stroke"] })
        XCTAssertEqual(strokes, Set(["DeepRec", "AutoRec", "Zeta"].compactMap { a[$0]?.color }))
    }

    func testFarOffFirstEpochsAreClippedAndMarked() throws {
        let svg = curvesSVG(results(diverging))
        let elements = try XCTUnwrap(parseSVG(svg))
        // Validation panel: its tick labels are those left of the first panel (x < 80).
        let ticks = elements.filter { $0.name == "text" && $0.attributes["text-anchor"] == "end" && ($0.number("x") ?? 0) < 80 }
            .compactMap { Double($0.text) }
        let top = try XCTUnwrap(ticks.max())
        XCTAssertLessThan(top, 1.5, "the 2.5 and 4.0 of the first epochs do not set the range: \(ticks)")
        XCTAssertGreaterThanOrEqual(top, 1.0)
        XCTAssertLessThanOrEqual(try XCTUnwrap(ticks.min()), 0.9)
        // One marker per clipped stretch: each model's first epoch on the validation panel; the
        // losses (9 and 5 against 1/40) span decades, so a log axis shows them whole.
        let markers = elements.filter { $0.name == "polygon" }
        XCTAssertEqual(markers.count, 2, svg)
        XCTAssertTrue(svg.contains("Loss (log scale)"))
        let colors = legendColors(elements)
        XCTAssertEqual(Set(markers.compactMap { $0.attributes["fill"] }), Set(colors.values.map(\.color)))
        // The markers sit on the validation panel's top edge (its clip rectangle's), inside it.
        let clip = try XCTUnwrap(elements.firstIndex { $0.name == "clipPath" })
        let panelTop = try XCTUnwrap(elements[clip + 1].number("y"))
        for marker in markers {
            let ys = try XCTUnwrap(marker.attributes["points"]).split(separator: " ").compactMap { Double($0.split(separator: ",")[1]) }
            XCTAssertEqual(ys.min()!, panelTop + 1, accuracy: 0.01)
        }
        XCTAssertTrue(svg.contains("2 values beyond the axis"), svg)
        XCTAssertTrue(svg.contains("validation DeepRec 4; AutoRec 2.5") || svg.contains("validation AutoRec 2.5; DeepRec 4"), svg)
        // Both first epochs are at the same x: the second marker moves aside.
        let xs = try markers.map { try XCTUnwrap($0.attributes["points"]).split(separator: " ").compactMap { Double($0.split(separator: ",")[0]) }.min()! }
        XCTAssertGreaterThanOrEqual(abs(xs[0] - xs[1]), 10)
        // Lines are cut at the panel's edge, and the selected epochs keep their rings.
        XCTAssertTrue(elements.filter { $0.name == "polyline" }.allSatisfy { $0.attributes["clip-path"] != nil })
        XCTAssertEqual(elements.filter { $0.name == "clipPath" }.count, 2)
        XCTAssertEqual(elements.filter { $0.name == "circle" }.count, 2)
        XCTAssertTrue(svg.contains("<title>styles (synthetic ratings)</title>"))

        // Without far-off values nothing is clipped or noted.
        let steady = (1...40).map { (epoch: Int) -> (Double, Double) in (2.0 / Double(epoch), 1.0 - 0.002 * Double(epoch)) }
        let calm = curvesSVG(results([run("AutoRec", curve: steady, best: 40)]))
        XCTAssertFalse(calm.contains("<polygon"))
        XCTAssertFalse(calm.contains("beyond the axis"))
    }

    func testClosedFormModelsAreDashedReferenceLines() throws {
        let runs = diverging + [run("Item Mean", curve: [(.nan, 1.02)], best: nil), run("Item Mean", seed: 2, curve: [(.nan, 1.02)], best: nil)]
        let svg = curvesSVG(results(runs))
        let elements = try XCTUnwrap(parseSVG(svg))
        let legend = legendColors(elements)
        let reference = try XCTUnwrap(legend["Item Mean"])
        XCTAssertTrue(reference.dashed, "the legend swatch of a reference line is dashed")
        XCTAssertEqual(legend["DeepRec"]?.dashed, false)
        let dashed = elements.filter { $0.name == "line" && $0.attributes["stroke"] == reference.color && $0.attributes["stroke-dasharray"] == "7 4" }
        XCTAssertEqual(dashed.count, 1, "one reference line across the validation panel")
        let line = try XCTUnwrap(dashed.first)
        XCTAssertEqual(line.number("x1"), 80)
        XCTAssertEqual(line.number("x2"), 470)
        XCTAssertEqual(line.number("y1"), line.number("y2"))
        // Its height is that of 1.02 on the axis: between the tick lines of the values around it.
        let tickY = Dictionary(elements.filter { $0.name == "text" && $0.attributes["text-anchor"] == "end" && ($0.number("x") ?? 0) < 80 }
            .compactMap { element in Double(element.text).map { ($0, element.number("y")! - 4) } }, uniquingKeysWith: { a, _ in a })
        let below = try XCTUnwrap(tickY.keys.filter { $0 <= 1.02 }.max()), above = try XCTUnwrap(tickY.keys.filter { $0 >= 1.02 }.min())
        let y = try XCTUnwrap(line.number("y1"))
        XCTAssertLessThanOrEqual(y, tickY[below]!)
        XCTAssertGreaterThanOrEqual(y, tickY[above]!)
        XCTAssertFalse(elements.contains { $0.name == "polyline" && $0.attributes["stroke"] == reference.color }, "no curve for it")
        XCTAssertTrue(svg.contains("Dashed lines: models trained in closed form"))
        XCTAssertFalse(svg.contains("No curve or validation value"))

        // Closed-form models only: reference lines, and the loss panel says why it is empty.
        let only = curvesSVG(results([run("Item Mean", curve: [(.nan, 1.02)], best: nil), run("Global", curve: [(.nan, 1.1)], best: nil)]))
        XCTAssertEqual(only.components(separatedBy: "stroke-dasharray=\"7 4\"").count - 1, 2)
        XCTAssertTrue(only.contains("No training loss (closed-form models only)"))
        XCTAssertFalse(only.contains("Rings mark"))
    }

    func testComparisonSettingsNameTheirSettingAndShareColours() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("encore-plot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var merged = results(diverging + [run("Mean", curve: [(.nan, 1.1)], best: nil)])
        let context = merged.file.context!
        let settings = [
            SettingContext(folder: "setting-1-strong-generalization", labels: ["Mean"], context: context),
            SettingContext(folder: "setting-2-rating-holdout", labels: ["DeepRec", "AutoRec"], context: context),
        ]
        merged.file.settings = settings
        _ = try ReportWriter.write(merged, settings: settings, to: directory)
        var colors: [String: String] = [:]
        for (setting, name) in zip(settings, ["setting 1: strong-generalization", "setting 2: rating-holdout"]) {
            for file in ["curves.svg", "summary.svg"] {
                let svg = try String(contentsOf: directory.appendingPathComponent("\(setting.folder)/\(file)"), encoding: .utf8)
                let elements = try XCTUnwrap(parseSVG(svg), file)
                XCTAssertEqual(elements.first { $0.name == "text" }?.text, "styles, \(name)", "the heading names the setting")
                XCTAssertTrue(elements.contains { $0.name == "title" && $0.text.hasPrefix("styles, \(name)") })
                if file == "curves.svg" { for (label, style) in legendColors(elements) { colors[label] = style.color } }
            }
        }
        XCTAssertEqual(colors, PlotColors(labels: ["Mean", "DeepRec", "AutoRec"]).colors, "one colour per label across settings")
        XCTAssertEqual(ReportWriter.settingName(folder: "custom"), "custom")
    }

    func testSummaryDotsUseTheLabelColours() throws {
        let merged = results(diverging)
        let table = ResultTable(results: merged)
        let colors = PlotColors(labels: ["DeepRec", "AutoRec"])
        let entries = SummaryPlot.entries(from: table, metric: "rmse", perUser: [:], colors: colors).entries
        let elements = try XCTUnwrap(parseSVG(SummaryPlot.svg(entries: entries, metric: "rmse", title: "t", note: "n")))
        let dots = elements.filter { $0.name == "circle" }.compactMap { $0.attributes["fill"] }
        XCTAssertEqual(Set(dots), Set(colors.colors.values))
        XCTAssertEqual(entries.map(\.color), entries.map { colors.color($0.label) })
    }

    func testRobustAxisKeepsTheCoreLarge() {
        // Core 0.88...0.98 with an outlier at 2.5: the axis ends within one core span above it.
        let robust = PlotAxis(values: [2.5, 0.88, 0.9, 0.98], core: [0.88, 0.9, 0.98])
        XCTAssertLessThanOrEqual(robust.upper, 1.1)
        XCTAssertGreaterThanOrEqual(robust.upper, 0.98)
        XCTAssertFalse(robust.contains(2.5))
        XCTAssertTrue(robust.contains(0.88) && robust.contains(0.98))
        // Values within reach are all shown.
        let near = PlotAxis(values: [0.05, 0.3, 0.45], core: [0.25, 0.45])
        XCTAssertTrue(near.contains(0.05))
        // On a log axis the reach is in decades: 10^6 against a core of 1...10 is cut.
        let log = PlotAxis(values: [1e6, 1, 10], core: [1, 10], allowLog: true)
        XCTAssertTrue(log.logarithmic)
        XCTAssertEqual(log.upper, 100, accuracy: 1e-9)
        XCTAssertFalse(log.contains(1e6))
        XCTAssertFalse(log.contains(0))
        // The settled part of a curve: after its first tenth (and first point); short curves whole.
        XCTAssertEqual(CurvesPlot.settled([9, 2, 1]), [9, 2, 1])
        XCTAssertEqual(CurvesPlot.settled([9, 2, 1, 1, 1]), [2, 1, 1, 1])
        XCTAssertEqual(CurvesPlot.settled((1...30).map(Double.init)), (4...30).map(Double.init))
        // A flat core still gets a visible range.
        let flat = PlotAxis(values: [5, 5, 5], core: [5])
        XCTAssertTrue(flat.lower < 5 && flat.upper > 5)
    }

    func testLogTickLabelsAreReadable() {
        let wide = PlotAxis(values: [0.1, 2e6], allowLog: true)
        XCTAssertEqual(wide.ticks.map(wide.label), ["0.1", "1", "10", "100", "1000", "10⁴", "10⁵", "10⁶", "10⁷"])
        let huge = PlotAxis(values: [1e-8, 1e8], allowLog: true)
        XCTAssertLessThanOrEqual(huge.ticks.count, 9, "wide ranges label every second or third decade")
        XCTAssertEqual(huge.label(1e-6), "10⁻⁶")
        XCTAssertEqual(PlotAxis(values: [100_000, 250_000]).label(200_000), "200000")
    }
}
