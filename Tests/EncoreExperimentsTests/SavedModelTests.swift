@testable import EncoreExperiments
import XCTest

/// `SavedModel`: every registered model, written and loaded back, scores as the fitted model
/// did (fold-in users for rankers, known users for rating models); the model directory's layout;
/// history files.
final class SavedModelTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("encore-saved-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// The registered model with its size keys capped at 8, fitted for two epochs.
    private func fitted(_ description: ModelDescription, _ split: Split) throws -> (model: any Recommender, config: JSONValue) {
        var config: [(key: String, value: JSONValue)] = []
        for key in description.configKeys {
            guard key.name.hasSuffix("_size") || key.name.hasSuffix("_sizes") || key.name == "factors" || key.name == "neighbours" else { continue }
            config.append((key.name, key.type == "int" ? .int(8) : .array([.int(8)])))
        }
        let entry = try XCTUnwrap(ModelRegistry.standard.entry(named: description.name))
        let model = try entry.make(JSONValue.object(config).data, ModelContext(data: split.trainingData, rng: SeededRNG(seed: 4), threads: 2))
        let metric = try Metric(parsing: description.task == .rating ? "rmse" : "ndcg@10")
        _ = try model.fit(split.trainingData, session: TrainingSession(selectionMetric: metric, rng: SeededRNG(seed: 5), maxEpochs: 2, threads: 2))
        return (model, .object(config))
    }

    private func save(_ model: any Recommender, name: String, config: JSONValue, split: Split, dataset: Dataset) throws -> SavedModel {
        var record = RunRecord(model: name, label: name, config: config, gridPoint: .object([]), seed: 1, runID: "\(name)-g0-s1")
        record.validation = ["ndcg@10": 0.5]
        let training = split.trainingData
        let source = SavedModel.Source(
            model: model, record: record, training: training, userIDs: training.trainUsers.map { dataset.userIDs[$0] },
            itemIDs: dataset.itemIDs, experiment: "test", specSHA256: "spec", dataSHA256: "data", dataset: .object([]),
            protocolDescription: "test protocol")
        let directory = scratch.appendingPathComponent(name)
        try SavedModel.write(source, to: directory)
        return try SavedModel.load(from: directory, registry: .standard, threads: 1)
    }

    func testEveryRankingModelScoresNewUsersAsTheFittedModel() throws {
        // Time-ordered fold-in, so that SVAE reads sequences.
        let dataset = SyntheticData.generate(users: 160, items: 50, interactionsPerUser: 10, rank: 3, seed: 2)
        let split = try makeSplit(dataset, protocol: .strongGeneralization(heldOutUsers: 20, foldInOrder: .time), seed: 1)
        guard case let .ranking(targets) = split.test else { return XCTFail("ranking targets expected") }
        XCTAssertNotNil(split.trainingData.trainSequences)
        for description in ModelRegistry.standard.descriptions where description.task == .ranking {
            let (model, config) = try fitted(description, split)
            let ranker = try XCTUnwrap(model as? any Ranker)
            let expected = Recommendations(history: targets.history, k: 10, threads: 2) { ranker.scores(targets, rows: $0) }
            let saved = try save(model, name: description.name, config: config, split: split, dataset: dataset)
            let histories = HistoryFile(
                users: targets.users.map { dataset.userIDs[$0] }, history: targets.history,
                sequences: try XCTUnwrap(targets.historySequences), skippedLines: 0)
            let found = try saved.recommendations(for: histories, k: 10)
            XCTAssertEqual(found.items, expected.items, description.name)
            XCTAssertEqual(found.scores, expected.scores, description.name)
            XCTAssertEqual(saved.manifest.scores, .init(knownUsers: true, newHistories: true, note: nil), description.name)

            // Known users: scored from their training rows.
            let rows = [0, 3, 7]
            let known = Recommendations(history: split.trainingData.train.gatherRows(rows), k: 10, threads: 2) { range in
                let history = split.trainingData.train.gatherRows(rows)
                let ordered = split.trainingData.trainSequences!.gatherRows(rows)
                let knownTargets = RankingTargets(history: history, targets: SparseMatrix(rows: 3, cols: dataset.itemCount),
                                                  users: rows, trainingRows: rows, historySequences: ordered)
                return ranker.scores(knownTargets, rows: range)
            }
            let foundKnown = saved.recommendations(forTrainingRows: rows, k: 10)
            XCTAssertEqual(foundKnown.items, known.items, description.name)
            XCTAssertEqual(foundKnown.scores, known.scores, description.name)
        }
    }

    func testRatingModelsPredictAsTheFittedModelAndExcludeWhatTheUserRated() throws {
        let dataset = SyntheticData.generate(users: 60, items: 30, interactionsPerUser: 10, rank: 3, explicit: true, seed: 3)
        let split = try makeSplit(dataset, protocol: .ratingHoldout(testFraction: 0.1, validationFraction: 0.1), seed: 1)
        guard case let .ratings(pairs) = split.test, case let .ratings(validation) = split.trainingData.validation else {
            return XCTFail("rating pairs expected")
        }
        for description in ModelRegistry.standard.descriptions where description.task == .rating {
            let (model, config) = try fitted(description, split)
            let saved = try save(model, name: description.name, config: config, split: split, dataset: dataset)
            let before = try XCTUnwrap(model as? any RatingPredictor), after = try XCTUnwrap(saved.model as? any RatingPredictor)
            XCTAssertEqual(after.predict(users: pairs.users, items: pairs.items).values,
                           before.predict(users: pairs.users, items: pairs.items).values, description.name)
            XCTAssertEqual(saved.manifest.ratingRange, [dataset.ratingRange!.lowerBound, dataset.ratingRange!.upperBound])
            XCTAssertFalse(saved.manifest.implicit)

            // User 0's list leaves out its training and validation items, and ranks by prediction.
            let list = saved.recommendations(forTrainingRows: [0], k: 30)
            var known = Set(split.trainingData.train.columns(ofRow: 0).map { $0 })
            for k in 0..<validation.count where validation.users[k] == 0 { known.insert(validation.items[k]) }
            XCTAssertFalse(known.isEmpty)
            XCTAssertEqual(Set(list.items[0]), Set(Int32(0)..<Int32(dataset.itemCount)).subtracting(known), description.name)
            let predicted = before.predict(users: list.items[0].map { _ in 0 }, items: list.items[0]).values
            XCTAssertEqual(list.scores[0], predicted, description.name)
            XCTAssertEqual(list.scores[0], list.scores[0].sorted(by: >), description.name)
        }
    }

    func testAModelThatCannotExportItsStateWritesNothing() throws {
        final class Unsaveable: Ranker {
            struct Config: Codable, Sendable {}
            static let name = "unsaveable", task = ModelTask.ranking, summary = "", paper = ""
            static let defaultConfig = Config()
            static let configHelp: [String: String] = [:]
            init(config: Config, context: ModelContext) throws {}
            func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport { FitReport(curve: [], bestEpoch: nil, bestValidation: nil) }
            func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor { Tensor(shape: [history.rows, history.cols]) }
            var parameterCount: Int { 0 }
        }
        let dataset = SyntheticData.generate(users: 40, items: 20, interactionsPerUser: 5, seed: 1)
        let split = try makeSplit(dataset, protocol: .strongGeneralization(heldOutUsers: 5), seed: 1)
        let model = try Unsaveable(config: .init(), context: ModelContext(data: split.trainingData, rng: SeededRNG(seed: 1), threads: 1))
        XCTAssertThrowsError(try save(model, name: "unsaveable", config: .object([]), split: split, dataset: dataset)) { error in
            XCTAssertEqual(error as? ModelStateError, .unsupported(model: "unsaveable"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), [], "nothing written, no temporary left")
    }

    func testAModelDirectoryIsReplacedWhole() throws {
        let target = scratch.appendingPathComponent("model")
        try ModelDirectory.write([("a.txt", Data("old".utf8)), ("b.txt", Data("old".utf8))], to: target)
        try ModelDirectory.write([("a.txt", Data("new".utf8))], to: target)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path), ["a.txt"])
        XCTAssertEqual(try String(contentsOf: target.appendingPathComponent("a.txt"), encoding: .utf8), "new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), ["model"], "no temporary left")
    }

    func testHistoryFilesReadAsDocumented() throws {
        XCTAssertEqual(HistoryFile.fields("u1,\"item, with comma\",5"), ["u1", "item, with comma", "5"])
        XCTAssertEqual(HistoryFile.fields("u1\titem 2\t3"), ["u1", "item 2", "3"])
        XCTAssertEqual(HistoryFile.fields("u1  i2 3"), ["u1", "i2", "3"])
        XCTAssertEqual(HistoryFile.fields(" u1 , \"a\"\"b\" ,c"), ["u1", "a\"b", "c"])

        let file = scratch.appendingPathComponent("history.csv")
        try Data("USER_ID,item\n\n# note\nb,i2\na,i1\nb,i0\nb,zz\nb,i2\n".utf8).write(to: file)
        var warnings: [String] = []
        let columns: [String: Int32] = ["i0": 0, "i1": 1, "i2": 2]
        let histories = try HistoryFile.read(file, itemColumns: columns, itemCount: 3, explicit: false) { warnings.append($0) }
        XCTAssertEqual(histories.users, ["b", "a"])
        XCTAssertEqual(histories.sequences[0], [0, 2], "an item given twice counts at its last line")
        XCTAssertEqual(histories.sequences[1], [1])
        XCTAssertEqual(histories.history.columns(ofRow: 0).map { $0 }, [0, 2])
        XCTAssertEqual(histories.history.values, [1, 1, 1])
        XCTAssertEqual(warnings, ["\(file.path):7: item 'zz' is not one of the model's 3 items; skipped"])
        XCTAssertEqual(histories.skippedLines, 1)

        try Data("a,i1,4.5\na,i2\n".utf8).write(to: file)
        XCTAssertThrowsError(try HistoryFile.read(file, itemColumns: columns, itemCount: 3, explicit: true) { _ in }) { error in
            XCTAssertEqual(error as? SavedModelError, .badHistory(
                file: file.path, line: 2, reason: "the model was trained on explicit ratings: expected 'user,item,rating', found 'a,i2'"))
        }
        try Data("# nothing\n".utf8).write(to: file)
        XCTAssertThrowsError(try HistoryFile.read(file, itemColumns: columns, itemCount: 3, explicit: false) { _ in }) { error in
            XCTAssertEqual((error as? SavedModelError)?.exitCode, .dataError)
        }
    }
}
