@testable import EncoreExperiments
import XCTest

/// A fake model list (the registry supplies the real one): two rating and three ranking models.
let fakeModels: [ModelDescription] = [
    ModelDescription(name: "i-autorec", task: .rating, summary: "Item-based AutoRec.", paper: "Sedhain 2015", configKeys: [
        ConfigKey(name: "hidden_units", type: "int", defaultValue: "500", help: ""),
        ConfigKey(name: "lambda", type: "double", defaultValue: "1.0", help: ""),
        ConfigKey(name: "encoder", type: "string", defaultValue: "\"sigmoid\"", help: ""),
        ConfigKey(name: "epochs", type: "int", defaultValue: "100", help: ""),
    ]),
    ModelDescription(name: "biased-mf", task: .rating, summary: "Biased MF.", paper: "Koren 2009", configKeys: [
        ConfigKey(name: "factors", type: "int", defaultValue: "50", help: ""),
    ]),
    ModelDescription(name: "mult-vae", task: .ranking, summary: "Mult-VAE.", paper: "Liang 2018", configKeys: [
        ConfigKey(name: "encoder_units", type: "[int]", defaultValue: "[600]", help: ""),
        ConfigKey(name: "latent", type: "int", defaultValue: "200", help: ""),
        ConfigKey(name: "dropout", type: "double", defaultValue: "0.5", help: ""),
        ConfigKey(name: "epochs", type: "int", defaultValue: "200", help: ""),
        ConfigKey(name: "normalize", type: "bool", defaultValue: "true", help: ""),
    ]),
    ModelDescription(name: "ease", task: .ranking, summary: "EASE.", paper: "Steck 2019", configKeys: [
        ConfigKey(name: "lambda", type: "double", defaultValue: "500.0", help: ""),
    ]),
    ModelDescription(name: "popularity", task: .ranking, summary: "Popularity.", paper: "", configKeys: []),
]

/// A valid ranking spec as text, with `replacing` pairs substituted (for error tests).
func rankingSpec(_ replacing: [(String, String)] = []) -> String {
    var text = """
    {
      "name": "test-ranking",
      "dataset": {"name": "ml-1m", "mode": "implicit", "threshold": 4, "min_user_interactions": 5},
      "protocol": {"kind": "strong-generalization", "held_out_users": 600, "seed": 98765},
      "metrics": ["recall@20", "ndcg@100"],
      "selection": {"metric": "ndcg@100", "patience": 5},
      "seeds": [1, 2, 3],
      "models": [
        {"model": "mult-vae", "config": {"latent": 100}, "grid": {"dropout": [0.2, 0.5], "encoder_units": [[600], [300]]}},
        {"model": "ease", "grid": {"lambda": [100, 500, 1000]}},
        {"model": "popularity"}
      ]
    }
    """
    for (old, new) in replacing {
        precondition(text.contains(old), "rankingSpec lacks \(old)")
        text = text.replacingOccurrences(of: old, with: new)
    }
    return text
}

/// The problems of `text` (empty when valid).
func problems(_ text: String, overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> [SpecProblem] {
    do {
        let parsed = try overrides.map { text throws(SpecError) in try SpecOverride(parsing: text) }
        _ = try ExperimentSpec.parse(text, overrides: parsed, models: fakeModels)
        return []
    } catch {
        return error.problems
    }
}

/// Asserts that exactly one problem sits at `path` and its text contains `fragment`.
func assertProblem(_ problems: [SpecProblem], at path: String, contains fragment: String, file: StaticString = #filePath, line: UInt = #line) {
    let matches = problems.filter { $0.path == path }
    XCTAssertEqual(matches.count, 1, "expected one problem at \(path); got:\n" + problems.map(\.description).joined(separator: "\n"), file: file, line: line)
    if let match = matches.first {
        XCTAssertTrue(match.description.contains(fragment), "\(match) lacks '\(fragment)'", file: file, line: line)
    }
}
