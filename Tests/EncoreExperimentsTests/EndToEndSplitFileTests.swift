import Foundation
import XCTest

/// `encore data info --save-split` and a spec's `protocol.split_file`: a saved split read back
/// gives exactly the runs of the split it was saved from; a split that does not fit the dataset
/// is a data error.
final class EndToEndSplitFileTests: XCTestCase {
    /// The test metrics of every run in `results.json`, by run ID.
    private func testMetrics(_ harness: EncoreHarness, _ directory: String) throws -> [String: [String: Double]] {
        let runs = try XCTUnwrap(try harness.json("\(directory)/results.json")["runs"] as? [[String: Any]])
        var metrics: [String: [String: Double]] = [:]
        for run in runs { metrics[run["run_id"] as? String ?? "?"] = run["test"] as? [String: Double] }
        return metrics
    }

    func testSavedSplitReproducesTheSeededSplit() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let models = #"{"model": "popularity", "label": "Pop"}, {"model": "ease", "config": {"lambda": 10}}"#
        try harness.write(smallRankingSpec(models: models, seeds: "[1]"), to: "seeded.json")
        let seeded = try harness.run("run", "seeded.json", "--output", "seeded", "--quiet")
        XCTAssertEqual(seeded.code, 0, seeded.summary)

        let save = try harness.run(
            "data", "info", "ratings.tsv", "--separator", "\\t", "--implicit", "4", "--seed", "7",
            "--split", #"{"kind": "strong-generalization", "held_out_users": 15}"#, "--save-split", "saved.split")
        XCTAssertEqual(save.code, 0, save.summary)
        XCTAssertTrue(try harness.read("saved.split").hasPrefix("encore-split 1\n"))
        let fromFile = smallRankingSpec(models: models, seeds: "[1]")
            .replacingOccurrences(of: #""seed": 7"#, with: #""split_file": "saved.split""#)
        try harness.write(fromFile, to: "file.json")
        let read = try harness.run("run", "file.json", "--output", "file", "--quiet")
        XCTAssertEqual(read.code, 0, read.summary)
        XCTAssertTrue(read.stdout.contains("split read from saved.split"), read.summary)

        let expected = try testMetrics(harness, "seeded"), found = try testMetrics(harness, "file")
        XCTAssertEqual(Set(found.keys), ["Pop-g0-s1", "ease-g0-s1"])
        XCTAssertEqual(found, expected, "the saved split is the seeded one")
    }

    func testSplitThatDoesNotFitTheDatasetIsADataError() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let save = try harness.run(
            "data", "info", "ratings.tsv", "--separator", "\\t", "--implicit", "4",
            "--split", #"{"kind": "strong-generalization", "held_out_users": 15}"#, "--save-split", "saved.split")
        XCTAssertEqual(save.code, 0, save.summary)
        var lines = try harness.read("saved.split").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let items = try XCTUnwrap(Int(lines[1].dropFirst("items ".count)))
        lines[1] = "items \(items + 1)"
        try harness.write(lines.joined(separator: "\n"), to: "wide.split")
        let spec = smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]")
            .replacingOccurrences(of: #""seed": 7"#, with: #""split_file": "wide.split""#)
        try harness.write(spec, to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out", "--quiet")
        XCTAssertEqual(result.code, 65, result.summary)
        XCTAssertTrue(result.stderr.contains("wide.split: it has \(items + 1) items, the preprocessed dataset \(items)"), result.summary)

        let missing = try harness.run("data", "info", "ratings.tsv", "--separator", "\\t", "--save-split", "x.split")
        XCTAssertEqual(missing.code, 64, missing.summary)
    }
}
