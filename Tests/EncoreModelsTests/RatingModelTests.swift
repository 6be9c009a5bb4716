import EncoreModels
import XCTest

/// Parameter counts, beats-the-item-mean and per-model tests of the rating zoo, on small planted
/// synthetic data (debug-build sized); shapes and falling losses of every model are checked by
/// `RegistryModelTests`.
final class RatingModelTests: XCTestCase {
    /// Small but working configs per model (defaults are sized for MovieLens).
    static let small: [String: String] = [
        "i-autorec": #"{"hidden_units": 24, "lambda": 1, "learning_rate": 0.01, "batch_size": 16}"#,
        "u-autorec": #"{"hidden_units": 24, "lambda": 1, "learning_rate": 0.01, "batch_size": 16}"#,
        "deeprec": #"{"encoder_sizes": [32, 16], "dropout": 0.2, "learning_rate": 0.01, "batch_size": 16, "last_layer_activation": false}"#,
        "biased-mf": #"{"factors": 8, "learning_rate": 0.02, "batch_size": 64}"#,
    ]

    /// Exact parameter counts of the small configs (output shapes of every model are checked by
    /// `RegistryModelTests`).
    func testParameterCounts() throws {
        let data = RatingFixture.split.trainingData
        let (users, items) = (data.train.rows, data.itemCount)
        let expected: [String: Int] = [
            "i-autorec": 2 * users * 24 + 24 + users, "u-autorec": 2 * items * 24 + 24 + items,
            "deeprec": items * 32 + 32 + 32 * 16 + 16 + 16 * 32 + 32 + 32 * items + items,
            "biased-mf": (users + items) * 9,
        ]
        for (name, count) in expected {
            let model = try RatingFixture.make(name, Self.small[name]!)
            XCTAssertEqual(model.parameterCount, count, name)
        }
    }

    func testBeatsItemMean() throws {
        let bar = RatingFixture.itemMeanRMSE
        let epochs = ["i-autorec": 60, "u-autorec": 60, "deeprec": 40, "biased-mf": 40]
        for (name, count) in epochs {
            let model = try RatingFixture.make(name, Self.small[name]!)
            try RatingFixture.fit(model, epochs: count)
            let rmse = try RatingFixture.testRMSE(model)
            XCTAssertLessThan(rmse, bar, "\(name) RMSE \(rmse) does not beat the item mean \(bar)")
        }
    }

    func testMeanBaselinesAreExactMeans() throws {
        let data = RatingFixture.split.trainingData
        let user = try RatingFixture.make("user-mean")
        let item = try RatingFixture.make("item-mean")
        let global = try RatingFixture.make("global-mean")
        for model in [user, item, global] { try RatingFixture.fit(model, epochs: 1) }
        let row = 0
        let values = Array(data.train.values(ofRow: row))
        let expected = values.reduce(0, +) / Float(values.count)
        let predicted = (user as! any RatingPredictor).predict(users: [Int32(row)], items: [0]).values[0]
        XCTAssertEqual(predicted, expected, accuracy: 1e-5)
        let column = Int(data.train.columnIndices[0])
        let columnValues = data.train.triples.filter { $0.col == column }.map(\.value)
        let itemPrediction = (item as! any RatingPredictor).predict(users: [0], items: [Int32(column)]).values[0]
        XCTAssertEqual(itemPrediction, columnValues.reduce(0, +) / Float(columnValues.count), accuracy: 1e-5)
        XCTAssertEqual((global as! any RatingPredictor).predict(users: [0], items: [0]).values[0], data.trainMean, accuracy: 1e-6)
        XCTAssertLessThan(RatingFixture.itemMeanRMSE, try RatingFixture.testRMSE(global))
    }

    func testUnseenFallsBackToTrainingMean() throws {
        let model = try RatingFixture.make("i-autorec", Self.small["i-autorec"]!)
        try RatingFixture.fit(model, epochs: 1)
        let data = RatingFixture.split.trainingData
        var unseen: Int32 = -1
        for i in 0..<data.itemCount where !data.train.columnIndices.contains(Int32(i)) { unseen = Int32(i) }
        let predictor = model as! any RatingPredictor
        if unseen >= 0 {
            let p = predictor.predict(users: [0], items: [unseen])
            XCTAssertEqual(p.fallbacks, 1)
            XCTAssertEqual(p.values[0], data.trainMean)
        }
        XCTAssertEqual(predictor.predict(users: [0], items: [data.train.columnIndices[0]]).fallbacks,
                       data.train.count(ofRow: 0) > 0 ? 0 : 1)
    }

    func testBadConfigIsRejected() {
        XCTAssertThrowsError(try RatingFixture.make("i-autorec", #"{"optimizer": "nope"}"#))
        XCTAssertThrowsError(try RatingFixture.make("deeprec", #"{"dropout": 1.5}"#))
        XCTAssertThrowsError(try RatingFixture.make("biased-mf", #"{"factors": 0}"#))
    }
}
