import EncoreModels
import Foundation
import XCTest

/// Resuming from a mid-training checkpoint ends bit-identical to the uninterrupted run.
final class RatingCheckpointTests: XCTestCase {
    final class Box: @unchecked Sendable {
        var checkpoints: [Data] = []
    }

    func resumeMatches(_ name: String, _ config: String) throws {
        let epochs = 6
        let saved = Box()
        var full = RatingFixture.session(epochs: epochs)
        full.checkpointInterval = 3
        full.saveCheckpoint = { saved.checkpoints.append($0) }
        let uninterrupted = try RatingFixture.make(name, config)
        let fullReport = try uninterrupted.fit(RatingFixture.split.trainingData, session: full)
        XCTAssertEqual(saved.checkpoints.count, 2, name)

        var resumed = RatingFixture.session(epochs: epochs)
        resumed.resumeFrom = saved.checkpoints[0]
        let second = try RatingFixture.make(name, config)
        let resumedReport = try second.fit(RatingFixture.split.trainingData, session: resumed)

        XCTAssertEqual(resumedReport.bestEpoch, fullReport.bestEpoch, name)
        XCTAssertEqual(resumedReport.curve.map(\.loss), fullReport.curve.map(\.loss), name)
        XCTAssertEqual(resumedReport.curve.map(\.validation), fullReport.curve.map(\.validation), name)
        let a = try XCTUnwrap(uninterrupted as? any GradientModel).parameters.map(\.value)
        let b = try XCTUnwrap(second as? any GradientModel).parameters.map(\.value)
        XCTAssertEqual(a, b, "\(name): weights differ after resuming")
    }

    func testAutoRecResumesBitIdentically() throws {
        try resumeMatches("i-autorec", RatingModelTests.small["i-autorec"]!)
    }

    func testDeepRecResumesBitIdentically() throws {
        try resumeMatches("deeprec", RatingModelTests.small["deeprec"]!)
    }
}
