@testable import EncoreExperiments
import Foundation
import XCTest

/// End-to-end plots of the built `encore` binary: closed-form models as reference lines, and the
/// same colour per label in a whole run, in each shard and in the shards merged in another order.
final class EndToEndPlotTests: XCTestCase {
    func testMergedShardsDrawTheColoursOfTheWholeRun() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        // "Top-Pop" and "Mult-DAE" prefer the same colour; "Mult-DAE" wins it, "Top-Pop" moves on.
        // The round-robin shards hold Top-Pop and ease, then ease and Mult-DAE.
        XCTAssertEqual(PlotColors.preferredSlot("Top-Pop"), PlotColors.preferredSlot("Mult-DAE"))
        let models = """
            {"model": "popularity", "label": "Top-Pop"},
            {"model": "ease", "grid": {"lambda": [10, 100]}},
            {"model": "mult-dae", "label": "Mult-DAE", "config": {"hidden_sizes": [8], "batch_size": 16}}
            """
        try harness.write(smallRankingSpec(models: models, seeds: "[1]"), to: "spec.json")
        XCTAssertEqual(try harness.run("run", "spec.json", "--output", "whole", "--quiet").code, 0)
        for shard in ["1/2", "2/2"] {
            let result = try harness.run("run", "spec.json", "--output", "shard-\(shard.prefix(1))", "--shard", shard, "--quiet")
            XCTAssertEqual(result.code, 0, result.summary)
        }
        // Merged in reverse, the table's rows still follow the run list (`run_index`).
        let merged = try harness.run("table", "shard-2", "shard-1", "--output", "merged", "--quiet")
        XCTAssertEqual(merged.code, 0, merged.summary)

        let whole = try XCTUnwrap(parseSVG(try harness.read("whole/curves.svg")))
        let fromShards = try XCTUnwrap(parseSVG(try harness.read("merged/curves.svg")))
        let wholeLegend = legendColors(whole), mergedLegend = legendColors(fromShards)
        XCTAssertEqual(Set(wholeLegend.keys), ["Top-Pop", "ease", "Mult-DAE"])
        XCTAssertEqual(legendEntries(whole).map(\.label), legendEntries(fromShards).map(\.label), "rows in the run list's order")
        for (label, style) in wholeLegend {
            XCTAssertEqual(mergedLegend[label]?.color, style.color, label)
            XCTAssertEqual(mergedLegend[label]?.dashed, style.dashed, label)
        }
        XCTAssertEqual(Set(wholeLegend.values.map(\.color)).count, 3)
        // Each shard's own plot, drawn by `encore run`, uses the spec's labels for its colours.
        for shard in ["shard-1", "shard-2"] {
            let legend = legendColors(try XCTUnwrap(parseSVG(try harness.read("\(shard)/curves.svg"))))
            XCTAssertFalse(legend.isEmpty, shard)
            for (label, style) in legend { XCTAssertEqual(style.color, wholeLegend[label]?.color, "\(shard) \(label)") }
        }
        // Popularity and EASE have no epochs: dashed reference lines; Mult-DAE a curve.
        XCTAssertEqual(wholeLegend["Top-Pop"]?.dashed, true)
        XCTAssertEqual(wholeLegend["ease"]?.dashed, true)
        XCTAssertEqual(wholeLegend["Mult-DAE"]?.dashed, false)
        for label in ["Top-Pop", "ease"] {
            XCTAssertTrue(whole.contains { $0.name == "line" && $0.attributes["stroke-dasharray"] == "7 4" && $0.attributes["stroke"] == wholeLegend[label]?.color },
                          label)
        }
        XCTAssertTrue(whole.contains { $0.name == "polyline" && $0.attributes["stroke"] == wholeLegend["Mult-DAE"]?.color })
        // summary.svg draws each label in its curves colour.
        let summary = try XCTUnwrap(parseSVG(try harness.read("merged/summary.svg")))
        XCTAssertEqual(Set(summary.filter { $0.name == "circle" }.compactMap { $0.attributes["fill"] }), Set(wholeLegend.values.map(\.color)))
    }
}
