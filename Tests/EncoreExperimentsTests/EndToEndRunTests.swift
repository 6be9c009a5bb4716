import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end runs of the built `encore` binary on small specs: files written, failures, resume,
/// shards, overrides, and result-store safety.
final class EndToEndRunTests: XCTestCase {
    func testRunWritesResultsTablesPlotsAndRecommendations() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(), to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out", "--save-recommendations", "5")
        XCTAssertEqual(result.code, 0, result.summary)
        XCTAssertTrue(result.stdout.contains("| Pop |"), "the table is printed\n\(result.summary)")
        XCTAssertTrue(result.stderr.contains("[Pop seed 1]"), "progress lines on stderr\n\(result.summary)")
        for file in ["table.md", "table.csv", "table.tex", "curves.svg", "summary.svg"] {
            XCTAssertTrue(harness.exists("out/\(file)"), "\(file) missing")
        }
        XCTAssertTrue(try harness.read("out/curves.svg").hasSuffix("</svg>\n") || (try harness.read("out/curves.svg")).contains("</svg>"))
        let results = try harness.json("out/results.json")
        XCTAssertEqual(results["experiment"] as? String, "e2e")
        XCTAssertEqual((results["spec_sha256"] as? String)?.count, 64)
        XCTAssertEqual((results["data_sha256"] as? String)?.count, 64)
        XCTAssertNotNil(results["provenance"] as? [String: Any])
        let runs = try XCTUnwrap(results["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["run_id"] as? String ?? "" }, [
            "Pop-g0-s1", "Pop-g0-s2", "ease-g0-s1", "ease-g0-s2", "ease-g1-s1", "ease-g1-s2", "mult-dae-g0-s1", "mult-dae-g0-s2",
        ])
        for run in runs {
            for key in ["model", "label", "config", "seed", "status", "validation", "test", "train_seconds", "eval_seconds",
                        "peak_memory_bytes", "parameters", "curve"] {
                XCTAssertNotNil(run[key], "\(run["run_id"] ?? "?") lacks \(key)")
            }
            XCTAssertEqual(run["status"] as? String, "ok")
            let test = try XCTUnwrap(run["test"] as? [String: Double])
            XCTAssertEqual(Set(test.keys), ["recall@5", "ndcg@10"])
            XCTAssertTrue(test.values.allSatisfy { (0...1).contains($0) })
            XCTAssertGreaterThan(run["peak_memory_bytes"] as? Int ?? 0, 0)
        }
        let dae = try XCTUnwrap(runs.last)
        XCTAssertNotNil(dae["epochs_to_best"] as? Int)
        XCTAssertEqual((dae["curve"] as? [Any])?.count ?? 0, 3, "max_epochs 3 with patience 2 over 3 epochs")

        // Per-user files and saved recommendations use the original IDs of ratings.tsv.
        let perUser = csvColumns(try harness.read("out/runs/ease-g1-s2/per_user.csv"))
        XCTAssertEqual(perUser.header, ["user", "recall@5", "ndcg@10"])
        XCTAssertEqual(perUser.rows.count, runs[5]["test_users"] as? Int)
        XCTAssertTrue(perUser.rows.allSatisfy { $0[0].hasPrefix("U") })
        let recommendations = csvColumns(try harness.read("out/runs/ease-g1-s2/recommendations.csv"))
        XCTAssertEqual(recommendations.header, ["user", "rank", "item", "score"])
        XCTAssertEqual(recommendations.rows.count, 15 * 5, "top-5 for each of the 15 test users")
        XCTAssertTrue(recommendations.rows.allSatisfy { $0[0].hasPrefix("U") && $0[2].hasPrefix("I") && (1...5).contains(Int($0[1]) ?? 0) })
        let targets = csvColumns(try harness.read("out/runs/ease-g1-s2/targets.csv"))
        XCTAssertEqual(targets.header, ["user", "item"])
        XCTAssertFalse(targets.rows.isEmpty)
        XCTAssertTrue(targets.rows.allSatisfy { $0[0].hasPrefix("U") && $0[1].hasPrefix("I") })

        // The table shows one row per label, at the chosen grid point, with its metric columns.
        let table = csvColumns(try harness.read("out/table.csv"))
        XCTAssertEqual(table.rows.map { $0[0] }, ["Pop", "ease", "mult-dae"])
        XCTAssertTrue(table.header.contains("ndcg@10_mean") && table.header.contains("peak_memory_mb"), "\(table.header)")
        let markdown = try harness.read("out/table.md")
        XCTAssertTrue(markdown.contains("Grid points chosen"), markdown)
        XCTAssertTrue(try harness.read("out/table.tex").contains("\\toprule"))
    }

    func testQuietPrintsOnlyTheTable() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]"), to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out", "--quiet")
        XCTAssertEqual(result.code, 0, result.summary)
        XCTAssertEqual(result.stderr, "", result.summary)
        XCTAssertTrue(result.stdout.contains("| popularity |"), result.summary)
    }

    func testFailedRunsExit1AndKeepEveryOtherRecord() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let models = """
            {"model": "popularity"},
            {"model": "ease", "config": {"memory_limit_mb": 0}},
            {"model": "mult-dae", "label": "diverges", "config": {"hidden_sizes": [8], "learning_rate": 1e30}},
            {"model": "ease", "label": "ease-ok"}
            """
        try harness.write(smallRankingSpec(models: models, seeds: "[1]"), to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out", "--quiet")
        XCTAssertEqual(result.code, 1, result.summary)
        let runs = try XCTUnwrap(try harness.json("out/results.json")["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["status"] as? String ?? "" }, ["ok", "failed", "failed", "ok"])
        XCTAssertTrue((runs[1]["failure"] as? String ?? "").contains("memory_limit_mb"), "\(runs[1])")
        XCTAssertTrue((runs[2]["failure"] as? String ?? "").contains("loss"), "\(runs[2])")
        XCTAssertNotNil(runs[0]["test"] as? [String: Double], "the run before the failures keeps its results")
        XCTAssertTrue(harness.exists("out/runs/popularity-g0-s1/per_user.csv"))
        let table = try harness.read("out/table.md")
        XCTAssertTrue(table.contains("Failed runs") && table.contains("ease-g0-s1") && table.contains("diverges-g0-s1"), table)
        XCTAssertTrue(table.contains("| ease-ok |"), table)

        // Resuming skips every recorded run, failed ones included, and still exits 1: the results
        // hold failed runs.
        let resumed = try harness.run("run", "spec.json", "--output", "out", "--resume")
        XCTAssertEqual(resumed.code, 1, resumed.summary)
        XCTAssertTrue(resumed.stderr.contains("4 already done (2 of them recorded as failed)"), resumed.summary)
        let after = try XCTUnwrap(try harness.json("out/results.json")["runs"] as? [[String: Any]])
        XCTAssertEqual(after.map { $0["status"] as? String ?? "" }, ["ok", "failed", "failed", "ok"])
        XCTAssertEqual(after.map { $0["train_seconds"] as? Double ?? -1 }, runs.map { $0["train_seconds"] as? Double ?? -1 },
                       "recorded runs are not rerun")
    }

    /// A split that leaves no test user is a failed run with the reason, never "ok" with 0.0000.
    func testZeroTestUsersIsAFailedRun() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]"), to: "a.json")
        let result = try harness.run(
            "run", "a.json", "--output", "out", "--quiet", "--set", #"protocol={"kind": "user-holdout", "min_interactions": 100000}"#)
        XCTAssertEqual(result.code, 1, result.summary)
        let runs = try XCTUnwrap(try harness.json("out/results.json")["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["status"] as? String ?? "" }, ["failed"])
        XCTAssertTrue((runs[0]["failure"] as? String ?? "").contains("no test users"), "\(runs[0])")
        XCTAssertEqual(runs[0]["test"] as? [String: Double] ?? [:], [:], "no metric values recorded")
        XCTAssertTrue(result.stdout.contains("no test users"), "the table's footnote names the reason\n\(result.summary)")
    }

    /// Where the data lives and how many threads run are not part of the experiment: a run
    /// resumes (and so merges) with another path to the same file and another thread count.
    func testIdentityIgnoresDataPathAndThreads() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]"), to: "a.json")
        let first = try harness.run("run", "a.json", "--output", "out", "--quiet", "--threads", "1")
        XCTAssertEqual(first.code, 0, first.summary)
        let identity = try harness.json("out/results.json")["spec_sha256"] as? String
        let moved = try harness.run(
            "run", "a.json", "--output", "out", "--resume", "--threads", "2",
            "--set", "dataset.path=\(harness.url("ratings.tsv").path)")
        XCTAssertEqual(moved.code, 0, moved.summary)
        XCTAssertTrue(moved.stderr.contains("1 already done"), moved.summary)
        XCTAssertEqual(try harness.json("out/results.json")["spec_sha256"] as? String, identity)
    }

    func testAnotherExperimentNeverOverwritesResults() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]"), to: "a.json")
        try harness.write(smallRankingSpec(name: "other", models: #"{"model": "popularity"}"#, seeds: "[1]"), to: "b.json")
        XCTAssertEqual(try harness.run("run", "a.json", "--output", "out", "--quiet").code, 0)
        let before = try harness.read("out/results.json")
        let table = try harness.read("out/table.md")
        let other = try harness.run("run", "b.json", "--output", "out", "--quiet")
        XCTAssertEqual(other.code, 64, other.summary)
        XCTAssertTrue(other.stderr.contains("--output"), other.summary)
        // The same name with a changed spec is another experiment too.
        let changed = try harness.run("run", "a.json", "--output", "out", "--quiet", "--set", "seeds=[2]")
        XCTAssertEqual(changed.code, 64, changed.summary)
        XCTAssertEqual(try harness.read("out/results.json"), before)
        XCTAssertEqual(try harness.read("out/table.md"), table)
        // A non-empty directory that is not a result store is refused too.
        try FileManager.default.createDirectory(at: harness.url("notes"), withIntermediateDirectories: true)
        try harness.write("keep me", to: "notes/todo.txt")
        XCTAssertEqual(try harness.run("run", "a.json", "--output", "notes", "--quiet").code, 64)
        XCTAssertEqual(try harness.read("notes/todo.txt"), "keep me")
        XCTAssertFalse(harness.exists("notes/results.json"))
    }
}
