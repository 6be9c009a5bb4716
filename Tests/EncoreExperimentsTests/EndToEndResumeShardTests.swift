import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end `--resume`, `--shard` + `encore table`, and `--set` on the built binary.
final class EndToEndResumeShardTests: XCTestCase {
    /// The metric columns of `table.csv` (times and memory differ between runs).
    private func metricColumns(_ harness: EncoreHarness, _ directory: String) throws -> [String] {
        let table = csvColumns(try harness.read("\(directory)/table.csv"))
        let keep = table.header.indices.filter {
            let name = table.header[$0]
            return !name.hasSuffix("seconds") && name != "peak_memory_mb"
        }
        return table.rows.map { row in keep.map { "\(table.header[$0])=\(row[$0])" }.joined(separator: ",") }
    }

    func testResumeSkipsFinishedRunsAndContinuesFromACheckpoint() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings(users: 150, items: 60)
        let models = """
            {"model": "popularity"},
            {"model": "mult-dae", "config": {"hidden_sizes": [16], "batch_size": 8}}
            """
        try harness.write(smallRankingSpec(models: models, seeds: "[1]")
            .replacingOccurrences(of: #""patience": 2, "max_epochs": 3"#, with: #""patience": 0, "max_epochs": 25"#), to: "spec.json")
        let plain = try harness.run("run", "spec.json", "--output", "plain", "--quiet")
        XCTAssertEqual(plain.code, 0, plain.summary)
        let expected = try harness.outcomes("plain")
        let curve = try XCTUnwrap(try harness.json("plain/results.json")["runs"] as? [[String: Any]])[1]["curve"] as? [Any]
        XCTAssertEqual(curve?.count, 25, "patience 0 disables early stopping")

        // Kill the run right after its first checkpoint, then resume it.
        let (process, _, _) = try harness.start(["run", "spec.json", "--output", "cut", "--quiet", "--checkpoint-every", "1"])
        let checkpoint = harness.url("cut/runs/mult-dae-g0-s1/checkpoint.bin").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && process.isRunning && Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let interrupted = try XCTUnwrap(try harness.json("cut/results.json")["runs"] as? [[String: Any]])
        XCTAssertEqual(interrupted.map { $0["run_id"] as? String ?? "" }, ["popularity-g0-s1"], "killed during mult-dae")
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint))

        let resumed = try harness.run("run", "spec.json", "--output", "cut", "--resume")
        XCTAssertEqual(resumed.code, 0, resumed.summary)
        XCTAssertTrue(resumed.stderr.contains("1 runs ok, 0 failed, 1 already done"), resumed.summary)
        XCTAssertNotNil(resumed.stderr.range(of: #"\[mult-dae seed 1\] resumed at epoch [1-9]"#, options: .regularExpression),
                        resumed.summary)
        XCTAssertEqual(try harness.outcomes("cut"), expected, "a resumed run equals an uninterrupted one")
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), "the checkpoint is removed once recorded")

        // Resuming a finished experiment runs nothing; without --resume it starts afresh.
        let again = try harness.run("run", "spec.json", "--output", "cut", "--resume")
        XCTAssertTrue(again.stderr.contains("0 runs ok, 0 failed, 2 already done"), again.summary)
        let fresh = try harness.run("run", "spec.json", "--output", "cut")
        XCTAssertTrue(fresh.stderr.contains("2 runs ok, 0 failed, 0 already done"), fresh.summary)
        XCTAssertEqual(try harness.outcomes("cut"), expected)
    }

    func testShardsMergedByTableEqualTheUnshardedTable() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(), to: "spec.json")
        XCTAssertEqual(try harness.run("run", "spec.json", "--output", "whole", "--quiet").code, 0)
        let first = try harness.run("run", "spec.json", "--output", "shard-1", "--shard", "1/2", "--quiet")
        let second = try harness.run("run", "spec.json", "--output", "shard-2", "--shard", "2/2", "--quiet")
        XCTAssertEqual(first.code, 0, first.summary)
        XCTAssertEqual(second.code, 0, second.summary)
        let one = try harness.outcomes("shard-1"), two = try harness.outcomes("shard-2")
        XCTAssertEqual(one.count, 4)
        XCTAssertEqual(two.count, 4)
        XCTAssertTrue(Set(one.keys).isDisjoint(with: two.keys), "shards are disjoint")
        XCTAssertEqual(one.merging(two) { a, _ in a }, try harness.outcomes("whole"))

        let merged = try harness.run("table", "shard-1", "shard-2", "--output", "merged", "--merge-results", "merged-results")
        XCTAssertEqual(merged.code, 0, merged.summary)
        XCTAssertTrue(merged.stdout.contains("| Pop |"), merged.summary)
        for file in ["table.md", "table.csv", "table.tex", "curves.svg", "summary.svg"] {
            XCTAssertTrue(harness.exists("merged/\(file)"), "\(file) missing")
        }
        XCTAssertEqual(try metricColumns(harness, "merged"), try metricColumns(harness, "whole"))
        XCTAssertEqual(try harness.outcomes("merged-results"), try harness.outcomes("whole"))

        // Shards of different experiments are refused.
        try harness.write(smallRankingSpec(name: "other", models: #"{"model": "popularity"}"#, seeds: "[1]"), to: "other.json")
        XCTAssertEqual(try harness.run("run", "other.json", "--output", "other", "--quiet").code, 0)
        XCTAssertEqual(try harness.run("table", "shard-1", "other", "--output", "bad", "--quiet").code, 64)
        XCTAssertEqual(try harness.run("run", "spec.json", "--shard", "3/2", "--quiet").code, 64)
    }

    func testComparisonSpecShardsMergeIntoOneTablePerSetting() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let explicit = #""dataset": {"mode": "explicit", "threshold": null}, "protocol": {"kind": "rating-holdout", "held_out_users": null}, "metrics": ["rmse", "mae"]"#
        let models = """
            {"model": "popularity"}, {"model": "ease"},
            {"model": "item-mean", \(explicit)}, {"model": "global-mean", \(explicit)}
            """
        let spec = smallRankingSpec(models: models)
            .replacingOccurrences(of: #""mode": "implicit"}"#, with: #""mode": "implicit", "threshold": 4}"#)
            .replacingOccurrences(of: #""selection": {"metric": "ndcg@10", "#, with: #""selection": {"#)
        try harness.write(spec, to: "spec.json")
        let whole = try harness.run("run", "spec.json", "--output", "whole", "--quiet")
        XCTAssertEqual(whole.code, 0, whole.summary)
        XCTAssertTrue(whole.stdout.contains("## setting-1-strong-generalization") && whole.stdout.contains("## setting-2-rating-holdout"),
                      whole.summary)
        for shard in 1...2 {
            let result = try harness.run("run", "spec.json", "--output", "shard-\(shard)", "--shard", "\(shard)/2", "--quiet")
            XCTAssertEqual(result.code, 0, result.summary)
        }
        let merged = try harness.run("table", "shard-1", "shard-2", "--output", "merged", "--quiet")
        XCTAssertEqual(merged.code, 0, merged.summary)
        for setting in ["setting-1-strong-generalization", "setting-2-rating-holdout"] {
            XCTAssertEqual(try metricColumns(harness, "merged/\(setting)"), try metricColumns(harness, "whole/\(setting)"), setting)
        }
        let rating = csvColumns(try harness.read("merged/setting-2-rating-holdout/table.csv"))
        XCTAssertEqual(rating.rows.map { $0[0] }, ["item-mean", "global-mean"])
        XCTAssertTrue(rating.header.contains("rmse_mean") && !rating.header.contains("recall@5_mean"), "\(rating.header)")
        let ranking = csvColumns(try harness.read("merged/setting-1-strong-generalization/table.csv"))
        XCTAssertEqual(ranking.rows.map { $0[0] }, ["popularity", "ease"])
        XCTAssertTrue(try harness.read("merged/table.md").contains("## setting-2-rating-holdout"))
    }

    func testSetOverridesAndThreads() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(), to: "spec.json")
        let result = try harness.run(
            "run", "spec.json", "--quiet", "--threads", "1",
            "--set", "seeds=[3]", "--set", "models[0].label=Baseline", "--set", "models.1.grid.lambda=[50]",
            "--set", "output.directory=custom", "--set", "metrics=[\"hit@5\"]", "--set", "selection.metric=hit@5")
        XCTAssertEqual(result.code, 0, result.summary)
        let results = try harness.json("custom/results.json")
        let runs = try XCTUnwrap(results["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["run_id"] as? String ?? "" }, ["Baseline-g0-s3", "ease-g0-s3", "mult-dae-g0-s3"])
        XCTAssertEqual((runs[1]["config"] as? [String: Any])?["lambda"] as? Double, 50)
        XCTAssertEqual(Set((runs[0]["test"] as? [String: Double] ?? [:]).keys), ["hit@5"])
        XCTAssertEqual((results["provenance"] as? [String: Any])?["threads"] as? Int, 1)
        let bad = try harness.run("run", "spec.json", "--quiet", "--set", "models[9].label=x")
        XCTAssertEqual(bad.code, 64, bad.summary)
        XCTAssertTrue(bad.stderr.contains("models[9]"), bad.summary)
    }
}
