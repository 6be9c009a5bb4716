@testable import EncoreExperiments
import Foundation
import XCTest

/// The real zoo: the experiment files must validate against the registered models.
let registeredModelsStandIn: [ModelDescription] = ModelRegistry.standard.descriptions

final class SpecFilesTests: XCTestCase {
    private var root: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    func testEveryExperimentFileValidates() throws {
        let folder = root.appendingPathComponent("experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(files, [
            "ml100k-comparison.json", "ml100k-ranking.json", "ml100k-rating.json", "ml1m-comparison.json", "ml1m-ranking.json",
            "ml1m-rating.json", "ml1m-reference-split.json", "ml1m-sequential.json", "quickstart.json",
        ])
        for file in files {
            let spec = try ExperimentSpec.load(file: folder.appendingPathComponent(file).path, models: registeredModelsStandIn)
            XCTAssertEqual(spec.name + ".json", file)
            XCTAssertFalse(spec.runPlans().isEmpty)
            // ML-1M's comparison runs SVAE on its own time-ordered split: a third setting.
            XCTAssertEqual(spec.settings.count, file == "ml1m-comparison.json" ? 3 : file.contains("comparison") ? 2 : 1, file)
        }
        let comparison = try ExperimentSpec.load(file: folder.appendingPathComponent("ml1m-comparison.json").path, models: registeredModelsStandIn)
        let autorec = comparison.models.first { $0.model == "i-autorec" }!.setting
        XCTAssertEqual(autorec.dataset.mode, .explicit)
        XCTAssertNil(autorec.dataset.threshold)
        XCTAssertEqual(autorec.evaluationProtocol.kind, .ratingHoldout)
        XCTAssertEqual(autorec.selection.metric, "rmse")
        XCTAssertNil(autorec.selection.maxEpochs)
        XCTAssertEqual(comparison.models.first { $0.model == "ease" }!.setting.selection.maxEpochs, 200)
        XCTAssertEqual(comparison.models.first { $0.model == "svae" }!.setting.evaluationProtocol.foldInOrder, .time)
        let sequential = try ExperimentSpec.load(file: folder.appendingPathComponent("ml1m-sequential.json").path, models: registeredModelsStandIn)
        XCTAssertEqual(sequential.dataset.maxUserInteractions, 1000)
        XCTAssertEqual(sequential.evaluationProtocol.foldInOrder, .time)
        XCTAssertEqual(sequential.evaluationProtocol.heldOutUsers, 750)
        let reference = try ExperimentSpec.load(file: folder.appendingPathComponent("ml1m-reference-split.json").path, models: registeredModelsStandIn)
        XCTAssertEqual(reference.evaluationProtocol.splitFile, "ml1m-reference.split")
        XCTAssertEqual(reference.selection.patience, 0, "the reference trains 200 epochs and keeps the best validation epoch")
    }

    func testSchemaListsTheKeysTheValidatorAccepts() throws {
        let data = try Data(contentsOf: root.appendingPathComponent("docs/spec.schema.json"))
        let schema = try JSONParser.parse(String(decoding: data, as: UTF8.self))
        XCTAssertEqual(schema["$schema"], .string("https://json-schema.org/draft/2020-12/schema"))
        func keys(_ value: JSONValue?) -> [String] { (value?["properties"]?.objectPairs ?? []).map(\.key).sorted() }
        let defs = schema["$defs"]
        XCTAssertEqual(keys(schema), ExperimentSpec.topLevelKeys.sorted())
        XCTAssertEqual(schema["additionalProperties"], .bool(false))
        XCTAssertEqual(keys(defs?["datasetObject"]), SpecDecoder.datasetKeys.sorted())
        XCTAssertEqual(keys(defs?["datasetObject"]?["properties"]?["synthetic"]), SpecDecoder.syntheticKeys.sorted())
        XCTAssertEqual(keys(defs?["datasetObject"]?["properties"]?["columns"]), SpecDecoder.columnKeys.sorted())
        XCTAssertEqual(keys(defs?["protocol"]), SpecDecoder.protocolKeys.sorted())
        XCTAssertEqual(keys(defs?["selection"]), SpecDecoder.selectionKeys.sorted())
        XCTAssertEqual(keys(defs?["output"]), SpecDecoder.outputKeys.sorted())
        XCTAssertEqual(keys(defs?["model"]), SpecDecoder.modelKeys.sorted())
        XCTAssertEqual(keys(defs?["search"]), SpecDecoder.searchKeys.sorted())
        XCTAssertEqual(keys(defs?["searchDimension"]), SpecDecoder.dimensionKeys.sorted())
        XCTAssertEqual(defs?["search"]?["properties"]?["kind"]?["enum"], .array(RandomSearch.kinds.map { .string($0) }))
        XCTAssertEqual(defs?["datasetName"]?["enum"], .array(SpecDatasetName.all.map { .string($0) }))
        XCTAssertEqual(defs?["protocol"]?["properties"]?["kind"]?["enum"], .array(ProtocolSpec.kinds.map { .string($0) }))
    }

    func testDocsMentionEveryKey() throws {
        let docs = try String(contentsOf: root.appendingPathComponent("docs/spec.md"), encoding: .utf8)
        let all = ExperimentSpec.topLevelKeys + SpecDecoder.datasetKeys + SpecDecoder.syntheticKeys + SpecDecoder.protocolKeys
            + SpecDecoder.selectionKeys + SpecDecoder.outputKeys + SpecDecoder.modelKeys + SpecDecoder.fileFormats
            + SpecDecoder.searchKeys + SpecDecoder.dimensionKeys
        for key in Set(all) { XCTAssertTrue(docs.contains("`\(key)`"), "docs/spec.md does not document `\(key)`") }
    }

    func testValidateCommandExitCodes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("encore-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.json"), bad = folder.appendingPathComponent("bad.json")
        // The real registry's Mult-VAE keys (the shared fixture uses a fake model list).
        let realKeys = [("{\"latent\": 100}", "{\"latent_size\": 100}"), ("\"encoder_units\"", "\"encoder_sizes\"")]
        try rankingSpec(realKeys).write(to: good, atomically: true, encoding: .utf8)
        try rankingSpec(realKeys + [("\"seeds\": [1, 2, 3]", "\"seeds\": [1, 2, 3,]")]).write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertEqual(EncoreCLI.run(["validate", good.path]), 0)
        XCTAssertEqual(EncoreCLI.run(["validate", good.path, "--set", "seeds=[4]", "--threads", "2"]), 0)
        XCTAssertEqual(EncoreCLI.run(["validate", good.path, "--threads", "0"]), 64)
        XCTAssertEqual(EncoreCLI.run(["validate", good.path, "--set", "nonsense"]), 64)
        XCTAssertEqual(EncoreCLI.run(["validate", bad.path]), 64)
        XCTAssertEqual(EncoreCLI.run(["validate", folder.appendingPathComponent("missing.json").path]), 74)
        XCTAssertEqual(EncoreCLI.run(["validate"]), 64)
    }
}
