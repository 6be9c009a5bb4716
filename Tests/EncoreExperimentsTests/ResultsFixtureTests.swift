@testable import EncoreExperiments
import XCTest

/// A small hand-made experiment: "Strong" is clearly better than "Weak" on every user; "Twin"
/// equals "Strong" on recall@20 user for user and differs from it on ndcg@100 only by noise.
/// "Strong" has two grid points: lr 0.1 has the better *test* values but worse validation.
enum ResultsFixture {
    static let users = (1...30).map { "u\($0)" }
    static let seeds = [1, 2]

    /// A deterministic zero-mean wiggle per user and seed.
    static func noise(_ user: Int, _ seed: Int) -> Double { Double((user * 7 + seed * 3) % 11 - 5) / 100 }

    static func identity() -> ResultsFile {
        ResultsFile(experiment: "fixture", specSHA256: String(repeating: "a", count: 64), dataSHA256: String(repeating: "b", count: 64),
                    context: context, provenance: Provenance.collect(threads: 1, commandLine: ["test"]))
    }

    static let context = TableContext(
        experiment: "fixture", protocolDescription: "Strong generalization, 30 test users.",
        datasetDescription: "Synthetic: 90 users, 40 items, 900 interactions.", metrics: ["recall@20", "ndcg@100"],
        metricDefinitions: TableContext.definitions(for: [Metric(.recall, k: 20), Metric(.ndcg, k: 100)]),
        selectionMetric: "ndcg@100")

    /// (label, grid point, validation, per-user value function by metric).
    private static let models: [(label: String, grid: JSONValue, validation: Double, value: @Sendable (String, Int, Int) -> Double)] = [
        ("Strong", ["lr": 0.01], 0.4, { _, user, seed in 0.5 + noise(user, seed) }),
        ("Strong", ["lr": 0.1], 0.2, { _, _, _ in 0.9 }),
        ("Weak", [:], 0.3, { _, user, seed in 0.3 + noise(user, seed + 1) }),
        ("Twin", [:], 0.39, { metric, user, seed in
            metric == "recall@20" ? 0.5 + noise(user, seed) : 0.5 + noise(user, seed) + (user % 2 == 0 ? 0.03 : -0.031) }),
    ]

    static let perUser: [String: PerUserMetrics] = {
        var result: [String: PerUserMetrics] = [:]
        for (gridIndex, model) in models.enumerated() {
            for seed in seeds {
                var values: [String: [Double]] = [:]
                for metric in context.metrics {
                    values[metric] = users.indices.map { model.value(metric, $0 + 1, seed) }
                }
                result[RunRecord.makeID(model.label, gridIndex: gridIndex, seed: seed)] =
                    PerUserMetrics(userIDs: users, metricNames: context.metrics, values: values)
            }
        }
        return result
    }()

    static func file() -> ResultsFile {
        var file = identity()
        for (gridIndex, model) in models.enumerated() {
            for seed in seeds {
                let runID = RunRecord.makeID(model.label, gridIndex: gridIndex, seed: seed)
                let test = perUser[runID]!.values.mapValues { ReportStatistics.mean($0) }
                let scale = Double((gridIndex + 1) * (gridIndex + 1))
                let curve = (1...5).map { epoch -> CurvePoint in
                    let fraction = Double(epoch) / 5
                    return CurvePoint(epoch: epoch, loss: 100 / (Double(epoch) * scale), validation: model.validation * fraction, seconds: Double(epoch))
                }
                file.runs.append(RunRecord(
                    model: model.label.lowercased(), label: model.label, config: ["lr": 0.01, "hidden": [20]], gridPoint: model.grid,
                    seed: seed, runID: runID, validation: ["ndcg@100": model.validation + Double(seed) / 1000], test: test,
                    epochsToBest: 5, trainSeconds: 2.5, evalSeconds: 0.25, peakMemoryBytes: 12_500_000, parameters: 1234,
                    curve: curve, testUsers: users.count, skippedUsers: 0))
            }
        }
        file.runs.append(RunRecord(model: "weak", label: "Weak", seed: 3, runID: "Weak-g2-s3", status: .failed,
                                   failure: "loss became NaN at epoch 4"))
        return file
    }

    static var merged: MergedResults { MergedResults(file: file(), perUser: perUser) }
}

final class ResultsFixtureTests: XCTestCase {
    func testFixtureIsConsistent() {
        let file = ResultsFixture.file()
        XCTAssertEqual(file.runs.count, 9)
        XCTAssertEqual(Set(file.runs.map(\.runID)).count, 9, "run IDs must be unique")
        for run in file.runs where run.status == .ok { XCTAssertNotNil(ResultsFixture.perUser[run.runID]) }
    }
}
