import EncoreModels
import Foundation
import XCTest

/// Shape, loss-falls, batching and beats-Popularity-on-planted-sequences tests of SVAE.
final class SVAETests: XCTestCase {
    static let small = #"{"item_embedding_size": 12, "rnn_size": 12, "hidden_size": 12, "latent_size": 6, "batch_size": 16, "learning_rate": 0.01, "weight_decay": 0}"#

    /// Users walk a ring of 60 items: each starts at a random item and steps 1 or 2 items ahead
    /// each time (timestamps increase along the walk; lines are shuffled). The next items
    /// follow from the last ones, while every item is equally popular.
    static let planted: Split = {
        var rng = SeededRNG(seed: 21)
        var interactions: [Interaction] = []
        let items = 60
        for u in 0..<400 {
            var item = Int(rng.next() % UInt64(items))
            var seen = Set<Int>()
            for t in 0..<(10 + u % 7) {
                guard seen.insert(item).inserted else { break }
                interactions.append(Interaction(user: Int32(u), item: Int32(item), rating: 1, timestamp: Int64(t)))
                item = (item + 1 + Int(rng.next() % 2)) % items
            }
        }
        rng.shuffle(&interactions)
        let dataset = Dataset(name: "ring", interactions: interactions, userIDs: (0..<400).map { "u\($0)" },
                              itemIDs: (0..<items).map { "i\($0)" }, isImplicit: true, ratingRange: nil)
        return try! makeSplit(dataset, protocol: .strongGeneralization(heldOutUsers: 40, foldInFraction: 0.8, foldInOrder: .time), seed: 3)
    }()

    func testShapesAndScoringFromTheOrderedFoldIn() throws {
        let data = Self.planted.trainingData
        let model = try XCTUnwrap(try RankingTestSupport.make("svae", Self.small, data: data) as? SVAE)
        guard case let .ranking(targets) = Self.planted.test else { return XCTFail("expected ranking targets") }
        let scores = model.scores(targets, rows: 0..<targets.users.count)
        XCTAssertEqual(scores.shape, [targets.users.count, data.itemCount])
        XCTAssertTrue(scores.scalars.allSatisfy(\.isFinite))
        let unordered = model.scores(history: targets.history.rows(0..<3), trainingRows: [-1, -1, -1])
        XCTAssertEqual(unordered.shape, [3, data.itemCount])
        // The order of the history matters: the fold-in read backwards scores differently.
        let sequence = Array(try XCTUnwrap(targets.historySequences)[0])
        let forward = model.scores(sequences: InteractionSequences([sequence]))
        let backward = model.scores(sequences: InteractionSequences([sequence.reversed()]))
        XCTAssertNotEqual(forward.scalars, backward.scalars)
        let (e, r, h, l) = (12, 12, 12, 6)
        XCTAssertEqual(model.parameterCount, data.itemCount * e + 3 * r * (e + r + 2) + (r * h + h) + (h * 2 * l + 2 * l)
                       + (l * h + h) + (h * data.itemCount + data.itemCount))
    }

    func testScoresDoNotDependOnTheOtherUsersOfAChunk() throws {
        let data = Self.planted.trainingData
        let model = try XCTUnwrap(try RankingTestSupport.make("svae", Self.small, data: data) as? SVAE)
        let sequences = try XCTUnwrap(data.trainSequences).rows(0..<70)
        let together = model.scores(sequences: sequences)
        for row in [0, 5, 69] {
            let alone = model.scores(sequences: sequences.rows(row..<(row + 1)))
            for item in 0..<data.itemCount {
                XCTAssertEqual(alone[0, item], together[row, item], accuracy: 1e-5, "row \(row) item \(item)")
            }
        }
        let empty = model.scores(sequences: InteractionSequences([[], [3]]))
        XCTAssertTrue(empty.scalars.allSatisfy(\.isFinite))
    }

    func testLossFallsAndKLWeightAnneals() throws {
        let data = Self.planted.trainingData
        let model = try RankingTestSupport.make("svae", Self.small, data: data)
        let report = try RankingTestSupport.fit(model, data: data, epochs: 4)
        let (first, last) = try RankingTestSupport.firstAndLastLoss(report)
        XCTAssertLessThan(last, first * 0.9, "loss \(first) -> \(last)")
        let annealed = try XCTUnwrap(try RankingTestSupport.make("svae", #"{"total_anneal_steps": 100}"#, data: data) as? SVAE)
        XCTAssertEqual(annealed.klWeight(update: 0), 0)
        XCTAssertEqual(annealed.klWeight(update: 10), 0.1, accuracy: 1e-6)
        XCTAssertEqual(annealed.klWeight(update: 10_000), 0.2, accuracy: 1e-6)
    }

    func testBeatsPopularityOnPlantedSequences() throws {
        let data = Self.planted.trainingData
        let ndcg = RankingTestSupport.ndcg
        func testNDCG(_ model: any Recommender) throws -> Double {
            let report = try ModelEvaluation.evaluate(model, on: Self.planted.test, metrics: [ndcg], ratingRange: nil, batchSize: 64, threads: 2)
            return try XCTUnwrap(report.value(ndcg))
        }
        let popularity = try RankingTestSupport.make("popularity", data: data)
        _ = try RankingTestSupport.fit(popularity, data: data, epochs: 1)
        let model = try RankingTestSupport.make("svae", Self.small, data: data)
        _ = try RankingTestSupport.fit(model, data: data, epochs: 12)
        let (mine, baseline) = (try testNDCG(model), try testNDCG(popularity))
        XCTAssertGreaterThan(mine, baseline + 0.1, "svae ndcg@20 \(mine) vs popularity \(baseline)")
    }

    func testInvalidConfigsThrow() {
        let data = Self.planted.trainingData
        for config in [#"{"next_k": 0}"#, #"{"rnn_size": -1}"#, #"{"clip_norm": -1}"#, #"{"optimizer": "nope"}"#] {
            XCTAssertThrowsError(try RankingTestSupport.make("svae", config, data: data), config)
        }
    }
}
