import EncoreModels
import Foundation
import XCTest

/// Small planted data and fitting helpers for the ranking-zoo tests.
enum RankingTestSupport {
    /// A planted low-rank implicit dataset (debug-build sized), strong generalization with 40
    /// validation and 40 test users.
    static let split: Split = {
        let dataset = SyntheticData.generate(users: 400, items: 120, interactionsPerUser: 14, rank: 4, seed: 7)
        return try! makeSplit(dataset, protocol: .strongGeneralization(heldOutUsers: 40, foldInFraction: 0.8), seed: 3)
    }()

    static let ndcg = try! Metric(parsing: "ndcg@20")

    /// Creates the registered model `name` with JSON config `overrides` for `data`.
    static func make(_ name: String, _ overrides: String = "", data: TrainingData, seed: UInt64 = 1) throws -> any Recommender {
        let entry = try XCTUnwrap(ModelRegistry.standard.entry(named: name), "\(name) is not registered")
        let context = ModelContext(data: data, rng: SeededRNG(seed: seed), threads: 2)
        return try entry.make(Data(overrides.utf8), context)
    }

    /// Fits `model` with a small session.
    static func fit(_ model: any Recommender, data: TrainingData, epochs: Int) throws -> FitReport {
        let session = TrainingSession(selectionMetric: ndcg, rng: SeededRNG(seed: 11), maxEpochs: epochs, patience: 1000,
                                      threads: 2, evaluationBatchSize: 64)
        return try model.fit(data, session: session)
    }

    /// ndcg@20 of a fitted model on the split's test users.
    static func testNDCG(_ model: any Recommender) throws -> Double {
        let report = try ModelEvaluation.evaluate(model, on: split.test, metrics: [ndcg], ratingRange: nil, batchSize: 64, threads: 2)
        return try XCTUnwrap(report.value(ndcg))
    }

    /// Trains `name` on the planted split and asserts it beats Popularity on test ndcg@20.
    static func assertBeatsPopularity(_ name: String, _ overrides: String = "", epochs: Int,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let data = split.trainingData
        let popularity = try make("popularity", data: data)
        _ = try fit(popularity, data: data, epochs: 1)
        let model = try make(name, overrides, data: data)
        _ = try fit(model, data: data, epochs: epochs)
        let (mine, baseline) = (try testNDCG(model), try testNDCG(popularity))
        XCTAssertGreaterThan(mine, baseline + 0.02, "\(name) ndcg@20 \(mine) vs popularity \(baseline)", file: file, line: line)
    }

    /// The scores of `model` for the split's test fold-in rows (users unseen in training).
    static func testScores(_ model: any Recommender) throws -> (Tensor, SparseMatrix) {
        guard case let .ranking(targets) = split.test else { throw XCTSkip("split is not a ranking split") }
        let ranker = try XCTUnwrap(model as? any Ranker)
        return (ranker.scores(history: targets.history, trainingRows: targets.trainingRows), targets.history)
    }

    /// Mean training loss of the first and last epoch.
    static func firstAndLastLoss(_ report: FitReport) throws -> (Double, Double) {
        (try XCTUnwrap(report.curve.first?.loss), try XCTUnwrap(report.curve.last?.loss))
    }
}
