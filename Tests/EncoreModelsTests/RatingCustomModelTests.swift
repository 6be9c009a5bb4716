import EncoreModels
import Foundation
import XCTest

/// A model defined outside EncoreModels (the example of docs/adding-a-model.md): user and item
/// biases around the training mean, trained by the shared gradient loop.
final class BiasOnly: RatingPredictor, GradientModel, @unchecked Sendable {
    struct Config: Codable, Sendable {
        var learningRate: Float
        var regularization: Float
        var batchSize: Int
    }
    static let name = "bias-only"
    static let task = ModelTask.rating
    static let summary = "Training mean plus user and item biases."
    static let paper = "Koren 2008 (baseline predictors)"
    static let defaultConfig = Config(learningRate: 0.05, regularization: 0.01, batchSize: 64)
    static let configHelp = [
        "learning_rate": "Adam learning rate.", "regularization": "L2 on the biases.", "batch_size": "Ratings per batch.",
    ]

    let config: Config
    let userBias: Variable, itemBias: Variable
    private var mean: Float = 0
    private var users: [Int] = [], items: [Int] = [], ratings: [Float] = []

    init(config: Config, context: ModelContext) throws {
        guard config.batchSize > 0 else { throw ModelError.invalidConfig("batch_size must be positive") }
        self.config = config
        userBias = Variable(Tensor(shape: [context.trainRows, 1]), requiresGrad: true)
        itemBias = Variable(Tensor(shape: [context.itemCount, 1]), requiresGrad: true)
    }

    var parameters: [Variable] { [userBias, itemBias] }
    func exampleCount(_ data: TrainingData) -> Int { data.train.nonzeroCount }
    var batchSize: Int { config.batchSize }
    var defaultEpochs: Int { 20 }
    func makeOptimizer() -> any Optimizer { Adam(learningRate: config.learningRate) }

    func prepareTraining(_ data: TrainingData) {
        mean = data.trainMean
        users = []
        for r in 0..<data.train.rows { users += Array(repeating: r, count: data.train.count(ofRow: r)) }
        items = data.train.columnIndices.map(Int.init)
        ratings = data.train.values
    }

    func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let u = userBias.gatherRows(batch.map { users[$0] }), i = itemBias.gatherRows(batch.map { items[$0] })
        let prediction = (u + i + mean).reshaped([batch.count])
        let error = Loss.squaredError(prediction, targets: Tensor(shape: [batch.count], scalars: batch.map { ratings[$0] }))
        return error + Loss.l2Penalty([userBias, itemBias], coefficient: config.regularization / Float(users.count))
    }

    func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        let values = zip(users, items).map { mean + userBias.value[Int($0)] + itemBias.value[Int($1)] }
        return RatingPredictions(values: values, fallbacks: 0)
    }
}

final class RatingCustomModelTests: XCTestCase {
    func testModelDefinedOutsideThePackageTrainsThroughThePublicAPI() throws {
        var registry = ModelRegistry.standard
        registry.register(BiasOnly.self)
        XCTAssertNotNil(registry.entry(named: "i-autorec"))
        XCTAssertNil(ModelRegistry.standard.entry(named: "bias-only"), "the standard registry must not change")
        let description = try XCTUnwrap(registry.descriptions.first { $0.name == "bias-only" })
        XCTAssertEqual(description.configKeys.map(\.name).sorted(), ["batch_size", "learning_rate", "regularization"])

        let model = try RatingFixture.make("bias-only", #"{"learning_rate": 0.1}"#, registry: registry)
        let report = try RatingFixture.fit(model, epochs: 15)
        XCTAssertEqual(report.curve.count, 15)
        XCTAssertNotNil(report.bestEpoch)
        XCTAssertLessThan(report.curve.last!.loss!, report.curve.first!.loss!)
        XCTAssertLessThan(try RatingFixture.testRMSE(model), try RatingFixture.testRMSE(RatingFixture.fitted("global-mean")))
        XCTAssertThrowsError(try RatingFixture.make("bias-only", #"{"batch_size": 0}"#, registry: registry))
        XCTAssertThrowsError(try RatingFixture.make("bias-only", #"{"unknown_key": 1}"#, registry: registry))
    }
}

extension RatingFixture {
    /// A standard model fitted with its defaults for `epochs` epochs.
    static func fitted(_ name: String, epochs: Int = 1) throws -> any Recommender {
        let model = try make(name)
        try fit(model, epochs: epochs)
        return model
    }
}
