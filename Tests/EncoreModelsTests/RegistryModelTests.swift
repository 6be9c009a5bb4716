import EncoreModels
import XCTest

/// Shape, loss-falls and fit tests of every model in `ModelRegistry.standard`, found through the
/// registry: registering a model there adds it to each test without editing it. Models train on
/// the tiny planted split of their task with `RegistryFixture.smallConfig` (size keys capped).
final class RegistryModelTests: XCTestCase {
    let models = ModelRegistry.standard.descriptions

    func testTheRegistryHoldsBothTasks() {
        XCTAssertTrue(models.contains { $0.task == .rating }, "no rating model registered")
        XCTAssertTrue(models.contains { $0.task == .ranking }, "no ranking model registered")
        XCTAssertEqual(Set(models.map(\.name)).count, models.count, "names must be unique")
    }

    /// After one epoch (or the closed-form fit): rankers score `[rows, items]` for unseen fold-in
    /// users and for trained users; rating predictors return one finite value per test pair.
    func testEveryModelAnswersWithTheRightShape() throws {
        for description in models {
            let name = description.name
            let model = try RegistryFixture.make(description)
            try RegistryFixture.fit(model, task: description.task, epochs: 1)
            let split = RegistryFixture.split(for: description.task)
            switch description.task {
            case .ranking:
                let ranker = try XCTUnwrap(model as? any Ranker, "\(name) is a ranking model but not a Ranker")
                guard case let .ranking(targets) = split.test else { return XCTFail("ranking split expected") }
                let unseen = ranker.scores(history: targets.history, trainingRows: targets.trainingRows)
                XCTAssertEqual(unseen.shape, [targets.history.rows, split.trainingData.itemCount], name)
                XCTAssertTrue(unseen.scalars.allSatisfy(\.isFinite), "\(name): non-finite scores")
                let trained = ranker.scores(history: split.trainingData.train.rows(0..<5), trainingRows: Array(0..<5))
                XCTAssertEqual(trained.shape, [5, split.trainingData.itemCount], name)
                XCTAssertTrue(trained.scalars.allSatisfy(\.isFinite), "\(name): non-finite scores for trained users")
            case .rating:
                let predictor = try XCTUnwrap(model as? any RatingPredictor, "\(name) is a rating model but not a RatingPredictor")
                guard case let .ratings(pairs) = split.test else { return XCTFail("rating split expected") }
                let predictions = predictor.predict(users: pairs.users, items: pairs.items)
                XCTAssertEqual(predictions.values.count, pairs.count, name)
                XCTAssertTrue(predictions.values.allSatisfy(\.isFinite), "\(name): non-finite predictions")
                XCTAssertTrue((0...pairs.count).contains(predictions.fallbacks), name)
            }
            XCTAssertGreaterThanOrEqual(model.parameterCount, 0, name)
        }
    }

    /// Every model trained by the shared loop lowers its mean training loss within five epochs.
    func testLossFallsForEveryGradientModel() throws {
        var tested = 0
        for description in models {
            let model = try RegistryFixture.make(description)
            guard model is any GradientModel else { continue }
            let report = try RegistryFixture.fit(model, task: description.task, epochs: 5)
            let losses = report.curve.compactMap(\.loss)
            XCTAssertEqual(losses.count, 5, description.name)
            XCTAssertTrue(losses.allSatisfy(\.isFinite), "\(description.name): \(losses)")
            if let first = losses.first, let last = losses.last {
                XCTAssertLessThan(last, first, "\(description.name): loss did not fall: \(losses)")
            }
            XCTAssertNotNil(report.bestEpoch, description.name)
            tested += 1
        }
        XCTAssertGreaterThan(tested, 0, "no gradient model registered")
    }

    /// Every closed-form model reports the validation value of the state it ends in, and that
    /// value beats a chance model (random scores or random ratings).
    func testEveryClosedFormModelFitsAndBeatsChance() throws {
        var tested = 0
        for description in models {
            let model = try RegistryFixture.make(description)
            guard !(model is any GradientModel) else { continue }
            let task = description.task
            let report = try RegistryFixture.fit(model, task: task, epochs: 1)
            let reported = try XCTUnwrap(report.bestValidation, "\(description.name) reported no validation value")
            XCTAssertFalse(report.curve.isEmpty, description.name)
            XCTAssertNil(report.bestEpoch, "\(description.name): a closed-form fit has no best epoch")
            XCTAssertEqual(reported, try RegistryFixture.validationValue(model, task: task), accuracy: 1e-9,
                           "\(description.name): the report does not describe the fitted model")
            let chance = try ChanceModel.validationValue(task: task)
            if RegistryFixture.selectionMetric(for: task).higherIsBetter {
                XCTAssertGreaterThan(reported, chance, "\(description.name) vs chance")
            } else {
                XCTAssertLessThan(reported, chance, "\(description.name) vs chance")
            }
            tested += 1
        }
        XCTAssertGreaterThan(tested, 0, "no closed-form model registered")
    }

    func testSmallConfigCapsSizeKeysOnly() throws {
        let description = ModelDescription(
            name: "x", task: .ranking, summary: "", paper: "",
            configKeys: [ConfigKey(name: "hidden_sizes", type: "[int]", defaultValue: "[600, 8]", help: ""),
                         ConfigKey(name: "latent_size", type: "int", defaultValue: "200", help: ""),
                         ConfigKey(name: "factors", type: "int", defaultValue: "8", help: ""),
                         ConfigKey(name: "epochs", type: "int", defaultValue: "500", help: "")])
        XCTAssertEqual(try RegistryFixture.smallConfig(description), #"{"hidden_sizes":[16,8],"latent_size":16}"#)
    }
}
