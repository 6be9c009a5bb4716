@testable import EncoreData
import XCTest

final class PreprocessingTests: XCTestCase {
    /// Builds a dataset from (user ID, item ID, rating, timestamp) rows.
    func dataset(_ rows: [(String, String, Float, Int64)]) -> Dataset {
        var users: [String] = [], items: [String] = []
        var xs: [Interaction] = []
        for (u, i, r, t) in rows {
            if !users.contains(u) { users.append(u) }
            if !items.contains(i) { items.append(i) }
            xs.append(Interaction(user: Int32(users.firstIndex(of: u)!), item: Int32(items.firstIndex(of: i)!), rating: r, timestamp: t))
        }
        return Dataset(name: "t", interactions: xs, userIDs: users, itemIDs: items, isImplicit: false, ratingRange: 1...5)
    }

    func testImplicitThresholdAndDedupeKeepLatest() throws {
        let d = dataset([("a", "x", 5, 10), ("a", "x", 2, 20), ("a", "y", 4, 1), ("b", "y", 3, 1), ("b", "z", 4, 2)])
        let (dedup, report) = try d.preprocessed(Preprocessing(mode: .explicit, deduplicate: true))
        XCTAssertEqual(dedup.interactions.count, 4)
        XCTAssertEqual(dedup.interactions.first { dedup.userIDs[Int($0.user)] == "a" && dedup.itemIDs[Int($0.item)] == "x" }?.rating, 2)
        XCTAssertEqual(report.steps.map(\.interactions), [1])
        let (implicit, r2) = try d.preprocessed(Preprocessing(mode: .implicit(threshold: 4), deduplicate: true))
        XCTAssertTrue(implicit.isImplicit)
        XCTAssertNil(implicit.ratingRange)
        // (a,x,5) survives the threshold and is then the only (a,x): kept; (a,x,2) and (b,y,3) go.
        XCTAssertEqual(Set(implicit.interactions.map { "\(implicit.userIDs[Int($0.user)])\(implicit.itemIDs[Int($0.item)])" }), ["ax", "ay", "bz"])
        XCTAssertEqual(implicit.interactions.map(\.rating), [1, 1, 1])
        XCTAssertEqual(r2.steps[0].interactions, 2)
        XCTAssertEqual(r2.steps[0].users, 0)
    }

    func testIterativeKCoreCascadesAndRemapsKeepingIDs() throws {
        // A 2x2 block (u1,u2 x i1,i2) is a 2-core; u3 has two items but i3 has one rater, so
        // removing i3 leaves u3 with one interaction, which then goes in a second round.
        let d = dataset([("u1", "i1", 1, 0), ("u1", "i2", 1, 0), ("u2", "i1", 1, 0), ("u2", "i2", 1, 0),
                         ("u3", "i1", 1, 0), ("u3", "i3", 1, 0)])
        let (core, report) = try d.preprocessed(Preprocessing(deduplicate: false, kCore: 2))
        XCTAssertEqual(core.userIDs, ["u1", "u2"])
        XCTAssertEqual(core.itemIDs, ["i1", "i2"])
        XCTAssertEqual(core.interactions.count, 4)
        XCTAssertTrue(core.interactions.allSatisfy { $0.user < 2 && $0.item < 2 })
        XCTAssertEqual(report.steps.count, 1)
        XCTAssertEqual(report.steps[0].interactions, 2)
        XCTAssertEqual(report.steps[0].users, 1)
        XCTAssertEqual(report.steps[0].items, 1)
        XCTAssertTrue(report.steps[0].name.contains("2 rounds"))
    }

    func testMinUserInteractionsAndEmptyAfterFiltering() throws {
        let d = dataset([("a", "x", 1, 0), ("a", "y", 1, 0), ("b", "x", 1, 0)])
        let (kept, report) = try d.preprocessed(Preprocessing(minUserInteractions: 2))
        XCTAssertEqual(kept.userIDs, ["a"])
        XCTAssertEqual(report.steps.last?.users, 1)
        XCTAssertThrowsError(try d.preprocessed(Preprocessing(mode: .implicit(threshold: 2)))) { error in
            XCTAssertEqual((error as? DataError)?.isIOError, false)
            XCTAssertTrue("\(error)".contains("no interactions left"))
        }
    }

    func testStatistics() throws {
        let d = dataset([("a", "x", 1, 0), ("a", "y", 5, 0), ("b", "x", 5, 0)])
        let s = DataStatistics(d)
        XCTAssertEqual([s.users, s.items, s.interactions], [2, 2, 3])
        XCTAssertEqual(s.density, 0.75)
        XCTAssertEqual(s.ratingHistogram.map(\.count), [1, 2])
        XCTAssertEqual(s.interactionsPerUser.first, 1)
        XCTAssertEqual(s.interactionsPerUser.last, 2)
    }
}
