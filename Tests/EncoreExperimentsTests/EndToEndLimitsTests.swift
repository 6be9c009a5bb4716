import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built binary against limits: the memory check with the loaded data's sizes (exit 64
/// before any model is built), the memory-limit option and variable, and cut-offs above the
/// item count (capped, with a note).
final class EndToEndLimitsTests: XCTestCase {
    func testRunRefusesAModelTooBigForTheLoadedDataBeforeWritingAnything() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "mult-dae", "config": {"hidden_sizes": [64]}}"#, seeds: "[1]"), to: "spec.json")
        // Sized for the smallest data (one user, one item) the spec fits in 16 KiB; the loaded
        // 90 users x 45 items need more.
        let validated = try harness.run("validate", "spec.json", "--memory-limit", "16K")
        XCTAssertEqual(validated.code, 0, validated.summary)
        let refused = try harness.run("run", "spec.json", "--output", "out", "--memory-limit", "16K")
        XCTAssertEqual(refused.code, 64, refused.summary)
        XCTAssertTrue(refused.stderr.contains("models[0].config.hidden_sizes: expected a run that fits in the memory limit, 16.0 KiB (--memory-limit 16K;"),
                      refused.summary)
        XCTAssertTrue(refused.stderr.contains("found an estimated ") && refused.stderr.contains("KiB") && refused.stderr.contains("for 90 users x 45 items"),
                      refused.summary)
        XCTAssertFalse(harness.exists("out"), "nothing is written")
        // The variable sets the limit when the option is absent; a bad value is a usage error.
        setenv("ENCORE_MEMORY_LIMIT", "20K", 1)
        defer { unsetenv("ENCORE_MEMORY_LIMIT") }
        let fromEnvironment = try harness.run("run", "spec.json", "--output", "out")
        XCTAssertEqual(fromEnvironment.code, 64, fromEnvironment.summary)
        XCTAssertTrue(fromEnvironment.stderr.contains("(ENCORE_MEMORY_LIMIT=20K;"), fromEnvironment.summary)
        let bad = try harness.run("validate", "spec.json", "--memory-limit", "lots")
        XCTAssertEqual(bad.code, 64, bad.summary)
        XCTAssertTrue(bad.stderr.contains("--memory-limit lots: expected a memory size"), bad.summary)
        unsetenv("ENCORE_MEMORY_LIMIT")
        let fits = try harness.run("run", "spec.json", "--output", "out", "--quiet", "--memory-limit", "1G")
        XCTAssertEqual(fits.code, 0, fits.summary)
    }

    func testBenchModelChecksItsConfigBeforeBuildingTheModel() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let huge = try harness.run("bench", "model", "i-autorec", "--dataset", "ratings.tsv", "--config", #"{"hidden_units": 9223372036854775807}"#)
        XCTAssertEqual(huge.code, 64, huge.summary)
        XCTAssertTrue(huge.stderr.contains("i-autorec needs an estimated more than 8 EiB") && huge.stderr.contains("over the memory limit"), huge.summary)
        let bad = try harness.run("bench", "model", "i-autorec", "--dataset", "ratings.tsv", "--config", #"{"encoder_activation": "swish"}"#)
        XCTAssertEqual(bad.code, 64, bad.summary)
        XCTAssertTrue(bad.stderr.contains("--config: encoder_activation: expected one of"), bad.summary)
    }

    /// A ranking model is benchmarked on small data too: the held-out users shrink to a tenth of
    /// the users (9 + 9 of the 90 here) instead of asking for 600 + 600.
    func testBenchModelRanksOnSmallData() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let result = try harness.run("bench", "model", "popularity", "--dataset", "ratings.tsv", "--epochs", "1", "--json")
        XCTAssertEqual(result.code, 0, result.summary)
        XCTAssertTrue(result.stdout.contains("\"model\""), result.summary)
    }

    func testCutoffsAboveTheItemCountAreCappedWithANote() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let spec = smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]")
            .replacingOccurrences(of: #"["recall@5", "ndcg@10"]"#, with: #"["recall@5", "precision@500000"]"#)
        try harness.write(spec, to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out")
        XCTAssertEqual(result.code, 0, result.summary)
        XCTAssertTrue(result.stderr.contains("note: precision@500000: k is above the 45 items, so its top-k list is capped at 45 items"),
                      result.summary)
        XCTAssertFalse(result.stderr.contains("note: recall@5"), result.summary)
        let context = try XCTUnwrap(try harness.json("out/results.json")["context"] as? [String: Any])
        let notes = try XCTUnwrap(context["notes"] as? [String])
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(try harness.read("out/table.md").contains("capped at 45 items"))
        // precision@k keeps its formula: at most 45 hits over k = 500000.
        let runs = try XCTUnwrap(try harness.json("out/results.json")["runs"] as? [[String: Any]])
        let precision = try XCTUnwrap((runs.first?["test"] as? [String: Double])?["precision@500000"])
        XCTAssertGreaterThan(precision, 0)
        XCTAssertLessThanOrEqual(precision, 45.0 / 500_000)
    }
}
