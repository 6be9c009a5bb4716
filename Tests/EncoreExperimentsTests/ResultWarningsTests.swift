@testable import EncoreExperiments
import XCTest

/// The table warnings (`ResultWarnings`) on hand-made results: one label per rule, and labels
/// that come close to a rule without breaking it.
final class ResultWarningsTests: XCTestCase {
    /// An ok run whose test values equal its validation value.
    private func record(
        _ label: String, grid: JSONValue = [:], gridIndex: Int = 0, seed: Int = 1, validation: Double, best: Int? = nil,
        cap: Int? = nil, updates: Int? = nil, stopped: Bool? = nil, epochs: Int = 1
    ) -> RunRecord {
        RunRecord(
            model: label.lowercased(), label: label, gridPoint: grid, seed: seed,
            runID: RunRecord.makeID(label, gridIndex: gridIndex, seed: seed), validation: ["ndcg@100": validation],
            test: ["recall@20": validation, "ndcg@100": validation], epochsToBest: best,
            curve: (1...epochs).map { CurvePoint(epoch: $0, loss: 1, validation: validation, seconds: Double($0)) },
            epochCap: cap, updatesPerEpoch: updates, stoppedEarly: stopped)
    }

    private func makeTable(_ runs: [RunRecord]) -> ResultTable {
        var file = ResultsFixture.identity()
        file.runs = runs
        return ResultTable(results: MergedResults(file: file, perUser: [:]))
    }

    private func rowWarnings(_ table: ResultTable, _ label: String) -> [String] {
        table.rows.first { $0.label == label }?.warnings ?? ["no row \(label)"]
    }

    func testChosenGridPointAtTheEdgeOfANumericGrid() {
        let runs = [
            // Largest lambda chosen, over three values: warned.
            record("EASE", grid: ["lambda": 10], gridIndex: 0, validation: 0.30),
            record("EASE", grid: ["lambda": 100], gridIndex: 1, validation: 0.31),
            record("EASE", grid: ["lambda": 1000], gridIndex: 2, validation: 0.32),
            // Smallest learning rate chosen; the layer sizes are not numbers: only lr is warned about.
            record("DAE", grid: ["lr": 0.001, "sizes": [8]], gridIndex: 0, validation: 0.40),
            record("DAE", grid: ["lr": 0.01, "sizes": [16]], gridIndex: 1, validation: 0.35),
            record("DAE", grid: ["lr": 0.1, "sizes": [32]], gridIndex: 2, validation: 0.20),
            // An inner point, and an edge of a two-value grid: nothing.
            record("Inner", grid: ["k": 1, "b": 0.5], gridIndex: 0, validation: 0.1),
            record("Inner", grid: ["k": 2, "b": 0.5], gridIndex: 1, validation: 0.3),
            record("Inner", grid: ["k": 3, "b": 0.5], gridIndex: 2, validation: 0.2),
            record("Pair", grid: ["k": 1], gridIndex: 0, validation: 0.1),
            record("Pair", grid: ["k": 2], gridIndex: 1, validation: 0.2),
        ]
        let table = makeTable(runs)
        XCTAssertEqual(rowWarnings(table, "EASE"), [
            "EASE: the chosen lambda = 1000 is the largest of its grid values (10, 100, 1000); the optimum may lie outside the grid.",
        ])
        XCTAssertEqual(rowWarnings(table, "DAE"), [
            "DAE: the chosen lr = 0.001 is the smallest of its grid values (0.001, 0.01, 0.1); the optimum may lie outside the grid.",
        ])
        XCTAssertEqual(rowWarnings(table, "Inner"), [])
        XCTAssertEqual(rowWarnings(table, "Pair"), [])
        XCTAssertEqual(table.warnings.count, 2)
        // Per-run warnings never include the grid (it is a property of the table).
        XCTAssertTrue(runs.allSatisfy { ResultWarnings.run($0).isEmpty })
    }

    func testBestEpochAtTheEpochCap() {
        let runs = [
            // Seed 1 within 5% of 200 (>= 190), seed 2 not: one warning naming seed 1.
            record("VAE", seed: 1, validation: 0.4, best: 195, cap: 200, updates: 12, stopped: false, epochs: 200),
            record("VAE", seed: 2, validation: 0.4, best: 150, cap: 200, updates: 12, stopped: false, epochs: 200),
            // Best near the cap, but early stopping ended it: it had stopped improving.
            record("Stopped", validation: 0.3, best: 191, cap: 200, updates: 12, stopped: true, epochs: 196),
            // Just outside 5%: 189 < 190.
            record("Outside", validation: 0.2, best: 189, cap: 200, updates: 12, stopped: false, epochs: 200),
            // A closed-form model: no epochs, no cap.
            record("Closed", validation: 0.1),
        ]
        XCTAssertEqual(ResultWarnings.run(runs[0]), [
            "best epoch 195 of at most 200 (within 5% of the epoch cap): training was probably still improving; "
                + "a larger max_epochs (or the model's epochs) may do better",
        ])
        XCTAssertEqual(ResultWarnings.run(runs[1]), [])
        let table = makeTable(runs)
        XCTAssertEqual(rowWarnings(table, "VAE"), [
            "VAE: best epoch within 5% of the epoch cap (seed 1: 195 of 200); training was probably still improving, "
                + "so a larger max_epochs (or the model's epochs) may do better.",
        ])
        for label in ["Stopped", "Outside", "Closed"] { XCTAssertEqual(rowWarnings(table, label), [], label) }
        // The last epoch of a small cap is at the cap.
        XCTAssertEqual(ResultWarnings.run(record("Tiny", validation: 0.1, best: 3, cap: 3, updates: 40, stopped: false, epochs: 3)).count, 1)
    }

    func testEarlyStoppingOnEpochsOfFewUpdates() {
        let runs = [
            record("Small", seed: 1, validation: 0.1, best: 2, cap: 200, updates: 2, stopped: true, epochs: 12),
            record("Small", seed: 2, validation: 0.1, best: 3, cap: 200, updates: 2, stopped: true, epochs: 13),
            // Ten updates per epoch are enough; a run that reached its cap did not stop early.
            record("Big", validation: 0.3, best: 40, cap: 200, updates: 10, stopped: true, epochs: 50),
            record("Capped", validation: 0.2, best: 100, cap: 200, updates: 2, stopped: false, epochs: 200),
        ]
        XCTAssertEqual(ResultWarnings.run(runs[0]), [
            "early stopping ended training at epoch 12 with 2 optimizer updates per epoch (fewer than 10; 24 in all): "
                + "the model may have stopped before it learned; see selection.patience and selection.min_updates",
        ])
        let table = makeTable(runs)
        XCTAssertEqual(rowWarnings(table, "Small"), [
            "Small: early stopping fired on epochs of fewer than 10 optimizer updates (seed 1: at epoch 12, 2 per epoch, 24 in all; "
                + "seed 2: at epoch 13, 2 per epoch, 26 in all); the model may have stopped before it learned "
                + "(see selection.patience and selection.min_updates).",
        ])
        XCTAssertEqual(rowWarnings(table, "Big"), [])
        XCTAssertEqual(rowWarnings(table, "Capped"), [])
    }

    /// Warnings reach every output: footnotes of table.md and table.tex, the CSV's `warnings`
    /// column, `results.json` (`warnings` per run and for the tables); results without them
    /// (the shared fixture) have none.
    func testWarningsInEveryOutput() throws {
        let runs = [
            record("EASE", grid: ["lambda": 10], gridIndex: 0, validation: 0.30),
            record("EASE", grid: ["lambda": 100], gridIndex: 1, validation: 0.31),
            record("EASE", grid: ["lambda": 1000], gridIndex: 2, validation: 0.32),
            record("Small", validation: 0.1, best: 2, cap: 200, updates: 2, stopped: true, epochs: 12),
        ]
        let table = makeTable(runs)
        XCTAssertEqual(table.warnings.count, 2)
        XCTAssertTrue(table.footnotes.contains("Warning: " + table.warnings[0]), "\(table.footnotes)")
        XCTAssertTrue(table.markdown.contains("- Warning: EASE: the chosen lambda = 1000 is the largest"), table.markdown)
        XCTAssertTrue(table.markdown.contains("selection.min\\_updates"), table.markdown)
        XCTAssertTrue(table.latex.contains("Warning: Small: early stopping fired"), table.latex)
        let csv = table.csv.split(separator: "\n").map { CSV.splitRow(String($0)) }
        XCTAssertEqual(csv[0].last, "warnings")
        XCTAssertTrue(csv.allSatisfy { $0.count == csv[0].count })
        XCTAssertEqual(csv[1].last, table.rows[0].warnings.joined(separator: " "))
        XCTAssertTrue(csv[1].last?.hasPrefix("EASE: the chosen lambda") ?? false)

        XCTAssertTrue(ResultTable(results: ResultsFixture.merged).warnings.isEmpty)
        XCTAssertFalse(ResultTable(results: ResultsFixture.merged).markdown.contains("Warning"))

        // results.json: the facts and warnings of each run, the tables' warnings at the top.
        let directory = try temporaryDirectory()
        let store = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: false)
        var small = runs[3]
        small.warnings = ResultWarnings.run(small)
        try store.append(small)
        try store.update(warnings: table.warnings)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.appendingPathComponent("results.json"))) as? [String: Any])
        XCTAssertEqual(json["warnings"] as? [String], table.warnings)
        let record = try XCTUnwrap((json["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(record["epoch_cap"] as? Int, 200)
        XCTAssertEqual(record["updates_per_epoch"] as? Int, 2)
        XCTAssertEqual(record["stopped_early"] as? Bool, true)
        XCTAssertEqual(record["warnings"] as? [String], small.warnings)
        let reloaded = try ResultStore.load(directory: directory)
        XCTAssertEqual(reloaded.runs, [small])
        XCTAssertEqual(reloaded.warnings, table.warnings)
    }

    func testMinUpdatesInTheSpec() throws {
        let spec = try ExperimentSpec.parse(rankingSpec(), models: fakeModels)
        XCTAssertEqual(spec.selection.minUpdates, SelectionSpec.defaultMinUpdates)
        let set = try ExperimentSpec.parse(rankingSpec([("\"patience\": 5", "\"patience\": 5, \"min_updates\": 0")]), models: fakeModels)
        XCTAssertEqual(set.selection.minUpdates, 0)
        let found = problems(rankingSpec([("\"patience\": 5", "\"patience\": 5, \"min_updates\": -3")]))
        assertProblem(found, at: "selection.min_updates", contains: "expected an integer >= 0, found -3")
    }
}
