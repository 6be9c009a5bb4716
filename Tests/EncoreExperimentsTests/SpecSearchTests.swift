@testable import EncoreExperiments
import Foundation
import XCTest

/// Random search in model entries: decoding and its problems, seeded draws (deterministic, in
/// bounds, of the config key's type), the run list, the spec hash and the config checks at drawn
/// points.
final class SpecSearchTests: XCTestCase {
    /// `rankingSpec()` with its EASE entry replaced by `entry`.
    func spec(ease entry: String) -> String {
        rankingSpec([(#"{"model": "ease", "grid": {"lambda": [100, 500, 1000]}}"#, entry)])
    }

    /// `rankingSpec()` with its Mult-VAE entry replaced by `entry`.
    func spec(multVAE entry: String) -> String {
        rankingSpec([(#"{"model": "mult-vae", "config": {"latent": 100}, "grid": {"dropout": [0.2, 0.5], "encoder_units": [[600], [300]]}}"#, entry)])
    }

    func parse(_ text: String) throws -> ExperimentSpec { try ExperimentSpec.parse(text, models: fakeModels) }

    /// The drawn points of the entry at `index`.
    func points(_ text: String, entry index: Int) throws -> [[(key: String, value: JSONValue)]] {
        try XCTUnwrap(try parse(text).models[index].search?.points)
    }

    let mixed = #"""
        {"model": "mult-vae", "search": {"kind": "random", "trials": 40, "seed": 7, "space": {
          "latent": {"range": [16, 64]}, "dropout": {"range": [0.1, 0.6]}, "epochs": {"log_range": [10, 1000]},
          "encoder_units": {"values": [[600], [300, 100]]}, "normalize": {"values": [true, false]}}}}
        """#

    func testRunsOfASearchAreItsTrialsTimesSeeds() throws {
        let text = spec(ease: #"{"model": "ease", "search": {"kind": "random", "trials": 5, "space": {"lambda": {"log_range": [1, 10000]}}}}"#)
        let spec = try parse(text)
        let runs = spec.runPlans()
        XCTAssertEqual(runs.count, (4 + 5 + 1) * 3)
        let ease = runs.filter { $0.model == "ease" }
        XCTAssertEqual(ease.map(\.id), (0..<5).flatMap { trial in (1...3).map { "ease-g\(trial)-s\($0)" } })
        XCTAssertTrue(ease.allSatisfy { $0.gridSize == 5 })
        XCTAssertEqual(spec.models[1].gridPointCount, 5)
        for run in ease {
            XCTAssertEqual(run.gridPoint.map(\.key), ["lambda"])
            let lambda = try XCTUnwrap(run.gridPoint[0].value.doubleValue)
            XCTAssertTrue((1..<10000).contains(lambda), "\(lambda)")
            XCTAssertEqual(run.config, .object([("lambda", run.gridPoint[0].value)]), "the drawn value is the config, exactly")
        }
        XCTAssertEqual(Set(ease.map { $0.gridPoint[0].value.canonicalText }).count, 5, "five distinct trials")
        // The same seed's runs of one trial share its point.
        XCTAssertEqual(ease[0].gridPoint[0].value, ease[2].gridPoint[0].value)
    }

    func testDrawsStayInBoundsWithTheKeysTypes() throws {
        let drawn = try points(spec(multVAE: mixed), entry: 0)
        XCTAssertEqual(drawn.count, 40)
        var units = Set<String>(), flags = Set<Bool>()
        for point in drawn {
            XCTAssertEqual(point.map(\.key), ["latent", "dropout", "epochs", "encoder_units", "normalize"])
            let value = Dictionary(point.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            let latent = try XCTUnwrap(value["latent"]?.intValue, "an integer key draws integers")
            XCTAssertTrue((16...64).contains(latent))
            guard case .double(let dropout)? = value["dropout"] else { return XCTFail("a number key draws numbers: \(point)") }
            XCTAssertTrue(dropout >= 0.1 && dropout < 0.6, "\(dropout)")
            let epochs = try XCTUnwrap(value["epochs"]?.intValue)
            XCTAssertTrue((10...1000).contains(epochs))
            units.insert(try XCTUnwrap(value["encoder_units"]).compactText)
            flags.insert(try XCTUnwrap(value["normalize"]?.boolValue))
        }
        XCTAssertEqual(units, ["[600]", "[300,100]"], "list values are drawn as written")
        XCTAssertEqual(flags, [true, false])
        XCTAssertEqual(try parse(spec(multVAE: mixed)).runPlans()[0].config,
                       .object([("encoder_units", drawn[0][3].value), ("latent", drawn[0][0].value), ("dropout", drawn[0][1].value),
                                ("epochs", drawn[0][2].value), ("normalize", drawn[0][4].value)]))
    }

    func testLogRangesAreUniformInTheLogarithm() throws {
        let entry = #"{"model": "ease", "search": {"kind": "random", "trials": 400, "seed": 3, "space": {"lambda": {"log_range": [1, 10000]}}}}"#
        let lambdas = try points(spec(ease: entry), entry: 1).map { try XCTUnwrap($0[0].value.doubleValue) }
        // Each decade holds a quarter of the draws (binomial sd about 0.022).
        for decade in 0..<4 {
            let low = pow(10, Double(decade)), high = low * 10
            let share = Double(lambdas.filter { $0 >= low && $0 < high }.count) / 400
            XCTAssertEqual(share, 0.25, accuracy: 0.08, "decade \(decade)")
        }
        let uniform = #"{"model": "ease", "search": {"kind": "random", "trials": 400, "seed": 3, "space": {"lambda": {"range": [1, 10000]}}}}"#
        let plain = try points(spec(ease: uniform), entry: 1).map { try XCTUnwrap($0[0].value.doubleValue) }
        XCTAssertEqual(Double(plain.filter { $0 < 5000.5 }.count) / 400, 0.5, accuracy: 0.08, "a range is uniform")
        // An integer log range covers its small values more often than its large ones.
        let integer = #"{"model": "mult-vae", "search": {"kind": "random", "trials": 300, "seed": 3, "space": {"latent": {"log_range": [1, 1024]}, "dropout": {"range": [0, 0.5]}}}}"#
        let latents = try points(spec(multVAE: integer), entry: 0).map { try XCTUnwrap($0[0].value.intValue) }
        XCTAssertEqual(Double(latents.filter { $0 < 32 }.count) / 300, 0.5, accuracy: 0.1)
        XCTAssertTrue(latents.allSatisfy { (1...1024).contains($0) })
    }

    func testDrawsAreDeterministicPerSeedAndTrial() throws {
        func entry(trials: Int, seed: String, label: String = "ease") -> String {
            #"{"model": "ease", "label": "\#(label)", "search": {"kind": "random", "trials": \#(trials)\#(seed), "space": {"lambda": {"log_range": [1, 10000]}}}}"#
        }
        func lambdas(_ text: String) throws -> [String] { try points(spec(ease: text), entry: 1).map { $0[0].value.canonicalText } }
        let seven = try lambdas(entry(trials: 10, seed: #", "seed": 7"#))
        XCTAssertEqual(try lambdas(entry(trials: 10, seed: #", "seed": 7"#)), seven, "same seed, same points")
        XCTAssertEqual(try lambdas(entry(trials: 4, seed: #", "seed": 7"#)), Array(seven.prefix(4)), "a trial's point does not depend on the trial count")
        XCTAssertTrue(Set(try lambdas(entry(trials: 10, seed: #", "seed": 8"#))).isDisjoint(with: seven), "another seed, other points")
        // Without a seed, the label decides: stable, and different between entries.
        let unseeded = try lambdas(entry(trials: 10, seed: ""))
        XCTAssertEqual(try lambdas(entry(trials: 10, seed: "")), unseeded)
        XCTAssertNotEqual(unseeded, seven)
        XCTAssertTrue(Set(try lambdas(entry(trials: 10, seed: "", label: "EASE-2"))).isDisjoint(with: unseeded))
        // Fixed values for seed 7, so a change of the drawing code (which would change every
        // stored search's points, and break resuming and merging) fails here.
        XCTAssertEqual(seven.count, 10)
        XCTAssertEqual(try lambdas(entry(trials: 3, seed: #", "seed": 7"#)), Self.seedSevenLambdas)
        // The values of a key do not depend on the other keys of the space.
        let one = #"{"model": "mult-vae", "search": {"kind": "random", "trials": 10, "seed": 7, "space": {"dropout": {"range": [0, 0.9]}}}}"#
        let two = #"{"model": "mult-vae", "search": {"kind": "random", "trials": 10, "seed": 7, "space": {"latent": {"range": [1, 500]}, "dropout": {"range": [0, 0.9]}}}}"#
        XCTAssertEqual(try points(spec(multVAE: two), entry: 0).map { $0[1].value }, try points(spec(multVAE: one), entry: 0).map { $0[0].value })
    }

    /// The first three lambdas of `log_range [1, 10000]` with seed 7.
    static let seedSevenLambdas = ["9.95898", "1.21635", "675.995"]

    func testTrialsOfAFiniteSpaceAreDistinct() throws {
        let entry = #"{"model": "mult-vae", "search": {"kind": "random", "trials": 6, "space": {"latent": {"range": [1, 3]}, "normalize": {"values": [true, false]}}}}"#
        let drawn = try points(spec(multVAE: entry), entry: 0).map { JSONValue.object($0).canonicalText }
        XCTAssertEqual(Set(drawn).count, 6, "every point of the 3 x 2 space once: \(drawn)")
        let tooMany = problems(spec(multVAE: entry.replacingOccurrences(of: #""trials": 6"#, with: #""trials": 7"#)))
        assertProblem(tooMany, at: "models[0].search.trials", contains: "expected at most 6 trials")
        let narrow = #"{"model": "ease", "search": {"kind": "random", "trials": 3, "space": {"lambda": {"range": [1.0, 1.0000000000000004]}}}}"#
        assertProblem(problems(spec(ease: narrow)), at: "models[1].search.space", contains: "room for 3 distinct points")
    }

    func testSearchProblemsNameTheirPaths() {
        func found(_ search: String) -> [SpecProblem] { problems(spec(ease: #"{"model": "ease", "search": \#(search)}"#)) }
        let space = #""space": {"lambda": {"range": [1, 10]}}"#
        assertProblem(found(#"{"kind": "grid", "trials": 3, \#(space)}"#), at: "models[1].search.kind", contains: #"expected "random", found "grid""#)
        assertProblem(found(#"{"trials": 3, \#(space)}"#), at: "models[1].search.kind", contains: "found nothing")
        assertProblem(found(#"{"kind": "random", "trials": 0, \#(space)}"#), at: "models[1].search.trials", contains: "an integer in 1...100000, found 0")
        assertProblem(found(#"{"kind": "random", "trials": -2, \#(space)}"#), at: "models[1].search.trials", contains: "found -2")
        assertProblem(found(#"{"kind": "random", \#(space)}"#), at: "models[1].search.trials", contains: "found nothing")
        assertProblem(found(#"{"kind": "random", "trials": 3, "seed": -1, \#(space)}"#), at: "models[1].search.seed", contains: "an integer >= 0")
        assertProblem(found(#"{"kind": "random", "trials": 3, "trails": 4, \#(space)}"#), at: "models[1].search.trails", contains: #"did you mean "trials""#)
        assertProblem(found(#"{"kind": "random", "trials": 3}"#), at: "models[1].search.space", contains: "a non-empty object")
        assertProblem(found(#"{"kind": "random", "trials": 3, "space": {}}"#), at: "models[1].search.space", contains: "found {}")
        assertProblem(found(#"[1, 2]"#), at: "models[1].search", contains: "expected an object")
        func dimension(_ text: String, key: String = "lambda") -> [SpecProblem] {
            found(#"{"kind": "random", "trials": 2, "space": {"\#(key)": \#(text)}}"#)
        }
        let at = "models[1].search.space.lambda"
        assertProblem(dimension(#"{"range": [5, 5]}"#), at: "\(at).range", contains: "low < high, found [5,5]")
        assertProblem(dimension(#"{"range": [10, 1]}"#), at: "\(at).range", contains: "low < high")
        assertProblem(dimension(#"{"range": [1]}"#), at: "\(at).range", contains: "[low, high]")
        assertProblem(dimension(#"{"range": [1, "9"]}"#), at: "\(at).range", contains: "two numbers")
        assertProblem(dimension(#"{"log_range": [0, 10]}"#), at: "\(at).log_range", contains: "low > 0, found [0,10]")
        assertProblem(dimension(#"{"log_range": [-1, 10]}"#), at: "\(at).log_range", contains: "low > 0")
        assertProblem(dimension(#"{"range": [-1e308, 1e308]}"#), at: "\(at).range", contains: "two numbers")
        assertProblem(dimension(#"{"values": []}"#), at: "\(at).values", contains: "a non-empty array of values, each a number, found []")
        assertProblem(dimension(#"{"values": [1, "x"]}"#), at: "\(at).values[1]", contains: #"expected a number, found "x""#)
        assertProblem(dimension(#"{"values": [1, 2, 1]}"#), at: "\(at).values[2]", contains: "distinct values")
        assertProblem(dimension(#"{"values": [1], "range": [1, 2]}"#), at: at, contains: #"exactly one of "values", "range", "log_range", found "values" and "range""#)
        assertProblem(dimension(#"{}"#), at: at, contains: "found none")
        assertProblem(dimension(#"{"ranges": [1, 2]}"#), at: "\(at).ranges", contains: #"did you mean "range""#)
        assertProblem(dimension(#"[1, 10]"#), at: at, contains: "expected an object")
        assertProblem(dimension(#"{"range": [1, 2]}"#, key: "lamda"), at: "models[1].search.space.lamda", contains: #"did you mean "lambda""#)
        // Ranges need integer or number keys; integer keys need integer bounds.
        let vae = { (text: String) in problems(self.spec(multVAE: #"{"model": "mult-vae", "search": {"kind": "random", "trials": 2, "space": \#(text)}}"#)) }
        assertProblem(vae(#"{"normalize": {"range": [0, 1]}}"#), at: "models[0].search.space.normalize.range",
                      contains: #"expected "values" (range applies to integer and number keys; this key takes true or false)"#)
        assertProblem(vae(#"{"encoder_units": {"log_range": [1, 9]}}"#), at: "models[0].search.space.encoder_units.log_range",
                      contains: "an array of integers")
        assertProblem(vae(#"{"latent": {"range": [1.5, 10]}}"#), at: "models[0].search.space.latent.range", contains: "two integers")
        assertProblem(vae(#"{"latent": {"log_range": [0, 10]}}"#), at: "models[0].search.space.latent.log_range", contains: "low >= 1")
        assertProblem(vae(#"{"latent": {"values": [8, 1.5]}}"#), at: "models[0].search.space.latent.values[1]", contains: "expected an integer")
    }

    func testAnEntryHasAGridOrASearchAndKeysLiveInOnePlace() {
        let both = problems(spec(ease: #"{"model": "ease", "grid": {"lambda": [1, 2]}, "search": {"kind": "random", "trials": 2, "space": {"lambda": {"range": [1, 10]}}}}"#))
        assertProblem(both, at: "models[1].search", contains: #"expected either "grid" or "search" in a model entry, not both"#)
        let config = problems(spec(ease: #"{"model": "ease", "config": {"lambda": 5}, "search": {"kind": "random", "trials": 2, "space": {"lambda": {"range": [1, 10]}}}}"#))
        assertProblem(config, at: "models[1].search.space.lambda", contains: "a key not also set in config")
        // A search with an unknown model key says so at the key.
        XCTAssertEqual(problems(spec(ease: #"{"model": "ease", "search": {"kind": "random", "trials": 2, "space": {"alpha": {"range": [1, 10]}}}}"#)).map(\.path),
                       ["models[1].search.space.alpha"])
    }

    func testTheSpecHashIncludesTheSearch() throws {
        let base = #"{"model": "ease", "search": {"kind": "random", "trials": 4, "seed": 1, "space": {"lambda": {"log_range": [1, 10000]}}}}"#
        let hash = try parse(spec(ease: base)).sha256
        XCTAssertEqual(try parse(spec(ease: base.replacingOccurrences(of: " ", with: ""))).sha256, hash, "formatting does not count")
        for (old, new) in [(#""seed": 1"#, #""seed": 2"#), (#""trials": 4"#, #""trials": 5"#), ("10000", "20000"), ("log_range", "range")] {
            XCTAssertNotEqual(try parse(spec(ease: base.replacingOccurrences(of: old, with: new))).sha256, hash, new)
        }
    }

    func testShardsOfASearchPartitionItsTrials() throws {
        let text = spec(ease: #"{"model": "ease", "search": {"kind": "random", "trials": 7, "space": {"lambda": {"log_range": [1, 10000]}}}}"#)
        let runs = try parse(text).runPlans()
        let sharded = try (1...3).flatMap { index in Shard(index: index, count: 3).select(try parse(text).runPlans()) }
        XCTAssertEqual(sharded.count, runs.count)
        for run in sharded {
            XCTAssertEqual(runs[run.index].id, run.id)
            XCTAssertEqual(JSONValue.object(runs[run.index].gridPoint), JSONValue.object(run.gridPoint), "every shard draws the same points")
        }
    }

    func testSearchCountsTowardsTheRunLimit() {
        let found = problems(spec(ease: #"{"model": "ease", "search": {"kind": "random", "trials": 40000, "space": {"lambda": {"log_range": [1, 10000]}}}}"#))
        assertProblem(found, at: "models", contains: "found 120015 runs")
    }

    func testConfigProblemsAtDrawnPointsAndRangeEndsNameTheSpace() {
        let zoo = ModelRegistry.standard.descriptions
        func found(_ entry: String) -> [SpecProblem] {
            let text = """
                {"name": "s", "dataset": {"name": "synthetic", "mode": "implicit", "synthetic": {"users": 200, "items": 100, "interactions_per_user": 10}},
                 "protocol": {"kind": "strong-generalization", "held_out_users": 20}, "metrics": ["ndcg@10"], "models": [\(entry)]}
                """
            do {
                _ = try ExperimentSpec.parse(text, models: zoo, memoryLimit: MemoryLimit(bytes: 1 << 30, origin: "test limit"))
                return []
            } catch { return error.problems }
        }
        func search(_ space: String) -> String { #"{"model": "mult-dae", "search": {"kind": "random", "trials": 3, "space": \#(space)}}"# }
        XCTAssertEqual(found(search(#"{"dropout": {"range": [0, 1.0]}, "learning_rate": {"log_range": [1e-4, 0.1]}, "batch_size": {"range": [8, 64]}}"#)), [],
                       "a rate range may end at 1: its values stay below")
        assertProblem(found(search(#"{"dropout": {"range": [0.2, 1.5]}}"#)), at: "models[0].search.space.dropout.range",
                      contains: "(a value of the range [0.2,1.5])")
        assertProblem(found(search(#"{"batch_size": {"range": [0, 64]}}"#)), at: "models[0].search.space.batch_size.range",
                      contains: "expected an integer >= 1, found 0")
        assertProblem(found(search(#"{"optimizer": {"values": ["adam", "adamx", "sgd"]}}"#)), at: "models[0].search.space.optimizer.values[1]",
                      contains: #"found "adamx""#)
        assertProblem(found(search(#"{"hidden_sizes": {"values": [[20], [0], [30]]}}"#)), at: "models[0].search.space.hidden_sizes.values[1][0]",
                      contains: "expected an integer >= 1")
        // Memory is estimated at each drawn point.
        let memory = found(search(#"{"hidden_sizes": {"values": [[2000000], [3000000]]}}"#).replacingOccurrences(of: #""trials": 3"#, with: #""trials": 2"#))
        XCTAssertEqual(Set(memory.map(\.path)).count, 1, "\(memory)")
        XCTAssertTrue(memory.first?.path.hasPrefix("models[0].search.space.hidden_sizes.values[") == true, "\(memory)")
        XCTAssertTrue(memory.first?.expected.contains("fits in the memory limit") == true, "\(memory)")
    }

    func testSearchMathMatchesTheLibraryAndIsExactAtPowersOfTwo() {
        var rng = SeededRNG(seed: 11)
        for _ in 0..<2000 {
            let x = Double(sign: .plus, exponent: Int(rng.next() % 200) - 100, significand: 1 + Double(rng.next() >> 11) * 0x1p-53)
            XCTAssertEqual(SearchMath.log(x), Foundation.log(x), accuracy: 4 * Foundation.log(x).magnitude.ulp + 1e-16, "log \(x)")
            let y = Double(rng.next() >> 11) * 0x1p-53 * 1400 - 700
            XCTAssertEqual(SearchMath.exp(y), Foundation.exp(y), accuracy: 16 * Foundation.exp(y).ulp, "exp \(y)")
        }
        XCTAssertEqual(SearchMath.log(1), 0)
        XCTAssertEqual(SearchMath.exp(0), 1)
    }

    func testDrawnNumbersKeepSixSignificantDigits() throws {
        XCTAssertEqual(SearchMath.roundedDown(523.12378), 523.123)
        XCTAssertEqual(SearchMath.roundedDown(0.000123456789), 0.000123456)
        XCTAssertEqual(SearchMath.roundedDown(1234567.8), 1234560)
        XCTAssertEqual(SearchMath.roundedDown(-0.12345678), -0.123457, "down is toward -infinity")
        XCTAssertEqual(SearchMath.roundedDown(0.5), 0.5)
        let subnormal = Double.leastNormalMagnitude / 1000
        XCTAssertEqual(SearchMath.roundedDown(subnormal), subnormal, "a subnormal stays as drawn")
        XCTAssertEqual(SearchMath.roundedDown(1.7976931348623157e308), 1.79769e308)
        let tiny = #"{"model": "ease", "search": {"kind": "random", "trials": 5, "space": {"lambda": {"log_range": [5e-324, 1.7e308]}}}}"#
        XCTAssertTrue(try points(spec(ease: tiny), entry: 1).allSatisfy { ($0[0].value.doubleValue ?? .nan).isFinite })
        let entry = #"{"model": "ease", "search": {"kind": "random", "trials": 50, "space": {"lambda": {"log_range": [0.001, 1000]}}}}"#
        for point in try points(spec(ease: entry), entry: 1) {
            let text = point[0].value.compactText
            let digits = text.filter(\.isNumber).drop { $0 == "0" }.reversed().drop { $0 == "0" }
            XCTAssertLessThanOrEqual(digits.count, 6, text)
        }
    }

    func testLabelsShowAtMostFourSignificantDigits() {
        XCTAssertEqual(JSONValue.double(523.123456).shortDescription, "523.1")
        XCTAssertEqual(JSONValue.double(0.012345678).shortDescription, "0.01235")
        XCTAssertEqual(JSONValue.double(0.5).shortDescription, "0.5")
        XCTAssertEqual(JSONValue.double(500.0).shortDescription, "500")
        XCTAssertEqual(JSONValue.double(12345.678).shortDescription, "1.235e4")
        XCTAssertEqual(JSONValue.double(0.0000123456).shortDescription, "1.235e-5")
        XCTAssertEqual(JSONValue.double(-2.5e-7).shortDescription, "-2.5e-7")
        XCTAssertEqual(JSONValue.int(12345).shortDescription, "12345", "integers are exact")
        XCTAssertEqual(JSONValue.object([("lambda", .double(523.123456)), ("dropout", .double(0.25))]).shortDescription,
                       "dropout=0.25, lambda=523.1")
    }
}
