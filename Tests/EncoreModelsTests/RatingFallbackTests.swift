import EncoreModels
import XCTest

/// Rating pairs whose user or item index lies outside the training data are unseen: the latent
/// rating models predict the training mean for them and count a fallback, as the mean baselines
/// do, instead of reading past their parameters.
final class RatingFallbackTests: XCTestCase {
    func testIndicesOutsideTheTrainingDataFallBack() throws {
        let data = RatingFixture.split.trainingData
        let users = Int32(data.train.rows), items = Int32(data.itemCount)
        let configs = [
            "i-autorec": #"{"hidden_units": 4, "batch_size": 32}"#,
            "u-autorec": #"{"hidden_units": 4, "batch_size": 32}"#,
            "deeprec": #"{"encoder_sizes": [4], "batch_size": 32}"#,
            "biased-mf": #"{"factors": 2, "batch_size": 64}"#,
        ]
        let seen = Int32(data.train.columnIndices[0])
        for (name, config) in configs {
            let model = try RatingFixture.make(name, config)
            try RatingFixture.fit(model, epochs: 1)
            let predictor = try XCTUnwrap(model as? any RatingPredictor, name)
            let outside = predictor.predict(users: [-1, users, 0, 0], items: [seen, seen, -1, items + 3])
            XCTAssertEqual(outside.fallbacks, 4, name)
            XCTAssertEqual(outside.values, [Float](repeating: data.trainMean, count: 4), name)
        }
    }
}
