import EncoreModels
import XCTest

/// `BiasOnly` asking for three updates per batch, recording what each `loss` call saw.
private final class ThreePassBias: RatingPredictor, GradientModel, @unchecked Sendable {
    typealias Config = BiasOnly.Config
    static let name = "three-pass-bias"
    static let task = ModelTask.rating
    static let summary = "BiasOnly with three updates per batch."
    static let paper = "test model"
    static let defaultConfig = BiasOnly.defaultConfig
    static let configHelp = BiasOnly.configHelp

    let inner: BiasOnly
    /// Per `loss` call: the step and the sum of the user biases at that moment.
    var calls: [(step: TrainingStep, biasSum: Float)] = []

    init(config: Config, context: ModelContext) throws { inner = try BiasOnly(config: config, context: context) }

    var parameters: [Variable] { inner.parameters }
    func exampleCount(_ data: TrainingData) -> Int { inner.exampleCount(data) }
    var batchSize: Int { inner.batchSize }
    var defaultEpochs: Int { 1 }
    var updatesPerBatch: Int { 3 }
    func makeOptimizer(threads: Int?) -> any Optimizer { inner.makeOptimizer(threads: threads) }
    func prepareTraining(_ data: TrainingData) { inner.prepareTraining(data) }
    func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        calls.append((step, inner.userBias.value.sum()))
        return inner.loss(batch: batch, data: data, step: step, rng: &rng)
    }
    func predict(users: [Int32], items: [Int32]) -> RatingPredictions { inner.predict(users: users, items: items) }
}

/// Several optimizer updates per batch (`GradientModel.updatesPerBatch`), as DeepRec's dense
/// re-feeding makes them: the loop asks for each pass's loss after applying the previous update.
final class UpdatesPerBatchTests: XCTestCase {
    func testEachPassSeesThePreviousUpdate() throws {
        let data = RatingFixture.split.trainingData
        let examples = data.train.nonzeroCount
        let model = try ThreePassBias(
            config: BiasOnly.Config(learningRate: 0.05, regularization: 0, batchSize: (examples + 1) / 2),
            context: ModelContext(data: data, rng: SeededRNG(seed: 1), threads: 1))
        let session = TrainingSession(
            selectionMetric: Metric(.rmse), rng: SeededRNG(seed: 2), maxEpochs: 1, patience: 5, minimumUpdates: 0, threads: 1)
        let report = try model.fit(data, session: session)

        XCTAssertEqual(model.calls.map(\.step.updateInBatch), [0, 1, 2, 0, 1, 2], "two batches of three passes")
        XCTAssertEqual(model.calls.map(\.step.update), Array(0..<6), "every pass is one counted update")
        XCTAssertEqual(model.calls.map(\.step.batch), [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(model.calls[0].biasSum, 0)
        for k in 1..<model.calls.count {
            XCTAssertNotEqual(model.calls[k].biasSum, model.calls[k - 1].biasSum, "pass \(k) saw the update of pass \(k - 1)")
        }
        XCTAssertEqual(report.updatesPerEpoch, 6)
    }
}
