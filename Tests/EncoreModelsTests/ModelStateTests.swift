import EncoreModels
import XCTest

/// `exportState()` / `importState(_:training:)` of every model in `ModelRegistry.standard`: a
/// model rebuilt from its config (with another initialisation) and given the exported state
/// scores and predicts bit for bit as the fitted model.
final class ModelStateTests: XCTestCase {
    /// The training data as a saved model keeps it: no validation part.
    static func withoutValidation(_ data: TrainingData) -> TrainingData {
        TrainingData(train: data.train, trainUsers: data.trainUsers, validation: .ratings(RatingPairs(users: [], items: [], ratings: [])),
                     ratingRange: data.ratingRange, itemCount: data.itemCount, trainSequences: data.trainSequences)
    }

    /// Shapes and bit patterns (NaN marks a mean baseline's group without ratings).
    static func bits(_ state: ModelState) -> [String] {
        state.tensors.map { "\($0.shape) " + $0.scalars.map { String($0.bitPattern, radix: 16) }.joined(separator: ",") }
    }

    func testEveryRegisteredModelRestoresToIdenticalScores() throws {
        for description in ModelRegistry.standard.descriptions {
            let name = description.name
            let fitted = try RegistryFixture.make(description)
            try RegistryFixture.fit(fitted, task: description.task, epochs: 2)
            let state = try fitted.exportState()
            XCTAssertFalse(state.tensors.isEmpty, "\(name) exports no state")
            XCTAssertEqual(state.names.count, state.tensors.count, name)

            // Another initialisation: only the imported state can make the scores equal.
            let split = RegistryFixture.split(for: description.task)
            let entry = try XCTUnwrap(ModelRegistry.standard.entry(named: name))
            let context = ModelContext(data: split.trainingData, rng: SeededRNG(seed: 99), threads: 1)
            let restored = try entry.make(Data(try RegistryFixture.smallConfig(description).utf8), context)
            if restored is any GradientModel {
                XCTAssertNotEqual(Self.bits(try restored.exportState()), Self.bits(state), "\(name): a fresh model already equals the fitted one")
            }
            try restored.importState(state, training: Self.withoutValidation(split.trainingData))
            XCTAssertEqual(Self.bits(try restored.exportState()), Self.bits(state), name)

            switch split.test {
            case let .ranking(targets):
                let before = try XCTUnwrap(fitted as? any Ranker), after = try XCTUnwrap(restored as? any Ranker)
                let rows = 0..<targets.history.rows
                XCTAssertEqual(after.scores(targets, rows: rows), before.scores(targets, rows: rows), "\(name): fold-in users")
                let trained = split.trainingData.train.rows(0..<6)
                XCTAssertEqual(after.scores(history: trained, trainingRows: Array(0..<6)),
                               before.scores(history: trained, trainingRows: Array(0..<6)), "\(name): trained users")
                XCTAssertEqual(restored.historyScoring, .supported, name)
            case let .ratings(pairs):
                let before = try XCTUnwrap(fitted as? any RatingPredictor), after = try XCTUnwrap(restored as? any RatingPredictor)
                let expected = before.predict(users: pairs.users, items: pairs.items)
                let found = after.predict(users: pairs.users, items: pairs.items)
                XCTAssertEqual(found.values, expected.values, name)
                XCTAssertEqual(found.fallbacks, expected.fallbacks, name)
                XCTAssertEqual(restored.historyScoring.isSupported, ["global-mean", "item-mean"].contains(name), name)
            }
        }
    }

    func testAStateThatDoesNotFitIsRefused() throws {
        let data = RankingTestSupport.split.trainingData
        let ease = try RankingTestSupport.make("ease", #"{"lambda": 50}"#, data: data)
        try RegistryFixture.fit(ease, task: .ranking, epochs: 1)
        let state = try ease.exportState()
        XCTAssertEqual(state.names, ["weights", "lambda"])

        // Fewer items than the state was fitted on.
        var smaller = data
        smaller.itemCount -= 1
        smaller.train = SparseMatrix(rows: data.train.rows, cols: data.itemCount - 1)
        smaller.trainSequences = nil
        let other = try RankingTestSupport.make("ease", data: smaller)
        XCTAssertThrowsError(try other.importState(state, training: smaller)) { error in
            XCTAssertEqual(error as? ModelStateError, .mismatch(
                model: "ease", reason: "weights has shape [\(data.itemCount), \(data.itemCount)], the model's is [\(data.itemCount - 1), \(data.itemCount - 1)]"))
        }

        // A gradient model's state with a tensor missing, or another model's state.
        let dae = try RankingTestSupport.make("mult-dae", #"{"hidden_sizes": [8]}"#, data: data)
        var cut = try dae.exportState()
        cut.tensors.removeLast()
        cut.names.removeLast()
        XCTAssertThrowsError(try dae.importState(cut, training: data)) { error in
            XCTAssertEqual(error as? ModelStateError, .mismatch(model: "mult-dae", reason: "the state holds 3 tensors, the model has 4"))
        }
        XCTAssertThrowsError(try dae.importState(state, training: data)) { error in
            XCTAssertTrue("\(error)".contains("the saved state does not fit mult-dae"), "\(error)")
        }
    }

    func testAModelWithoutItsOwnExportCannotBeSaved() throws {
        let data = RankingTestSupport.split.trainingData
        let chance = try ChanceModel(config: .init(), context: ModelContext(data: data, rng: SeededRNG(seed: 1), threads: 1))
        XCTAssertThrowsError(try chance.exportState()) { error in
            XCTAssertEqual(error as? ModelStateError, .unsupported(model: "chance"))
            XCTAssertTrue("\(error)".contains("chance cannot save its learned state"), "\(error)")
        }
        XCTAssertThrowsError(try chance.importState(ModelState(names: [], tensors: []), training: data))
    }
}
