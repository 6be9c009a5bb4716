import EncoreModels
import Foundation
import XCTest

/// `BiasOnly` (BiasOnly.swift, shown in docs/adding-a-model.md) trained through the public API.
final class RatingCustomModelTests: XCTestCase {
    func testModelDefinedOutsideThePackageTrainsThroughThePublicAPI() throws {
        let registry = ModelRegistry.standard.adding(BiasOnly.self)
        XCTAssertNotNil(registry.entry(named: "i-autorec"))
        XCTAssertNil(ModelRegistry.standard.entry(named: "bias-only"), "the standard registry must not change")
        let description = try XCTUnwrap(registry.descriptions.first { $0.name == "bias-only" })
        XCTAssertEqual(description.configKeys.map(\.name).sorted(), ["batch_size", "learning_rate", "regularization"])

        let model = try RatingFixture.make("bias-only", #"{"learning_rate": 0.1}"#, registry: registry)
        let report = try RatingFixture.fit(model, epochs: 15)
        XCTAssertEqual(report.curve.count, 15)
        XCTAssertNotNil(report.bestEpoch)
        XCTAssertLessThan(report.curve.last!.loss!, report.curve.first!.loss!)
        XCTAssertLessThan(try RatingFixture.testRMSE(model), try RatingFixture.testRMSE(RatingFixture.fitted("global-mean")))
        XCTAssertThrowsError(try RatingFixture.make("bias-only", #"{"batch_size": 0}"#, registry: registry))
        XCTAssertThrowsError(try RatingFixture.make("bias-only", #"{"unknown_key": 1}"#, registry: registry))
    }

    func testRegisteringATakenNameIsAnErrorNamingTheModel() throws {
        var registry = ModelRegistry.standard.adding(BiasOnly.self)
        XCTAssertThrowsError(try registry.register(BiasOnly.self)) { error in
            XCTAssertEqual(error as? ModelRegistryError, .duplicateName("bias-only", type: String(reflecting: BiasOnly.self)))
            XCTAssertTrue("\(error)".contains("'bias-only' is already registered"), "\(error)")
            XCTAssertTrue("\(error)".contains("BiasOnly"), "\(error)")
        }
        XCTAssertThrowsError(try registry.register(Popularity.self)) { error in
            XCTAssertTrue("\(error)".contains("'popularity'"), "\(error)")
        }
        XCTAssertEqual(registry.descriptions.count, ModelRegistry.standard.descriptions.count + 1, "a refused model changes nothing")
    }
}

extension RatingFixture {
    /// A standard model fitted with its defaults for `epochs` epochs.
    static func fitted(_ name: String, epochs: Int = 1) throws -> any Recommender {
        let model = try make(name)
        try fit(model, epochs: epochs)
        return model
    }
}
