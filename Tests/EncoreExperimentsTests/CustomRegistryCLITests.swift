import EncoreExperiments
import Foundation
import XCTest

/// A closed-form ranker written against the public API only, as a model in another package is:
/// popularity with additive smoothing, `(count + pseudoCount) / (users + pseudoCount * items)`.
final class SmoothedPopularity: Ranker {
    struct Config: Codable, Sendable {
        var pseudoCount: Float
    }
    static let name = "smoothed-popularity"
    static let task = ModelTask.ranking
    static let summary = "Item popularity with additive smoothing."
    static let paper = "Baseline"
    static let defaultConfig = Config(pseudoCount: 1)
    static let configHelp = ["pseudo_count": "Added to every item's interaction count."]

    private(set) var probabilities: [Float] = []
    let config: Config

    init(config: Config, context: ModelContext) throws {
        guard config.pseudoCount >= 0 else { throw ModelError.invalidConfig("pseudo_count must be >= 0") }
        self.config = config
    }

    func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let start = DispatchTime.now()
        var counts = [Float](repeating: config.pseudoCount, count: data.itemCount)
        for column in data.train.columnIndices { counts[Int(column)] += 1 }
        let total = counts.reduce(0, +)
        probabilities = counts.map { $0 / max(total, 1) }
        return try FitReport.closedForm(self, data: data, session: session, fitStarted: start)
    }

    func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        Tensor(shape: [history.rows, history.cols], scalars: Array((0..<history.rows).map { _ in probabilities }.joined()))
    }

    var parameterCount: Int { 0 }

    func exportState() throws -> ModelState {
        ModelState(names: ["probabilities"], tensors: [Tensor(shape: [probabilities.count], scalars: probabilities)])
    }

    func importState(_ state: ModelState, training: TrainingData) throws {
        try state.requireShapes([[training.itemCount]], model: Self.name)
        probabilities = state.tensors[0].scalars
    }
}

/// `EncoreCLI.run(_:registry:)`: every command that names models resolves them through the
/// registry it is given, so a model defined outside the package runs through the stock commands.
final class CustomRegistryCLITests: XCTestCase {
    let registry = ModelRegistry.standard.adding(SmoothedPopularity.self)
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("encore-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func writeSpec() throws -> String {
        let spec = """
            {
              "name": "registry",
              "dataset": {"name": "synthetic", "mode": "implicit",
                          "synthetic": {"users": 300, "items": 80, "interactions_per_user": 12, "rank": 4, "seed": 3}},
              "protocol": {"kind": "strong-generalization", "held_out_users": 40, "seed": 1},
              "metrics": ["recall@10", "ndcg@10"],
              "seeds": [1],
              "models": [{"model": "popularity"}, {"model": "smoothed-popularity", "grid": {"pseudo_count": [0, 5]}}]
            }
            """
        let url = directory.appendingPathComponent("spec.json")
        try Data(spec.utf8).write(to: url)
        return url.path
    }

    func table(_ folder: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(folder).appendingPathComponent("table.md"), encoding: .utf8)
    }

    func testValidateRunResumeAndTableUseTheGivenRegistry() throws {
        let spec = try writeSpec()
        XCTAssertEqual(EncoreCLI.run(["validate", spec]), ExitCode.usage.rawValue, "the standard registry lacks the model")
        XCTAssertEqual(EncoreCLI.run(["validate", spec], registry: registry), 0)
        XCTAssertEqual(EncoreCLI.run(["validate", spec, "--set", "models[1].config.pseudo_cuont=2"], registry: registry),
                       ExitCode.usage.rawValue, "config keys of the added model are checked")

        let output = directory.appendingPathComponent("run").path
        XCTAssertEqual(EncoreCLI.run(["run", spec, "--output", output, "--quiet"], registry: registry), 0)
        let runTable = try table("run")
        XCTAssertTrue(runTable.contains("\n| smoothed-popularity |"), runTable)
        XCTAssertEqual(EncoreCLI.run(["run", spec, "--output", output, "--quiet", "--resume"], registry: registry), 0)
        XCTAssertEqual(EncoreCLI.run(["run", spec, "--output", output, "--quiet", "--resume"]), ExitCode.usage.rawValue)

        let merged = directory.appendingPathComponent("merged").path
        XCTAssertEqual(EncoreCLI.run(["table", output, "--output", merged, "--quiet"], registry: registry), 0)
        XCTAssertTrue(try table("merged").contains("\n| smoothed-popularity |"))
    }

    func testRecommendRebuildsSavedModelsThroughTheGivenRegistry() throws {
        let spec = try writeSpec()
        let output = directory.appendingPathComponent("saved").path
        XCTAssertEqual(EncoreCLI.run(["run", spec, "--output", output, "--save-model", "--quiet"], registry: registry), 0)
        let model = directory.appendingPathComponent("saved/models/smoothed-popularity-seed1").path
        let history = directory.appendingPathComponent("history.csv")
        try Data("new,i1\nnew,i2\n".utf8).write(to: history)
        let recommendations = directory.appendingPathComponent("recommendations.csv")
        let arguments = ["recommend", model, "--history", history.path, "--k", "3", "--output", recommendations.path]
        XCTAssertEqual(EncoreCLI.run(arguments), ExitCode.usage.rawValue, "the standard registry lacks the model")
        XCTAssertEqual(EncoreCLI.run(arguments, registry: registry), 0)
        let lines = try String(contentsOf: recommendations, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "\(lines)")
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasPrefix("new,") && !$0.contains(",i1,") && !$0.contains(",i2,") }, "\(lines)")
    }

    func testBenchModelResolvesTheGivenRegistry() {
        let arguments = ["bench", "model", "smoothed-popularity", "--dataset", "synthetic", "--threads", "1", "--json"]
        XCTAssertEqual(EncoreCLI.run(arguments), ExitCode.usage.rawValue)
        XCTAssertEqual(EncoreCLI.run(arguments, registry: registry), 0)
    }

    func testEveryCommandIsBuiltForTheRegistry() {
        let names = EncoreCLI.commands(registry: registry).map(\.name)
        for name in ["run", "validate", "table", "models", "recommend", "bench model"] { XCTAssertTrue(names.contains(name), name) }
        XCTAssertEqual(names, EncoreCLI.commands(registry: .standard).map(\.name))
    }
}
