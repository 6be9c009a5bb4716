import EncoreModels
import Foundation
import XCTest

/// DeepRec predicts chunk by chunk of users (`[512, items]` dense outputs at a time): pairs of
/// users in different chunks, asked in any order, get what each pair gets when asked alone.
final class DeepRecPredictionChunkTests: XCTestCase {
    func testPairsAcrossChunksMatchPairsAskedOneByOne() throws {
        let dataset = SyntheticData.generate(users: 1100, items: 20, interactionsPerUser: 5, explicit: true, seed: 3)
        let split = try makeSplit(dataset, protocol: .ratingHoldout(testFraction: 0.1, validationFraction: 0.1), seed: 1)
        let data = split.trainingData
        let entry = try XCTUnwrap(ModelRegistry.standard.entry(named: "deeprec"))
        let model = try XCTUnwrap(
            try entry.make(Data(#"{"encoder_sizes": [4], "batch_size": 256}"#.utf8),
                           ModelContext(data: data, rng: SeededRNG(seed: 2), threads: 1)) as? DeepRec)
        _ = try model.fit(data, session: TrainingSession(
            selectionMetric: Metric(.rmse), rng: SeededRNG(seed: 4), maxEpochs: 1, patience: 10, threads: 1))
        // Users from the first, second and third chunk, out of order, an unseen item among them.
        let users: [Int32] = [1050, 3, 600, 1099, 0, 511, 512, 1050, 3]
        let items: [Int32] = [2, 7, 19, 0, 5, 11, 11, 30, 2]
        let together = model.predict(users: users, items: items)
        var fallbacks = 0
        for k in users.indices {
            let alone = model.predict(users: [users[k]], items: [items[k]])
            fallbacks += alone.fallbacks
            XCTAssertEqual(together.values[k], alone.values[0], accuracy: 1e-5, "pair \(k)")
        }
        XCTAssertEqual(together.fallbacks, fallbacks)
        XCTAssertGreaterThan(fallbacks, 0, "item 30 is outside the 20 items")
    }
}
