@testable import EncoreData
import Foundation
import XCTest

final class SyntheticTests: XCTestCase {
    func testDeterministicShapedAndSkewed() {
        let a = SyntheticData.generate(users: 200, items: 1000, interactionsPerUser: 20, popularitySkew: 1.0, seed: 1)
        let b = SyntheticData.generate(users: 200, items: 1000, interactionsPerUser: 20, popularitySkew: 1.0, seed: 1)
        let c = SyntheticData.generate(users: 200, items: 1000, interactionsPerUser: 20, popularitySkew: 1.0, seed: 2)
        XCTAssertEqual(a.interactions, b.interactions)
        XCTAssertNotEqual(a.interactions, c.interactions)
        XCTAssertEqual(a.userCount, 200)
        XCTAssertTrue(a.isImplicit)
        XCTAssertEqual(Double(a.interactions.count) / 200, 20, accuracy: 4)
        XCTAssertEqual(Set(a.interactions.map { [$0.user, $0.item] }).count, a.interactions.count, "no duplicate pairs")
        // Popularity skew: the most popular 10% of items hold far more than 10% of interactions.
        let perItem = a.interactionsPerItem().sorted(by: >)
        XCTAssertGreaterThan(Double(perItem.prefix(perItem.count / 10).reduce(0, +)) / Double(a.interactions.count), 0.2)
    }

    func testExplicitRatingsFollowPlantedPreferences() {
        let d = SyntheticData.generate(users: 300, items: 80, interactionsPerUser: 15, rank: 4, explicit: true, seed: 3)
        XCTAssertEqual(d.ratingRange, 1...5)
        XCTAssertTrue(d.interactions.allSatisfy { (1...5).contains($0.rating) && $0.rating == $0.rating.rounded() })
        XCTAssertGreaterThan(Set(d.interactions.map(\.rating)).count, 2)
        // Planted structure: ratings depend on (user, item), so per-item mean ratings vary much
        // more than they do after shuffling the ratings across interactions.
        func itemMeanVariance(_ ratings: [Float]) -> Float {
            var sums = [Float](repeating: 0, count: d.itemCount), counts = [Float](repeating: 0, count: d.itemCount)
            for (k, x) in d.interactions.enumerated() { sums[Int(x.item)] += ratings[k]; counts[Int(x.item)] += 1 }
            let means = (0..<d.itemCount).filter { counts[$0] >= 5 }.map { sums[$0] / counts[$0] }
            let mean = means.reduce(0, +) / Float(means.count)
            return means.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(means.count)
        }
        var rng = SeededRNG(seed: 9)
        var shuffled = d.interactions.map(\.rating)
        rng.shuffle(&shuffled)
        XCTAssertGreaterThan(itemMeanVariance(d.interactions.map(\.rating)), 2 * itemMeanVariance(shuffled))
        XCTAssertNotNil(SyntheticData.builtIn("synthetic"))
        XCTAssertNil(SyntheticData.builtIn("synthetic-2"))
    }
}

/// Runs against the real MovieLens copies when ENCORE_DATA_DIR is set.
final class IntegrationTests: XCTestCase {
    func locations() throws -> DataLocations {
        guard let dir = ProcessInfo.processInfo.environment["ENCORE_DATA_DIR"], !dir.isEmpty else {
            throw XCTSkip("set ENCORE_DATA_DIR to a folder with ml-100k/ and ml-1m-implicit/ to run")
        }
        return DataLocations(dataDirectory: dir)
    }

    func testMovieLens100K() throws {
        let (d, report) = try DataLoader.load("ml-100k", locations: try locations())
        XCTAssertEqual([d.userCount, d.itemCount, d.interactions.count], [943, 1682, 100_000])
        XCTAssertEqual(report.skippedLines, 0)
        XCTAssertEqual(d.ratingRange, 1...5)
    }

    func testMovieLens1MImplicit() throws {
        let (raw, _) = try DataLoader.load("ml-1m-implicit", locations: try locations())
        let (d, _) = try raw.preprocessed(Preprocessing(mode: DataLoader.defaultMode(for: "ml-1m-implicit")))
        XCTAssertEqual([d.userCount, d.itemCount, d.interactions.count], [6038, 3533, 575_281])
        XCTAssertTrue(d.isImplicit)
    }
}
