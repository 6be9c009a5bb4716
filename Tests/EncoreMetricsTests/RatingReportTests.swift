import EncoreMetrics
import XCTest

final class RatingReportTests: XCTestCase {
    func testClippedErrors() {
        // Predictions 6 and 0 clip to 5 and 1: errors (5-4), (1-1), (3-5) = 1, 0, -2.
        let report = ratingReport(predictions: [6, 0, 3], truth: [4, 1, 5], range: 1...5, fallbacks: 1)
        XCTAssertEqual(report.rmse, (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(report.mae, 1, accuracy: 1e-12)
        XCTAssertEqual(report.clipped, 2)
        XCTAssertEqual(report.fallbacks, 1)
        XCTAssertEqual(report.count, 3)
        XCTAssertEqual(report.perRatingError, [1, 0, -2])
        XCTAssertEqual(report.value(Metric(.rmse)), report.rmse)
    }

    func testUnclipped() {
        let report = ratingReport(predictions: [6, 0], truth: [4, 1], range: nil, fallbacks: 0)
        XCTAssertEqual(report.mae, 1.5, accuracy: 1e-12)
        XCTAssertEqual(report.clipped, 0)
    }

    func testPerUser() {
        let report = ratingReport(predictions: [2, 4, 3], truth: [1, 1, 3], range: 1...5, fallbacks: 0)
        let rmse = report.perUser(Metric(.rmse), users: [7, 2, 7])
        XCTAssertEqual(rmse.users, [2, 7])
        XCTAssertEqual(rmse.values[0], 3, accuracy: 1e-12)
        XCTAssertEqual(rmse.values[1], (0.5).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(report.perUser(Metric(.mae), users: [7, 2, 7]).values[1], 0.5, accuracy: 1e-12)
    }

    func testEmpty() {
        let report = ratingReport(predictions: [], truth: [], range: 1...5, fallbacks: 0)
        XCTAssertEqual(report.rmse, 0)
        XCTAssertEqual(report.count, 0)
    }
}
