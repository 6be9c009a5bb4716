@testable import EncoreExperiments
import XCTest

/// Validation with the zoo's own checks: config rules and decoding problems at their JSON
/// paths, metric cut-off and run-count bounds, memory estimates against the limit, and the limit
/// itself.
final class SpecMemoryTests: XCTestCase {
    let zoo = ModelRegistry.standard.descriptions

    /// A spec on synthetic data (600 users x 300 items, 20 per user) with `models` and `metrics`.
    func syntheticSpec(models: String, metrics: String = #"["recall@20", "ndcg@50"]"#, dataset: String? = nil) -> String {
        """
        {
          "name": "limits",
          "dataset": \(dataset ?? #"{"name": "synthetic", "mode": "implicit", "synthetic": {"users": 600, "items": 300, "interactions_per_user": 20}}"#),
          "protocol": {"kind": "strong-generalization", "held_out_users": 50},
          "metrics": \(metrics),
          "models": [\(models)]
        }
        """
    }

    func problems(_ text: String, limit: MemoryLimit = MemoryLimit(bytes: 1 << 30, origin: "test limit")) -> [SpecProblem] {
        do {
            _ = try ExperimentSpec.parse(text, models: zoo, memoryLimit: limit)
            return []
        } catch {
            return error.problems
        }
    }

    func testValidSpecsPassWithTheZoo() {
        XCTAssertEqual(problems(syntheticSpec(models: #"{"model": "mult-vae"}, {"model": "ease"}, {"model": "cdae"}"#)), [])
    }

    func testOversizedModelIsRefusedWithItsPathAndEstimate() throws {
        let found = problems(syntheticSpec(models: #"{"model": "mult-dae", "config": {"hidden_sizes": [200000]}}"#))
        let problem = try XCTUnwrap(found.first)
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertEqual(problem.path, "models[0].config.hidden_sizes")
        XCTAssertTrue(problem.expected.contains("1.00 GiB (test limit"), problem.expected)
        XCTAssertTrue(problem.expected.contains("--memory-limit") && problem.expected.contains("ENCORE_MEMORY_LIMIT"), problem.expected)
        // 300 -> 200000 -> 300: 120,200,300 parameters in 9 copies under Adam (4,327,210,800 B),
        // batch activations 4 x 500 x 200000 floats (1,600,000,000 B) and output 4 x 500 x 300
        // (2,400,000 B), evaluation activations 600 x 200000 (480,000,000 B), scores 2 x 600 x 300
        // (1,440,000 B) and top-50 lists (120,000 B): 6,411,170,800 B.
        XCTAssertTrue(problem.found.hasPrefix("an estimated 5.97 GiB: "), problem.found)
        XCTAssertTrue(problem.found.contains("for 600 users x 300 items, 12000 interactions"), problem.found)
        // The same width as a grid value is reported at the grid value.
        let grid = problems(syntheticSpec(models: #"{"model": "mult-dae", "grid": {"hidden_sizes": [[20], [200000]]}}"#))
        XCTAssertEqual(grid.map(\.path), ["models[0].grid.hidden_sizes[1]"])
        // Under a larger limit it passes.
        XCTAssertEqual(problems(syntheticSpec(models: #"{"model": "mult-dae", "config": {"hidden_sizes": [200000]}}"#),
                                limit: MemoryLimit(bytes: 1 << 40, origin: "test")), [])
    }

    func testSizesAbsurdForAnyDataAreRefusedBeforeTheDataIsKnown() throws {
        let models = #"{"model": "popularity"}, {"model": "cdae", "config": {"hidden_size": 9223372036854775807}}"#
        let found = problems(syntheticSpec(models: models, dataset: #"{"name": "ml-100k", "mode": "implicit"}"#))
        XCTAssertEqual(found.map(\.path), ["models[1].config.hidden_size"])
        XCTAssertTrue(found[0].found.contains("more than 8 EiB") && found[0].found.contains("for any data"), found[0].found)
        // A size that fits one item but not this limit is refused too; the loaded data decides the rest.
        let big = problems(syntheticSpec(models: #"{"model": "i-autorec", "config": {"hidden_units": 100000000}}"#, metrics: #"["rmse"]"#,
                                         dataset: #"{"name": "ml-100k"}"#)
            .replacingOccurrences(of: #""kind": "strong-generalization", "held_out_users": 50"#, with: #""kind": "rating-holdout""#))
        XCTAssertEqual(big.map(\.path), ["models[0].config.hidden_units"])
    }

    func testConfigProblemsAreReportedAtTheirJSONPaths() {
        let models = """
            {"model": "deeprec", "config": {"activation": "swish", "encoder_sizes": [64, -1]}},
            {"model": "i-autorec", "grid": {"learning_rate": [0.001, 1e39], "optimizer": ["adam", "adamx"]}}
            """
        let dataset = #"{"name": "synthetic", "mode": "explicit", "synthetic": {"users": 100, "items": 50, "interactions_per_user": 10}}"#
        let text = syntheticSpec(models: models, metrics: #"["rmse"]"#, dataset: dataset)
            .replacingOccurrences(of: #""kind": "strong-generalization", "held_out_users": 50"#, with: #""kind": "rating-holdout""#)
        let found = problems(text)
        assertProblem(found, at: "models[0].config.activation", contains: "expected one of \"identity\", \"sigmoid\"")
        assertProblem(found, at: "models[0].config.activation", contains: "found \"swish\"")
        assertProblem(found, at: "models[1].grid.learning_rate[1]", contains: "Float's range")
        assertProblem(found, at: "models[1].grid.optimizer[1]", contains: "expected one of \"adam\", \"adamw\"")
        // The sizes of models[0] are checked once its activation decodes.
        XCTAssertFalse(found.contains { $0.path == "models[0].config.encoder_sizes[1]" }, "\(found)")
        let sizes = problems(syntheticSpec(models: #"{"model": "deeprec", "config": {"encoder_sizes": [64, -1]}}"#, metrics: #"["rmse"]"#, dataset: dataset)
            .replacingOccurrences(of: #""kind": "strong-generalization", "held_out_users": 50"#, with: #""kind": "rating-holdout""#))
        assertProblem(sizes, at: "models[0].config.encoder_sizes[1]", contains: "expected an integer >= 1, found -1")
    }

    func testCutoffsAndRunCountsAbsurdOnTheirFaceAreRefused() {
        let found = problems(syntheticSpec(models: #"{"model": "popularity"}"#, metrics: #"["recall@1000001", "ndcg@1000000"]"#))
        XCTAssertEqual(found.map(\.path), ["metrics[0]"])
        assertProblem(found, at: "metrics[0]", contains: "cut-off k is at most 1000000")
        let selection = problems(syntheticSpec(models: #"{"model": "popularity"}"#)
            .replacingOccurrences(of: #""models""#, with: #""selection": {"metric": "ndcg@2147483648"}, "models""#))
        XCTAssertEqual(selection.map(\.path), ["selection.metric"])
        let runs = problems(syntheticSpec(models: #"{"model": "ease", "grid": {"lambda": [\#((1...400).map(String.init).joined(separator: ","))]}}"#)
            .replacingOccurrences(of: #""models""#, with: #""seeds": [\#((1...300).map(String.init).joined(separator: ","))], "models""#))
        assertProblem(runs, at: "models", contains: "at most 100000 runs")
        assertProblem(runs, at: "models", contains: "found 120000 runs")
    }

    func testNamesAndLabelsFitInAFileName() {
        let long = String(repeating: "x", count: 201)
        let found = problems(syntheticSpec(models: #"{"model": "popularity", "label": "\#(long)"}"#)
            .replacingOccurrences(of: #""name": "limits""#, with: #""name": "\#(long)""#))
        assertProblem(found, at: "name", contains: "at most 200 characters")
        assertProblem(found, at: "models[0].label", contains: "at most 200 characters")
        let fits = String(repeating: "x", count: 200)
        XCTAssertEqual(problems(syntheticSpec(models: #"{"model": "popularity", "label": "\#(fits)"}"#)), [])
    }

    func testSyntheticDataTooLargeToGenerateIsRefused() {
        let dataset = #"{"name": "synthetic", "mode": "implicit", "synthetic": {"users": 2147483647, "items": 100000, "interactions_per_user": 1000}}"#
        let found = problems(syntheticSpec(models: #"{"model": "popularity"}"#, dataset: dataset))
        assertProblem(found, at: "dataset.synthetic.users", contains: "generated data that fits in the memory limit")
        let outOfRange = problems(syntheticSpec(models: #"{"model": "popularity"}"#,
                                                dataset: #"{"name": "synthetic", "synthetic": {"users": 2147483648}}"#))
        assertProblem(outOfRange, at: "dataset.synthetic.users", contains: "an integer in 2...2147483647")
    }

    func testACustomModelBringsItsOwnRulesAndEstimate() throws {
        var description = ModelDescription(
            name: WideScorer.name, task: WideScorer.task, summary: WideScorer.summary, paper: WideScorer.paper,
            configKeys: ModelDescription.configKeys(of: WideScorer.defaultConfig, help: WideScorer.configHelp))
        description.checks = ModelChecks(WideScorer.self)
        func problems(_ config: String) -> [SpecProblem] {
            ExperimentSpec.validate(json: Data(syntheticSpec(models: #"{"model": "wide-scorer", "config": \#(config)}"#).utf8),
                                    models: [description], memoryLimit: MemoryLimit(bytes: 8 << 20, origin: "test"))
        }
        XCTAssertEqual(problems(#"{"width": 4}"#), [])
        assertProblem(problems(#"{"width": 0}"#), at: "models[0].config.width", contains: "expected an integer >= 1, found 0")
        assertProblem(problems(#"{"temperature": 1e39}"#), at: "models[0].config.temperature", contains: "Float's range")
        // 300 items x 10000 columns x 4 bytes (12,000,000 B), plus the evaluation's scores
        // 2 x 600 x 300 (1,440,000 B) and top-50 lists 600 x 50 (120,000 B): 12.9 MiB.
        let wide = problems(#"{"width": 10000}"#)
        assertProblem(wide, at: "models[0].config.width", contains:
            "found an estimated 12.9 MiB: table [items, width] 11.4 MiB, evaluation scores [evaluation batch, items] x 2 1.37 MiB, top-k lists [evaluation batch, k] 117 KiB for 600 users")
    }

    func testMemoryLimitParsesSizesAndShares() throws {
        XCTAssertEqual(try MemoryLimit(parsing: "16G", origin: "x").bytes, 16 << 30)
        XCTAssertEqual(try MemoryLimit(parsing: "512MiB", origin: "x").bytes, 512 << 20)
        XCTAssertEqual(try MemoryLimit(parsing: "1.5t", origin: "x").bytes, 3 << 39)
        XCTAssertEqual(try MemoryLimit(parsing: "2000000000", origin: "x").bytes, 2_000_000_000)
        XCTAssertEqual(try MemoryLimit(parsing: "64KB", origin: "x").bytes, 64 << 10)
        XCTAssertLessThanOrEqual(abs(try MemoryLimit(parsing: "50%", origin: "x").bytes - MemoryLimit.physicalMemory / 2), 1)
        for bad in ["0", "-1G", "abc", "", "1e30", "G", "nan", "12Q"] {
            XCTAssertThrowsError(try MemoryLimit(parsing: bad, origin: "--memory-limit \(bad)"), bad) { error in
                XCTAssertTrue("\(error)".contains("expected a memory size"), "\(error)")
            }
        }
        XCTAssertGreaterThan(MemoryLimit.physicalMemory, 0)
        XCTAssertEqual(MemoryLimit.machineDefault.bytes, Int(Double(MemoryLimit.physicalMemory) * 0.75))
        XCTAssertEqual(try MemoryLimit.resolve(option: "1G", environment: ["ENCORE_MEMORY_LIMIT": "2G"]).bytes, 1 << 30)
        let fromEnvironment = try MemoryLimit.resolve(option: nil, environment: ["ENCORE_MEMORY_LIMIT": "2G"])
        XCTAssertEqual(fromEnvironment, MemoryLimit(bytes: 2 << 30, origin: "ENCORE_MEMORY_LIMIT=2G"))
        XCTAssertEqual(try MemoryLimit.resolve(option: nil, environment: [:]), MemoryLimit.machineDefault)
        XCTAssertThrowsError(try MemoryLimit.resolve(option: nil, environment: ["ENCORE_MEMORY_LIMIT": "lots"]))
    }
}

/// A model defined outside the zoo, with its own config rules and memory estimate.
final class WideScorer: Ranker {
    struct Config: Codable, Sendable {
        var width: Int
        var temperature: Float
    }

    static let name = "wide-scorer"
    static let task = ModelTask.ranking
    static let summary = "Scores from an [items, width] table (a test model)."
    static let paper = "none"
    static let defaultConfig = Config(width: 4, temperature: 1)
    static let configHelp = ["width": "Columns per item.", "temperature": "Score scale."]

    static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.atLeast("width", config.width, 1)
        checks.positive("temperature", config.temperature)
        return checks.problems
    }

    static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        var estimate = MemoryEstimate()
        estimate.add("table [items, width]", floats: [dimensions.items, config.width], key: "width")
        return estimate
    }

    init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
    }

    func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        FitReport(curve: [], bestEpoch: nil, bestValidation: nil)
    }

    var parameterCount: Int { 0 }

    func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor { Tensor(shape: [history.rows, history.cols]) }
}
