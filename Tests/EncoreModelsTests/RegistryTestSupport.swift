import EncoreModels
import Foundation
import XCTest

/// What the registry-driven model tests need to treat every registered model alike: the planted
/// split of its task, a small config derived from its description, and a seeded fit.
enum RegistryFixture {
    /// The largest value a size key keeps in tests.
    static let sizeCap = 16

    /// The planted split of `task`: `RatingFixture.split` (explicit, 150 x 60) or
    /// `RankingTestSupport.split` (implicit, 400 x 120).
    static func split(for task: ModelTask) -> Split {
        task == .rating ? RatingFixture.split : RankingTestSupport.split
    }

    /// The validation metric selecting epochs: rmse for ratings, ndcg@20 for rankings.
    static func selectionMetric(for task: ModelTask) -> Metric {
        task == .rating ? Metric(.rmse) : RankingTestSupport.ndcg
    }

    /// Config overrides that shrink a model for tiny data: every key that sizes the model (an
    /// `int` or `[int]` key whose name ends in `_size`, `_sizes` or `_units`, or is `factors`) is
    /// capped at `sizeCap`; every other key keeps its default. A model whose defaults are small
    /// already gets `{}`.
    static func smallConfig(_ description: ModelDescription) throws -> String {
        var overrides: [String: Any] = [:]
        for key in description.configKeys where isSizeKey(key.name) {
            switch key.type {
            case "int":
                if let value = Int(key.defaultValue), value > sizeCap { overrides[key.name] = sizeCap }
            case "[int]":
                let values = try XCTUnwrap(
                    JSONSerialization.jsonObject(with: Data(key.defaultValue.utf8)) as? [Int], "\(description.name).\(key.name)")
                if values.contains(where: { $0 > sizeCap }) { overrides[key.name] = values.map { min($0, sizeCap) } }
            default:
                continue
            }
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: overrides, options: .sortedKeys), as: UTF8.self)
    }

    static func isSizeKey(_ name: String) -> Bool {
        name.hasSuffix("_size") || name.hasSuffix("_sizes") || name.hasSuffix("_units") || name == "factors"
    }

    /// The registered model `description.name` with its small config, for its task's split.
    static func make(_ description: ModelDescription, registry: ModelRegistry = .standard) throws -> any Recommender {
        let entry = try XCTUnwrap(registry.entry(named: description.name), "\(description.name) is not registered")
        let data = split(for: description.task).trainingData
        let context = ModelContext(data: data, rng: SeededRNG(seed: 1).derive("model"), threads: 2)
        return try entry.make(Data(try smallConfig(description).utf8), context)
    }

    /// Fits `model` on its task's split: `epochs` epochs without early stopping (closed-form
    /// models fit once).
    @discardableResult
    static func fit(_ model: any Recommender, task: ModelTask, epochs: Int) throws -> FitReport {
        let session = TrainingSession(
            selectionMetric: selectionMetric(for: task), rng: SeededRNG(seed: 11), maxEpochs: epochs, patience: 1_000,
            threads: 2, evaluationBatchSize: 64)
        return try model.fit(split(for: task).trainingData, session: session)
    }

    /// The selection metric of a fitted model on its task's validation data.
    static func validationValue(_ model: any Recommender, task: ModelTask) throws -> Double {
        let data = split(for: task).trainingData
        return try ModelEvaluation.selectionValue(
            model, on: data.validation, metric: selectionMetric(for: task), ratingRange: data.ratingRange,
            batchSize: 64, threads: 2)
    }
}

/// A model that knows nothing: seeded uniform scores, or uniform ratings in the rating range.
/// The bar every fitted model must clear on validation.
final class ChanceModel: Ranker, RatingPredictor {
    struct Config: Codable, Sendable {}
    static let name = "chance"
    static let task = ModelTask.ranking
    static let summary = "Uniform random scores or ratings."
    static let paper = "none"
    static let defaultConfig = Config()
    static let configHelp: [String: String] = [:]

    private let range: ClosedRange<Float>
    private let rng: SeededRNG

    init(config: Config, context: ModelContext) throws {
        range = context.ratingRange ?? 0...1
        rng = context.rng
    }

    func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        FitReport(curve: [], bestEpoch: nil, bestValidation: nil)
    }

    func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        var generator = rng.derive("scores")
        return Tensor.uniform([history.rows, history.cols], low: 0, high: 1, rng: &generator)
    }

    func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        var generator = rng.derive("ratings")
        let values = Tensor.uniform([users.count], low: range.lowerBound, high: range.upperBound, rng: &generator)
        return RatingPredictions(values: values.scalars, fallbacks: 0)
    }

    var parameterCount: Int { 0 }

    /// The chance model's selection metric on `task`'s validation data.
    static func validationValue(task: ModelTask) throws -> Double {
        let data = RegistryFixture.split(for: task).trainingData
        let model = try ChanceModel(config: Config(), context: ModelContext(data: data, rng: SeededRNG(seed: 5), threads: 1))
        return try RegistryFixture.validationValue(model, task: task)
    }
}
