import EncoreModels
import Foundation
import XCTest

/// A user-and-item bias model (as `BiasOnly`) whose epoch alternates like RecVAE's: `userPasses`
/// passes updating the user biases, then `itemPasses` passes updating the item biases, each with
/// its own Adam. Every loss records the gradient of both parameters; it logs each step it sees.
final class AlternatingBias: RatingPredictor, GradientModel, @unchecked Sendable {
    struct Config: Codable, Sendable {
        var userPasses: Int
        var itemPasses: Int
        var batchSize: Int
        /// Leave the item phase out (a single phase over the user biases only).
        var usersOnly: Bool
    }
    static let name = "alternating-bias"
    static let task = ModelTask.rating
    static let summary = "Training mean plus user and item biases, fitted in alternating phases."
    static let paper = "none (a test model)"
    static let defaultConfig = Config(userPasses: 2, itemPasses: 1, batchSize: 400, usersOnly: false)
    static let configHelp = ["user_passes": "", "item_passes": "", "batch_size": "", "users_only": ""]

    let config: Config
    let userBias: Variable, itemBias: Variable
    private var mean: Float = 0
    private var users: [Int] = [], items: [Int] = [], ratings: [Float] = []
    /// Every step the loop asked a loss for, with the loss.
    private(set) var steps: [(step: TrainingStep, loss: Float)] = []
    /// The phases `makeOptimizer(threads:phase:)` was asked for.
    private(set) var optimizerPhases: [Int] = []

    init(config: Config, context: ModelContext) throws {
        self.config = config
        userBias = Variable(Tensor(shape: [context.trainRows, 1]), requiresGrad: true)
        itemBias = Variable(Tensor(shape: [context.itemCount, 1]), requiresGrad: true)
    }

    var parameters: [Variable] { [userBias, itemBias] }
    func exampleCount(_ data: TrainingData) -> Int { data.train.nonzeroCount }
    var batchSize: Int { config.batchSize }
    var defaultEpochs: Int { 4 }
    func makeOptimizer(threads: Int?) -> any Optimizer { OptimizerName.adam.make(learningRate: 0.05, threads: threads) }
    func makeOptimizer(threads: Int?, phase: Int) -> any Optimizer {
        optimizerPhases.append(phase)
        return makeOptimizer(threads: threads)
    }

    var trainingPhases: [TrainingPhase] {
        let usersPhase = TrainingPhase(name: "users", parameters: [userBias], passes: config.userPasses)
        if config.usersOnly { return [usersPhase] }
        return [usersPhase, TrainingPhase(name: "items", parameters: [itemBias], passes: config.itemPasses, reportsLoss: false)]
    }

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
        let loss = Loss.squaredError(prediction, targets: Tensor(shape: [batch.count], scalars: batch.map { ratings[$0] }))
        steps.append((step, loss.value.scalarValue))
        return loss
    }

    func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        let values = zip(users, items).map { mean + userBias.value[Int($0)] + itemBias.value[Int($1)] }
        return RatingPredictions(values: values, fallbacks: 0)
    }
}

/// The shared loop's training phases: order of passes, parameter subsets, one optimizer per
/// phase, the curve's loss, and checkpoints holding every phase's optimizer.
final class TrainingPhaseTests: XCTestCase {
    final class Box: @unchecked Sendable {
        var checkpoints: [Data] = []
    }

    let registry = ModelRegistry().adding(AlternatingBias.self)
    var data: TrainingData { RatingFixture.split.trainingData }

    func make(_ config: String = "") throws -> AlternatingBias {
        try XCTUnwrap(try RatingFixture.make("alternating-bias", config, registry: registry) as? AlternatingBias)
    }

    func testAnEpochRunsEachPhaseItsPassesInOrder() throws {
        let model = try make()
        let report = try model.fit(data, session: RatingFixture.session(epochs: 2))
        let batches = (data.train.nonzeroCount + 399) / 400
        XCTAssertGreaterThan(batches, 1)
        XCTAssertEqual(report.updatesPerEpoch, 3 * batches)
        XCTAssertEqual(model.optimizerPhases, [0, 1], "one optimizer per phase")
        var expected: [String] = []
        for epoch in 1...2 {
            for (phase, pass) in [(0, 0), (0, 1), (1, 0)] {
                for batch in 0..<batches { expected.append("\(epoch) \(phase) \(pass) \(batch)") }
            }
        }
        XCTAssertEqual(model.steps.map { "\($0.step.epoch) \($0.step.phase) \($0.step.pass) \($0.step.batch)" }, expected)
        XCTAssertEqual(model.steps.map(\.step.update), Array(0..<(6 * batches)))
        // The curve averages the batches of the phases that report: here the user phase.
        let firstEpoch = model.steps.prefix(3 * batches).filter { $0.step.phase == 0 }.map { Double($0.loss) }
        XCTAssertEqual(try XCTUnwrap(report.curve.first?.loss), firstEpoch.reduce(0, +) / Double(firstEpoch.count), accuracy: 1e-9)
    }

    func testPassesOfOnePhaseShuffleDifferently() throws {
        let model = try make(#"{"user_passes": 2, "batch_size": 100000}"#)
        _ = try model.fit(data, session: RatingFixture.session(epochs: 1))
        // One batch per pass: the two user passes see the same examples in different orders,
        // so after the first update the second pass's loss differs from the first's.
        XCTAssertEqual(model.steps.count, 3)
        XCTAssertNotEqual(model.steps[0].loss, model.steps[1].loss)
    }

    func testParametersOutsideEveryPhaseStayAndKeepNoGradient() throws {
        let model = try make(#"{"users_only": true}"#)
        _ = try model.fit(data, session: RatingFixture.session(epochs: 2))
        XCTAssertTrue(model.itemBias.value.scalars.allSatisfy { $0 == 0 }, "the item biases were updated")
        XCTAssertNil(model.itemBias.grad, "a discarded gradient was kept")
        XCTAssertFalse(model.userBias.value.scalars.allSatisfy { $0 == 0 })
    }

    func testEachPhaseUpdatesOnlyItsParameters() throws {
        // Item biases move only in the item phase: a model whose item phase is the only other
        // one ends with item biases different from the users-only model's zeros, and the user
        // biases of both models after the first epoch's user passes are equal.
        let alternating = try make(#"{"item_passes": 1}"#)
        let usersOnly = try make(#"{"users_only": true}"#)
        _ = try alternating.fit(data, session: RatingFixture.session(epochs: 1))
        _ = try usersOnly.fit(data, session: RatingFixture.session(epochs: 1))
        XCTAssertEqual(alternating.userBias.value, usersOnly.userBias.value)
        XCTAssertFalse(alternating.itemBias.value.scalars.allSatisfy { $0 == 0 })
    }

    func testResumingRestoresEveryPhaseOptimizerBitIdentically() throws {
        let saved = Box()
        var full = RatingFixture.session(epochs: 6)
        full.checkpointInterval = 3
        full.saveCheckpoint = { saved.checkpoints.append($0) }
        let uninterrupted = try make()
        let fullReport = try uninterrupted.fit(data, session: full)
        XCTAssertEqual(saved.checkpoints.count, 2)

        var resumed = RatingFixture.session(epochs: 6)
        resumed.resumeFrom = saved.checkpoints[0]
        let second = try make()
        let resumedReport = try second.fit(data, session: resumed)
        XCTAssertEqual(resumedReport.curve.map(\.loss), fullReport.curve.map(\.loss))
        XCTAssertEqual(resumedReport.curve.map(\.validation), fullReport.curve.map(\.validation))
        XCTAssertEqual(second.parameters.map(\.value), uninterrupted.parameters.map(\.value))
    }

    func testACheckpointWithAnotherPhaseCountIsRefused() throws {
        let saved = Box()
        var session = RatingFixture.session(epochs: 1)
        session.checkpointInterval = 1
        session.saveCheckpoint = { saved.checkpoints.append($0) }
        _ = try make(#"{"users_only": true}"#).fit(data, session: session)
        var resumed = RatingFixture.session(epochs: 2)
        resumed.resumeFrom = try XCTUnwrap(saved.checkpoints.first)
        XCTAssertThrowsError(try make().fit(data, session: resumed)) { error in
            guard case ModelError.badCheckpoint(let reason) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(reason.contains("1 training phase(s), the model trains in 2"), reason)
        }
    }
}
