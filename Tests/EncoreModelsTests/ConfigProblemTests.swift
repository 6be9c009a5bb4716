import EncoreModels
import Foundation
import XCTest

/// Config problems: the rules of `ConfigChecks`, the checks the registry attaches to every
/// description (decoding included), and models refusing the same configs in `init`.
final class ConfigProblemTests: XCTestCase {
    /// The problems the registered model `name` finds in the config `json` (defaults elsewhere).
    func problems(_ name: String, _ json: String) throws -> [ConfigProblem] {
        let checks = try XCTUnwrap(ModelRegistry.standard.entry(named: name)?.description.checks, "\(name) has no checks")
        return checks.problems(Data(json.utf8))
    }

    func testRulesNameTheKeyAndTheValue() {
        var checks = ConfigChecks()
        checks.atLeast("hidden_units", 0, 1)
        checks.rate("dropout", 1)
        checks.positive("learning_rate", -.infinity)
        checks.sizes("widths", [3, -2])
        checks.sizes("layers", [])
        checks.oneOf("optimizer", "adamx", OptimizerName.names)
        checks.integer("steps", 5, in: 0...4)
        checks.nonNegative("lambda", .nan)
        XCTAssertEqual(checks.problems.map(\.description), [
            "hidden_units: expected an integer >= 1, found 0",
            "dropout: expected a number >= 0 and < 1, found 1.0",
            "learning_rate: expected a number > 0, found -inf",
            "widths[1]: expected an integer >= 1, found -2",
            "layers: expected a non-empty array of integers >= 1, found []",
            "optimizer: expected one of \"adam\", \"adamw\", \"sgd\", \"nesterov\", \"adagrad\", \"rmsprop\", \"rprop\", found \"adamx\"",
            "steps: expected an integer in 0...4, found 5",
            "lambda: expected a number >= 0, found nan",
        ])
        XCTAssertEqual(checks.problems[3].baseKey, "widths")
        XCTAssertThrowsError(try checks.check()) { error in
            XCTAssertTrue("\(error)".contains("hidden_units: expected an integer >= 1"), "\(error)")
        }
        XCTAssertNoThrow(try ConfigChecks().check())
    }

    func testEveryRegisteredModelAcceptsItsDefaults() throws {
        for description in ModelRegistry.standard.descriptions {
            let checks = try XCTUnwrap(description.checks, description.name)
            XCTAssertEqual(checks.problems(Data("{}".utf8)), [], description.name)
            XCTAssertNotNil(checks.memory(Data("{}".utf8), .smallest), description.name)
        }
    }

    func testNumbersOutsideFloatRangeNameTheirKey() throws {
        let tooBig = try problems("mult-vae", #"{"dropout": 1e39}"#)
        XCTAssertEqual(tooBig.map(\.key), ["dropout"])
        XCTAssertTrue(tooBig[0].expected.contains("Float's range"), tooBig[0].expected)
        XCTAssertEqual(try problems("deeprec", #"{"learning_rate": -1e39}"#).map(\.key), ["learning_rate"])
        XCTAssertEqual(try problems("biased-mf", #"{"regularization": 1e-50}"#).map(\.key), ["regularization"], "rounds to zero")
        XCTAssertEqual(try problems("ease", #"{"lambda_grid": [100, 1e39]}"#).map(\.key), ["lambda_grid[1]"])
        XCTAssertEqual(try problems("mult-vae", #"{"dropout": 3.4e38}"#).map(\.key), ["dropout"], "in range, but not a rate")
    }

    func testUnknownActivationAndOptimizerListTheValidNames() throws {
        let activation = try problems("i-autorec", #"{"encoder_activation": "swish"}"#)
        XCTAssertEqual(activation.map(\.key), ["encoder_activation"])
        XCTAssertTrue(activation[0].expected.contains("\"sigmoid\"") && activation[0].expected.contains("\"leaky_relu\""), activation[0].expected)
        XCTAssertEqual(activation[0].found, "\"swish\"")
        let optimizer = try problems("cdae", #"{"optimizer": "adamx"}"#)
        XCTAssertEqual(optimizer.map(\.key), ["optimizer"])
        XCTAssertTrue(optimizer[0].expected.contains("\"adagrad\""), optimizer[0].expected)
        let unknown = try problems("mult-dae", #"{"hidden": [10]}"#)
        XCTAssertEqual(unknown.map(\.key), ["hidden"])
    }

    func testModelRulesCoverSizesRatesAndCombinations() throws {
        XCTAssertEqual(try problems("deeprec", #"{"encoder_sizes": [512, 0], "dropout": 1, "refeed_steps": 1001}"#).map(\.key),
                       ["encoder_sizes[1]", "dropout", "refeed_steps"])
        XCTAssertEqual(try problems("cdae", #"{"loss": "logistic", "output": "identity", "negatives": 10001}"#).map(\.key),
                       ["negatives", "output"])
        XCTAssertEqual(try problems("ease", #"{"memory_limit_mb": -1, "lambda": 0}"#).map(\.key), ["lambda", "memory_limit_mb"])
        XCTAssertEqual(try problems("user-mean", #"{"shrinkage": -1}"#).map(\.key), ["shrinkage"])
        XCTAssertEqual(try problems("mult-vae", #"{"encoder_sizes": []}"#), [], "Mult-VAE may map the items straight to the latent layer")
    }

    func testInitThrowsTheSameProblems() {
        let context = ModelContext(trainRows: 4, itemCount: 3, ratingRange: 1...5, rng: SeededRNG(seed: 1), threads: 1)
        var deepRec = DeepRecConfig.defaults
        deepRec.learningRate = 0
        XCTAssertThrowsError(try DeepRec(config: deepRec, context: context)) { error in
            guard case ModelError.invalidConfig(let text) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(text.contains("learning_rate"), text)
        }
        var vae = MultVAE.defaultConfig
        vae.latentSize = 0
        XCTAssertThrowsError(try MultVAE(config: vae, context: context))
        var ease = EASE.defaultConfig
        ease.memoryLimitMb = .max
        XCTAssertNoThrow(try EASE(config: ease, context: context), "a huge memory limit saturates instead of overflowing")
    }

    func testDescriptionsTypeArraysByTheirOwnElementType() throws {
        let ease = try XCTUnwrap(ModelRegistry.standard.entry(named: "ease")?.description)
        XCTAssertEqual(ease.configKeys.first { $0.name == "lambda_grid" }?.type, "[double]", "an empty [Float] default is still numbers")
        XCTAssertEqual(ease, ModelRegistry.standard.entry(named: "ease")?.description)
        let json = try JSONEncoder().encode(ease)
        XCTAssertFalse(String(decoding: json, as: UTF8.self).contains("checks"), "checks are behaviour, not part of the JSON form")
        XCTAssertNil(try JSONDecoder().decode(ModelDescription.self, from: json).checks)
    }
}
