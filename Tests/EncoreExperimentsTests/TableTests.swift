@testable import EncoreExperiments
import XCTest

final class TableTests: XCTestCase {
    func testStatisticsMatchHandComputedValues() {
        // differences 1...5: mean 3, sd sqrt(2.5), t = 4.2426, df 4 -> two-sided p = 0.013231
        XCTAssertEqual(ReportStatistics.pairedTTestPValue(differences: [1, 2, 3, 4, 5]), 0.013231, accuracy: 1e-5)
        XCTAssertEqual(ReportStatistics.pairedTTestPValue(differences: [0, 0, 0]), 1)
        XCTAssertEqual(ReportStatistics.studentTQuantile(0.975, degreesOfFreedom: 4), 2.776445, accuracy: 1e-5)
        XCTAssertEqual(ReportStatistics.studentTQuantile(0.975, degreesOfFreedom: 1000), 1.962339, accuracy: 1e-5)
        let holm = ReportStatistics.holmAdjusted([0.01, 0.04, 0.03])
        XCTAssertEqual(holm[0], 0.03, accuracy: 1e-12)
        XCTAssertEqual(holm[1], 0.06, accuracy: 1e-12)
        XCTAssertEqual(holm[2], 0.06, accuracy: 1e-12)
        XCTAssertEqual(ReportStatistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), 2.13809, accuracy: 1e-5)
        XCTAssertTrue(MetricDirection.lowerIsBetter("rmse") && MetricDirection.lowerIsBetter("MAE"))
        XCTAssertFalse(MetricDirection.lowerIsBetter("ndcg@100"))
    }

    func testChoosesGridPointOnValidationNotTest() {
        let table = ResultTable(results: ResultsFixture.merged)
        XCTAssertEqual(table.rows.map(\.label), ["Strong", "Weak", "Twin"])
        let strong = table.rows[0]
        XCTAssertEqual(strong.gridPoint, ["lr": 0.01])
        XCTAssertEqual(strong.runs.map(\.seed), [1, 2])
        XCTAssertEqual(strong.cells["recall@20"]!.mean, 0.5 + (ResultsFixture.perUser["Strong-g0-s1"]!.values["recall@20"]!.reduce(0, +) / 30 - 0.5 + ResultsFixture.perUser["Strong-g0-s2"]!.values["recall@20"]!.reduce(0, +) / 30 - 0.5) / 2, accuracy: 1e-12)
        XCTAssertEqual(table.failures.map(\.runID), ["Weak-g2-s3"])
    }

    func testBoldBestAndSignificanceMarks() {
        let table = ResultTable(results: ResultsFixture.merged)
        let strong = table.rows[0], weak = table.rows[1], twin = table.rows[2]
        // recall@20: Strong and Twin tie exactly -> both bold, neither marked; Weak marked.
        XCTAssertTrue(strong.cells["recall@20"]!.isBest && twin.cells["recall@20"]!.isBest)
        XCTAssertFalse(twin.cells["recall@20"]!.significantlyWorse)
        XCTAssertTrue(weak.cells["recall@20"]!.significantlyWorse)
        // ndcg@100: Twin is behind by noise only -> no mark; Weak is clearly worse.
        XCTAssertTrue(strong.cells["ndcg@100"]!.isBest)
        XCTAssertFalse(twin.cells["ndcg@100"]!.isBest)
        XCTAssertFalse(twin.cells["ndcg@100"]!.significantlyWorse)
        XCTAssertGreaterThan(twin.cells["ndcg@100"]!.adjustedPValue!, 0.5)
        XCTAssertTrue(weak.cells["ndcg@100"]!.significantlyWorse)
        XCTAssertLessThan(weak.cells["ndcg@100"]!.adjustedPValue!, 1e-6)

        let markdown = table.markdown
        let strongLine = markdown.split(separator: "\n").first { $0.hasPrefix("| Strong") }!
        XCTAssertTrue(strongLine.contains("**0.") && strongLine.contains(" ± "), String(strongLine))
        XCTAssertFalse(strongLine.contains("†"))
        let weakLine = markdown.split(separator: "\n").first { $0.hasPrefix("| Weak") }!
        XCTAssertEqual(weakLine.components(separatedBy: "†").count - 1, 2, String(weakLine))
        XCTAssertFalse(weakLine.contains("**"))
        XCTAssertTrue(weakLine.contains("| 2.5 | 0.25 | 5 | 1,234 | 12.5 |"), String(weakLine))
        for text in ["ndcg@100: ndcg@k = DCG@k / IDCG@k", "R\\_k: top-k over all items", "Protocol: Strong generalization", "Dataset after preprocessing: Synthetic",
                     "Holm", "paired t-test", "Weak seed 3 (Weak-g2-s3): loss became NaN at epoch 4", "lr=0.01"] {
            XCTAssertTrue(markdown.contains(text), "table.md lacks \(text)")
        }
    }

    func testNoMarkWithoutPerUserValuesAndLowerIsBetterForErrors() {
        var file = ResultsFixture.identity()
        file.context = nil
        file.runs = [
            RunRecord(model: "a", label: "A", seed: 1, runID: "a1", validation: ["rmse": 0.9], test: ["rmse": 0.85, "mae": 0.70]),
            RunRecord(model: "b", label: "B", seed: 1, runID: "b1", validation: ["rmse": 0.8], test: ["rmse": 0.95, "mae": 0.65]),
        ]
        let table = ResultTable(results: MergedResults(file: file, perUser: [:]))
        XCTAssertEqual(table.metrics, ["mae", "rmse"])
        XCTAssertEqual(table.context.selectionMetric, "rmse")
        XCTAssertTrue(table.rows[0].cells["rmse"]!.isBest)
        XCTAssertTrue(table.rows[1].cells["mae"]!.isBest)
        XCTAssertFalse(table.rows.contains { $0.cells.values.contains { $0.significantlyWorse } })
        XCTAssertFalse(table.significanceTested)
        XCTAssertTrue(table.markdown.contains("not tested"))
    }

    func testCSVAndLaTeXEscaping() {
        var file = ResultsFixture.file()
        for index in file.runs.indices where file.runs[index].label == "Weak" { file.runs[index].label = "Weak, \"v2\" 50% a_b" }
        let table = ResultTable(results: MergedResults(file: file, perUser: ResultsFixture.perUser))
        let csvRows = table.csv.split(separator: "\n").map { CSV.splitRow(String($0)) }
        XCTAssertEqual(csvRows[0].prefix(5), ["label", "model", "grid_point", "seeds", "selection_ndcg@100"])
        XCTAssertTrue(csvRows.allSatisfy { $0.count == csvRows[0].count })
        XCTAssertEqual(csvRows[2][0], "Weak, \"v2\" 50% a_b")
        XCTAssertTrue(table.csv.contains("\"Weak, \"\"v2\"\" 50% a_b\""))
        XCTAssertEqual(csvRows[1][2], #"{"lr":0.01}"#)

        XCTAssertEqual(ResultTable.latexEscape(##"a_b & 50% #1 $x$ {y} ~ ^ \"##),
                       ##"a\_b \& 50\% \#1 \$x\$ \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{}"##)
        let latex = table.latex
        XCTAssertTrue(latex.contains(#"Weak, "v2" 50\% a\_b"#))
        XCTAssertTrue(latex.contains(#"\textbf{0."#) && latex.contains(#"$\pm$"#) && latex.contains(#"$^\dagger$"#))
        XCTAssertTrue(latex.contains(#"\begin{tabular}{lrrrrrrr}"#))
        XCTAssertFalse(latex.contains("±") || latex.contains("†") || latex.contains("–") || latex.contains("∩") || latex.contains("Σ"))
    }

    /// Mean times carry the microsecond resolution of the recorded ones, not the float noise of
    /// their sum (0.1 and 0.2 s average to 0.15, not 0.15000000000000002).
    func testMeanTimesKeepTheRecordedResolution() {
        var file = ResultsFixture.file()
        for index in file.runs.indices where file.runs[index].label == "Strong" {
            file.runs[index].trainSeconds = file.runs[index].seed == 1 ? 0.1 : 0.2
            file.runs[index].evalSeconds = file.runs[index].seed == 1 ? 0.0036862 : 0.0036861
        }
        let table = ResultTable(results: MergedResults(file: file, perUser: ResultsFixture.perUser))
        let strong = table.rows.first { $0.label == "Strong" }!
        XCTAssertEqual(strong.trainSeconds, 0.15)
        XCTAssertEqual("\(strong.evalSeconds)", "0.003686")
        XCTAssertTrue(table.csv.contains(",0.15,0.003686,"), table.csv)
    }

    func testTableCommandMergesShardsAndRefusesMixedOnes() throws {
        let root = try temporaryDirectory()
        let runs = ResultsFixture.file().runs
        let shards = [root.appendingPathComponent("s1"), root.appendingPathComponent("s2")]
        for (index, shard) in shards.enumerated() {
            let store = try ResultStore(directory: shard, identity: ResultsFixture.identity(), resume: false)
            for (position, run) in runs.enumerated() where position % 2 == index {
                try store.append(run)
                if let metrics = ResultsFixture.perUser[run.runID] { try store.writePerUserMetrics(metrics, runID: run.runID) }
            }
        }
        let output = root.appendingPathComponent("out")
        let merged = root.appendingPathComponent("merged")
        XCTAssertEqual(EncoreCLI.run(["table", shards[0].path, shards[1].path, "--output", output.path,
                                      "--merge-results", merged.path, "--quiet"]), 0)
        for name in ReportWriter.fileNames {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), name)
        }
        let markdown = try String(contentsOf: output.appendingPathComponent("table.md"), encoding: .utf8)
        XCTAssertEqual(markdown, ResultTable(results: ResultsFixture.merged).markdown)
        XCTAssertEqual(try ResultStore.load(directory: merged).runs.count, runs.count)

        var other = ResultsFixture.identity()
        other.specSHA256 = String(repeating: "c", count: 64)
        let foreign = root.appendingPathComponent("foreign")
        _ = try ResultStore(directory: foreign, identity: other, resume: false)
        XCTAssertEqual(EncoreCLI.run(["table", shards[0].path, foreign.path, "--quiet"]), ExitCode.usage.rawValue)
        XCTAssertEqual(EncoreCLI.run(["table", root.appendingPathComponent("missing").path]), ExitCode.ioError.rawValue)
    }

    func testMergedRunsFollowTheRunListOrderWhateverTheShardOrder() throws {
        let root = try temporaryDirectory()
        let runs = ResultsFixture.file().runs.enumerated().map { position, run in
            var run = run
            run.runIndex = position
            return run
        }
        XCTAssertGreaterThanOrEqual(runs.count, 4)
        // Shard 2 of 2 listed first: reading order would put odd run indices first.
        let shards = [root.appendingPathComponent("s2"), root.appendingPathComponent("s1")]
        for (index, shard) in shards.enumerated() {
            let store = try ResultStore(directory: shard, identity: ResultsFixture.identity(), resume: false)
            for (position, run) in runs.enumerated() where position % 2 != index { try store.append(run) }
        }
        let merged = try MergedResults.load(directories: shards)
        XCTAssertEqual(merged.file.runs.map(\.runID), runs.map(\.runID))

        // Records without an index (older files) keep the order they were read in.
        let old = [root.appendingPathComponent("old2"), root.appendingPathComponent("old1")]
        for (index, shard) in old.enumerated() {
            let store = try ResultStore(directory: shard, identity: ResultsFixture.identity(), resume: false)
            for (position, var run) in runs.enumerated() where position % 2 != index {
                run.runIndex = nil
                try store.append(run)
            }
        }
        let read = runs.enumerated().filter { $0.offset % 2 == 1 } + runs.enumerated().filter { $0.offset % 2 == 0 }
        XCTAssertEqual(try MergedResults.load(directories: old).file.runs.map(\.runID), read.map(\.element.runID))
    }
}
