@testable import EncoreExperiments
import EncoreModels
import Foundation
import XCTest

/// What a run's own process keeps of its data: the split of its seed, the IDs and the counts.
final class PreparedSettingTests: XCTestCase {
    func testKeepOnlySplitReleasesTheInteractionsAndKeepsTheSplit() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("experiments/quickstart.json"), encoding: .utf8)
        let spec = try ExperimentSpec.parse(text, models: ModelRegistry.standard.descriptions)
        let data = try PreparedSetting(setting: spec.settings[0]) { _ in }
        let (dimensions, description, users, items) = (data.dimensions, data.datasetDescription, data.dataset.userIDs, data.dataset.itemIDs)
        let splitBytes = data.splitBytes
        XCTAssertGreaterThan(data.dataset.interactions.count, 0)
        XCTAssertEqual(splitBytes, 12 * dimensions.interactions + 16 * dimensions.users)

        let before = try data.split(seed: 1)
        try data.keepOnlySplit(seed: 1)
        XCTAssertTrue(data.dataset.interactions.isEmpty, "the interactions are released")
        let after = try data.split(seed: 1)
        XCTAssertEqual(after.trainingData.train.columnIndices, before.trainingData.train.columnIndices)
        XCTAssertEqual(after.trainingData.train.rowPointers, before.trainingData.train.rowPointers)
        XCTAssertEqual(data.dimensions, dimensions)
        XCTAssertEqual(data.datasetDescription, description)
        XCTAssertEqual(data.dataset.userIDs, users)
        XCTAssertEqual(data.dataset.itemIDs, items)
        XCTAssertEqual(data.splitBytes, splitBytes)
        XCTAssertThrowsError(try data.split(seed: 2), "another seed's split needs the interactions")
    }
}
