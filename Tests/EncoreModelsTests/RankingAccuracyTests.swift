import EncoreModels
import Foundation
import XCTest

/// The ML-1M accuracy and per-epoch timing driver of the ranking zoo. Skipped unless
/// `ENCORE_ACCURACY=1`; meant for release builds:
///
/// ```
/// ENCORE_ACCURACY=1 ENCORE_MODEL=mult-dae ENCORE_SEEDS=1,2,3 \
///   swift test -c release -Xswiftc -enable-testing --filter RankingAccuracyTests
/// ```
/// Environment: `ENCORE_MODEL` (registered name), `ENCORE_CONFIG` (JSON overrides),
/// `ENCORE_EPOCHS` (max epochs, default the model's), `ENCORE_PATIENCE` (default 1000),
/// `ENCORE_SEEDS` (split and model seeds, default 1), `ENCORE_THREADS` (default 2),
/// `ENCORE_DATA` (ML-1M format; default: `ml-1m-implicit/ratings.dat` under `ENCORE_DATA_DIR`,
/// else `../shared/data` beside the package).
/// Protocol: ratings >= 4 as 1, users with >= 5 interactions, strong generalization with 600
/// validation and 600 test users, 80/20 fold-in, selection on validation ndcg@100.
final class RankingAccuracyTests: XCTestCase {
    func testAccuracyOnMovieLens1M() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["ENCORE_ACCURACY"] == "1" else { throw XCTSkip("set ENCORE_ACCURACY=1 to run the ML-1M driver") }
        let name = env["ENCORE_MODEL"] ?? "popularity"
        let dataDirectory = env["ENCORE_DATA_DIR"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data").path
        let path = env["ENCORE_DATA"] ?? dataDirectory + "/ml-1m-implicit/ratings.dat"
        let seeds = (env["ENCORE_SEEDS"] ?? "1").split(separator: ",").compactMap { UInt64($0) }
        let threads = Int(env["ENCORE_THREADS"] ?? "2") ?? 2
        let (raw, _) = try DataLoader.load(path)
        let (dataset, _) = try raw.preprocessed(Preprocessing(mode: .implicit(threshold: 4), minUserInteractions: 5))
        let metrics = try Metric.parse(["recall@20", "recall@50", "ndcg@100", "precision@100"])
        let selection = try Metric(parsing: "ndcg@100")
        var results: [[String: Double]] = []
        for seed in seeds {
            let split = try makeSplit(dataset, protocol: .strongGeneralization(heldOutUsers: 600, foldInFraction: 0.8), seed: seed)
            let data = split.trainingData
            let entry = try XCTUnwrap(ModelRegistry.standard.entry(named: name))
            let model = try entry.make(Data((env["ENCORE_CONFIG"] ?? "").utf8),
                                       ModelContext(data: data, rng: SeededRNG(seed: seed), threads: threads))
            let session = TrainingSession(
                selectionMetric: selection, rng: SeededRNG(seed: seed).derive("train"), maxEpochs: env["ENCORE_EPOCHS"].flatMap { Int($0) },
                patience: Int(env["ENCORE_PATIENCE"] ?? "1000") ?? 1000, threads: threads, evaluationBatchSize: 1200,
                onEpoch: { record in
                    print(String(format: "%@ seed %llu epoch %d loss %.4f val %.4f train %.3fs val %.3fs", name, seed, record.epoch,
                                 record.loss ?? .nan, record.validation ?? .nan, record.seconds, record.validationSeconds))
                })
            let fit = try model.fit(data, session: session)
            let report = try ModelEvaluation.evaluate(model, on: split.test, metrics: metrics, ratingRange: nil,
                                                      batchSize: 1200, threads: threads)
            var row: [String: Double] = ["seed": Double(seed), "best_epoch": Double(fit.bestEpoch ?? 0),
                                         "best_val": fit.bestValidation ?? .nan]
            for metric in metrics { row[metric.name] = report.value(metric) ?? .nan }
            let seconds = fit.curve.map(\.seconds).sorted()
            row["median_epoch_s"] = seconds.isEmpty ? .nan : seconds[seconds.count / 2]
            results.append(row)
            print("RESULT \(name) \(row.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.4f", $0.value))" }.joined(separator: " "))")
        }
        for metric in metrics.map(\.name) {
            let values = results.compactMap { $0[metric] }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
            print(String(format: "SUMMARY %@ %@ %.4f ± %.4f (n=%d)", name, metric, mean, sd, values.count))
        }
    }
}
