import Foundation
import XCTest

/// End-to-end plots of the built `encore` binary: closed-form models as reference lines, and the
/// same colour per label in a whole run and in its shards merged in another order.
final class EndToEndPlotTests: XCTestCase {
    func testMergedShardsDrawTheColoursOfTheWholeRun() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(seeds: "[1]"), to: "spec.json")
        XCTAssertEqual(try harness.run("run", "spec.json", "--output", "whole", "--quiet").code, 0)
        for shard in ["1/2", "2/2"] {
            let result = try harness.run("run", "spec.json", "--output", "shard-\(shard.prefix(1))", "--shard", shard, "--quiet")
            XCTAssertEqual(result.code, 0, result.summary)
        }
        // Merged in reverse, the table's rows come in another order than in the whole run.
        let merged = try harness.run("table", "shard-2", "shard-1", "--output", "merged", "--quiet")
        XCTAssertEqual(merged.code, 0, merged.summary)

        let whole = try XCTUnwrap(parseSVG(try harness.read("whole/curves.svg")))
        let fromShards = try XCTUnwrap(parseSVG(try harness.read("merged/curves.svg")))
        let wholeLegend = legendColors(whole), mergedLegend = legendColors(fromShards)
        XCTAssertEqual(Set(wholeLegend.keys), ["Pop", "ease", "mult-dae"])
        for (label, style) in wholeLegend {
            XCTAssertEqual(mergedLegend[label]?.color, style.color, label)
            XCTAssertEqual(mergedLegend[label]?.dashed, style.dashed, label)
        }
        XCTAssertEqual(Set(wholeLegend.values.map(\.color)).count, 3)
        // Popularity and EASE have no epochs: dashed reference lines; Mult-DAE a curve.
        XCTAssertEqual(wholeLegend["Pop"]?.dashed, true)
        XCTAssertEqual(wholeLegend["ease"]?.dashed, true)
        XCTAssertEqual(wholeLegend["mult-dae"]?.dashed, false)
        for label in ["Pop", "ease"] {
            XCTAssertTrue(whole.contains { $0.name == "line" && $0.attributes["stroke-dasharray"] == "7 4" && $0.attributes["stroke"] == wholeLegend[label]?.color },
                          label)
        }
        XCTAssertTrue(whole.contains { $0.name == "polyline" && $0.attributes["stroke"] == wholeLegend["mult-dae"]?.color })
        // summary.svg draws each label in its curves colour.
        let summary = try XCTUnwrap(parseSVG(try harness.read("merged/summary.svg")))
        XCTAssertEqual(Set(summary.filter { $0.name == "circle" }.compactMap { $0.attributes["fill"] }), Set(wholeLegend.values.map(\.color)))
    }
}
