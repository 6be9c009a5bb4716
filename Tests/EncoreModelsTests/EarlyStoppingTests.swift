import EncoreModels
import Foundation
import XCTest

/// Early stopping in the shared loop: `patience` epochs without a better validation value end
/// training only once `minimumUpdates` optimizer updates were made in all.
final class EarlyStoppingTests: XCTestCase {
    /// Fits `BiasOnly` with learning rate 0, so validation never improves after epoch 1.
    private func fit(batchSize: Int, minimumUpdates: Int, patience: Int = 2, epochs: Int = 40) throws -> FitReport {
        let data = RatingFixture.split.trainingData
        let model = try BiasOnly(
            config: BiasOnly.Config(learningRate: 0, regularization: 0, batchSize: batchSize),
            context: ModelContext(data: data, rng: SeededRNG(seed: 1), threads: 1))
        let session = TrainingSession(
            selectionMetric: Metric(.rmse), rng: SeededRNG(seed: 2), maxEpochs: epochs, patience: patience,
            minimumUpdates: minimumUpdates, threads: 1)
        return try model.fit(data, session: session)
    }

    func testPatienceAloneStopsAfterPatienceEpochs() throws {
        let report = try fit(batchSize: 1_000_000, minimumUpdates: 0)
        XCTAssertEqual(report.bestEpoch, 1)
        XCTAssertEqual(report.curve.count, 3, "epoch 1 is the best; epochs 2 and 3 spend the patience of 2")
        XCTAssertEqual(report.updatesPerEpoch, 1)
        XCTAssertEqual(report.epochCap, 40)
        XCTAssertEqual(report.stoppedEarly, true)
    }

    /// The remedy for epochs of few updates: patience may end training only after the minimum
    /// number of updates, counted in updates (not epochs).
    func testNoEarlyStopBeforeTheMinimumNumberOfUpdates() throws {
        let one = try fit(batchSize: 1_000_000, minimumUpdates: 12)
        XCTAssertEqual(one.curve.count, 12, "one update per epoch: 12 epochs before patience may stop")
        XCTAssertEqual(one.bestEpoch, 1)
        XCTAssertEqual(one.stoppedEarly, true)

        let examples = RatingFixture.split.trainingData.train.nonzeroCount
        let perEpoch = (examples + 999) / 1000
        XCTAssertGreaterThan(perEpoch, 1)
        let several = try fit(batchSize: 1000, minimumUpdates: 12)
        XCTAssertEqual(several.updatesPerEpoch, perEpoch)
        XCTAssertEqual(several.curve.count, max(3, (12 + perEpoch - 1) / perEpoch), "\(perEpoch) updates per epoch")

        let never = try fit(batchSize: 1_000_000, minimumUpdates: 1_000)
        XCTAssertEqual(never.curve.count, 40, "the cap comes first")
        XCTAssertEqual(never.stoppedEarly, false)
        XCTAssertEqual(never.bestEpoch, 1)
    }

    /// A batch size larger than any data (up to `Int.max`) is one batch of every example.
    func testBatchSizeBeyondTheDataIsOneBatch() throws {
        let report = try fit(batchSize: Int.max, minimumUpdates: 0, epochs: 2)
        XCTAssertEqual(report.updatesPerEpoch, 1)
        XCTAssertEqual(report.curve.count, 2)
    }

    /// Recorded times carry microseconds, written without the noise digits of nanoseconds / 1e9.
    func testRecordedSecondsAreWholeMicroseconds() {
        let now = DispatchTime.now().uptimeNanoseconds
        for elapsed: UInt64 in [87_453_963, 1_000_000_001, 999, 123_456_789_012] {
            let seconds = GradientTrainer.seconds(since: DispatchTime(uptimeNanoseconds: now - elapsed))
            let decimals = "\(seconds)".split(separator: ".").last.map(\.count) ?? 0
            XCTAssertLessThanOrEqual(decimals, 6, "\(seconds)")
            XCTAssertGreaterThanOrEqual(seconds, Double(elapsed / 1000) / 1e6)
        }
    }
}
