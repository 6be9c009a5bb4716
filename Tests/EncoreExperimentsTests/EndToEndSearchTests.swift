import Foundation
import XCTest

/// End-to-end random search on the built binary: trials drawn, run and chosen on validation like
/// grid points; shards and `--resume` agree with a whole run.
final class EndToEndSearchTests: XCTestCase {
    let models = """
        {"model": "popularity", "label": "Pop"},
        {"model": "ease", "search": {"kind": "random", "trials": 5, "seed": 3, "space": {"lambda": {"log_range": [1, 1000]}}}}
        """

    func testARandomSearchChoosesItsBestTrialOnValidationAndShardsMerge() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: models), to: "spec.json")
        let validate = try harness.run("validate", "spec.json")
        XCTAssertEqual(validate.code, 0, validate.summary)
        XCTAssertTrue(validate.stdout.contains("2 models, 12 runs"), validate.summary)

        let whole = try harness.run("run", "spec.json", "--output", "whole")
        XCTAssertEqual(whole.code, 0, whole.summary)
        let runs = try XCTUnwrap(try harness.json("whole/results.json")["runs"] as? [[String: Any]])
        let ease = runs.filter { $0["label"] as? String == "ease" }
        XCTAssertEqual(ease.count, 10, "5 trials x 2 seeds")
        var validation: [Double: [Double]] = [:]
        for run in ease {
            let lambda = try XCTUnwrap((run["grid_point"] as? [String: Any])?["lambda"] as? Double)
            XCTAssertTrue(lambda >= 1 && lambda < 1000, "\(lambda)")
            XCTAssertEqual((run["config"] as? [String: Any])?["lambda"] as? Double, lambda, "the config holds the drawn value")
            let id = try XCTUnwrap(run["run_id"] as? String)
            XCTAssertNotNil(id.range(of: #"^ease-g[0-4]-s[12]$"#, options: .regularExpression), id)
            validation[lambda, default: []].append(try XCTUnwrap((run["validation"] as? [String: Double])?["ndcg@10"]))
            // The progress line names the trial's value with at most 4 significant digits.
            let label = "[ease lambda=\(Self.fourDigits(lambda)) seed \(run["seed"] ?? "")]"
            XCTAssertTrue(whole.stderr.contains(label), "\(label) missing:\n\(whole.stderr)")
        }
        XCTAssertEqual(validation.count, 5, "five distinct trials")
        XCTAssertTrue(validation.values.allSatisfy { $0.count == 2 })
        // The table's row is the trial with the best mean validation value over seeds.
        let best = try XCTUnwrap(validation.max { $0.value.reduce(0, +) < $1.value.reduce(0, +) }?.key)
        let table = csvColumns(try harness.read("whole/table.csv"))
        let row = try XCTUnwrap(table.rows.first { $0[0] == "ease" })
        let point = try XCTUnwrap(table.header.firstIndex(of: "grid_point"))
        XCTAssertEqual(row[point].replacingOccurrences(of: "\"\"", with: "\"").trimmingCharacters(in: CharacterSet(charactersIn: "\"")),
                       #"{"lambda":\#(best)}"#)
        XCTAssertTrue(try harness.read("whole/table.md").contains("ease (ease): lambda=\(Self.fourDigits(best))"))

        // Three shards draw the same trials; merged, they are the whole run.
        var shards: [String: String] = [:]
        for shard in 1...3 {
            let result = try harness.run("run", "spec.json", "--output", "shard-\(shard)", "--shard", "\(shard)/3", "--quiet")
            XCTAssertEqual(result.code, 0, result.summary)
            shards.merge(try harness.outcomes("shard-\(shard)")) { a, _ in a }
        }
        XCTAssertEqual(shards, try harness.outcomes("whole"))
        let merged = try harness.run("table", "shard-1", "shard-2", "shard-3", "--output", "merged", "--quiet")
        XCTAssertEqual(merged.code, 0, merged.summary)
        XCTAssertEqual(csvColumns(try harness.read("merged/table.csv")).rows.first { $0[0] == "ease" }?[point], row[point])

        // A resumed shard finds its runs done; so does the whole experiment.
        let resumed = try harness.run("run", "spec.json", "--output", "shard-1", "--shard", "1/3", "--resume")
        XCTAssertTrue(resumed.stderr.contains("0 runs ok, 0 failed, 4 already done"), resumed.summary)
        let again = try harness.run("run", "spec.json", "--output", "whole", "--resume")
        XCTAssertTrue(again.stderr.contains("0 runs ok, 0 failed, 12 already done"), again.summary)
    }

    func testSearchProblemsExit64WithTheirPaths() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let both = models.replacingOccurrences(of: #""search""#, with: #""grid": {"lambda": [1, 2]}, "search""#)
        try harness.write(smallRankingSpec(models: both), to: "both.json")
        let result = try harness.run("validate", "both.json")
        XCTAssertEqual(result.code, 64, result.summary)
        XCTAssertTrue(result.stderr.contains(#"models[1].search: expected either "grid" or "search" in a model entry, not both"#), result.summary)
        try harness.write(smallRankingSpec(models: models.replacingOccurrences(of: "[1, 1000]", with: "[0, 1000]")), to: "zero.json")
        let zero = try harness.run("run", "zero.json")
        XCTAssertEqual(zero.code, 64, zero.summary)
        XCTAssertTrue(zero.stderr.contains("models[1].search.space.lambda.log_range: expected [low, high]: two numbers with low < high and low > 0"),
                      zero.summary)
    }

    /// `%.4g` with a plain exponent, as labels show numbers.
    static func fourDigits(_ value: Double) -> String {
        let text = String(format: "%.4g", value)
        guard let e = text.firstIndex(of: "e") else { return text }
        return "\(text[..<e])e\(Int(text[text.index(after: e)...]) ?? 0)"
    }
}
