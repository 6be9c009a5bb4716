import EncoreModels
import Foundation
import XCTest

/// Shared fixtures of the rating-model tests: a small planted synthetic split and helpers that
/// build, fit and score models through the public registry API.
enum RatingFixture {
    /// A planted low-rank explicit dataset (rank 3, 150 users x 60 items, ~25 ratings each)
    /// split by rating-holdout 90/10 with 10% of train for validation.
    static let split: Split = {
        let dataset = SyntheticData.generate(
            users: 150, items: 60, interactionsPerUser: 25, rank: 3, explicit: true, seed: 7, name: "planted")
        return try! makeSplit(dataset, protocol: .ratingHoldout(testFraction: 0.1, validationFraction: 0.1), seed: 3)
    }()

    /// A model from the standard registry with JSON overrides.
    static func make(_ name: String, _ overrides: String = "", seed: UInt64 = 1,
                     registry: ModelRegistry = .standard) throws -> any Recommender {
        let entry = try XCTUnwrap(registry.entry(named: name), "\(name) is not registered")
        let context = ModelContext(data: split.trainingData, rng: SeededRNG(seed: seed).derive("model"), threads: 1)
        return try entry.make(Data(overrides.utf8), context)
    }

    /// A session selecting on RMSE with `epochs` epochs and no early stop.
    static func session(epochs: Int, seed: UInt64 = 1) -> TrainingSession {
        TrainingSession(selectionMetric: Metric(.rmse), rng: SeededRNG(seed: seed), maxEpochs: epochs,
                        patience: 1_000, threads: 1)
    }

    /// Fits `model` and returns its report.
    @discardableResult
    static func fit(_ model: any Recommender, epochs: Int) throws -> FitReport {
        try model.fit(split.trainingData, session: session(epochs: epochs))
    }

    /// Test RMSE (predictions clipped to 1...5).
    static func testRMSE(_ model: any Recommender) throws -> Double {
        let report = try ModelEvaluation.evaluate(model, on: split.test, metrics: [Metric(.rmse)], ratingRange: 1...5)
        return try XCTUnwrap(report.value(Metric(.rmse)))
    }

    /// Test RMSE of the item mean on the same split (the bar every model must clear).
    static let itemMeanRMSE: Double = {
        let model = try! make("item-mean")
        _ = try! fit(model, epochs: 1)
        return try! testRMSE(model)
    }()
}
