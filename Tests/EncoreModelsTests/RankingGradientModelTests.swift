import EncoreModels
import XCTest

/// Per-model and beats-Popularity tests of the gradient-trained ranking models (shapes and
/// falling losses of every model are checked by `RegistryModelTests`).
final class RankingGradientModelTests: XCTestCase {
    let data = RankingTestSupport.split.trainingData

    func testCDAEUserNodeChangesTrainedUsersOnly() throws {
        let model = try RankingTestSupport.make("cdae", #"{"unseen_user": "mean"}"#, data: data)
        _ = try RankingTestSupport.fit(model, data: data, epochs: 2)
        let ranker = try XCTUnwrap(model as? any Ranker)
        let history = data.train.rows(0..<2)
        let asTrained = ranker.scores(history: history, trainingRows: [0, 1])
        let asUnseen = ranker.scores(history: history, trainingRows: [-1, -1])
        XCTAssertNotEqual(asTrained.scalars, asUnseen.scalars)
        XCTAssertEqual(model.parameterCount, 2 * data.itemCount * 50 + 50 + data.itemCount + data.train.rows * 50)
    }

    func testMultVAEAnnealsKLWeightPerUpdateToTheCap() throws {
        let model = try XCTUnwrap(
            try RankingTestSupport.make("mult-vae", #"{"total_anneal_steps": 100, "anneal_cap": 0.2}"#, data: data) as? MultVAE)
        XCTAssertEqual(model.klWeight(update: 0), 0)
        XCTAssertEqual(model.klWeight(update: 10), 0.1, accuracy: 1e-6)
        XCTAssertEqual(model.klWeight(update: 1000), 0.2, accuracy: 1e-6)
    }

    func testCDAEBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity("cdae", #"{"learning_rate": 0.1, "batch_size": 64}"#, epochs: 25)
    }

    func testDAEBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity("dae", #"{"learning_rate": 0.1, "batch_size": 64}"#, epochs: 25)
    }

    func testMultVAEBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity(
            "mult-vae", #"{"batch_size": 32, "encoder_sizes": [64], "latent_size": 16, "learning_rate": 0.003}"#, epochs: 25)
    }

    func testMultDAEBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity(
            "mult-dae", #"{"batch_size": 32, "hidden_sizes": [32], "learning_rate": 0.003}"#, epochs: 25)
    }

    func testInvalidConfigsThrow() {
        XCTAssertThrowsError(try RankingTestSupport.make("cdae", #"{"loss": "hinge"}"#, data: data))
        XCTAssertThrowsError(try RankingTestSupport.make("cdae", #"{"loss": "logistic", "output": "identity"}"#, data: data))
        XCTAssertThrowsError(try RankingTestSupport.make("mult-vae", #"{"optimizer": "nope"}"#, data: data))
        XCTAssertThrowsError(try RankingTestSupport.make("mult-dae", #"{"dropout": 1.0}"#, data: data))
    }
}
