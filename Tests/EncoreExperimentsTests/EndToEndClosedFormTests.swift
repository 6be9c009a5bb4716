import Foundation
import XCTest

/// End-to-end runs of the closed-form item-item models (EASE, DLAE, EDLAE), whose runs share the
/// Gram matrix of a split: the shared matrix changes no result, however the runs are scheduled.
final class EndToEndClosedFormTests: XCTestCase {
    static let models = """
        {"model": "ease", "label": "EASE", "grid": {"lambda": [10, 100]}},
        {"model": "edlae", "label": "EDLAE", "grid": {"lambda": [10, 100], "dropout": [0]}},
        {"model": "dlae", "label": "DLAE", "grid": {"lambda": [10], "dropout": [0.2, 0.5]}},
        {"model": "edlae", "label": "EDLAE-grid", "config": {"lambda_grid": [10, 100], "dropout_grid": [0, 0.5]}}
        """

    func testEDLAEWithoutDropoutIsEASEAndShardsChangeNothing() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: Self.models), to: "spec.json")
        let full = try harness.run("run", "spec.json", "--output", "full", "--quiet")
        XCTAssertEqual(full.code, 0, full.summary)
        let outcomes = try harness.outcomes("full")
        XCTAssertEqual(outcomes.count, 14)
        for grid in 0..<2 {
            for seed in 1...2 {
                let ease = try XCTUnwrap(outcomes["EASE-g\(grid)-s\(seed)"])
                XCTAssertTrue(ease.hasPrefix("ok "), ease)
                XCTAssertEqual(outcomes["EDLAE-g\(grid)-s\(seed)"], ease, "EDLAE at dropout 0 is EASE")
            }
        }
        XCTAssertNotEqual(outcomes["DLAE-g0-s1"], outcomes["DLAE-g1-s1"])
        let runs = try XCTUnwrap(try harness.json("full/results.json")["runs"] as? [[String: Any]])
        let internalGrid = try XCTUnwrap(runs.first { $0["run_id"] as? String == "EDLAE-grid-g0-s1" })
        XCTAssertEqual((internalGrid["curve"] as? [Any])?.count, 4, "one curve point per (lambda, dropout)")

        for shard in ["1/2", "2/2"] {
            let part = try harness.run("run", "spec.json", "--output", "shard\(shard.prefix(1))", "--shard", shard, "--quiet")
            XCTAssertEqual(part.code, 0, part.summary)
            for (run, outcome) in try harness.outcomes("shard\(shard.prefix(1))") {
                XCTAssertEqual(outcome, outcomes[run], "\(run) in shard \(shard)")
            }
        }
    }
}
