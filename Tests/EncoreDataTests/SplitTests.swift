@testable import EncoreData
import Foundation
import XCTest

final class SplitTests: DataTestCase {
    let explicit = SyntheticData.generate(users: 60, items: 40, interactionsPerUser: 12, explicit: true, seed: 3)
    let implicit = SyntheticData.generate(users: 60, items: 40, interactionsPerUser: 12, seed: 4)

    func allPairs(_ d: Dataset) -> Set<[Int]> { Set(d.interactions.map { [Int($0.user), Int($0.item)] }) }

    func ratingPairs(_ e: EvaluationData) -> RatingPairs {
        guard case let .ratings(p) = e else { XCTFail("expected rating pairs"); return RatingPairs(users: [], items: [], ratings: []) }
        return p
    }

    func ranking(_ e: EvaluationData) -> RankingTargets {
        guard case let .ranking(t) = e else { fatalError("expected ranking targets") }
        return t
    }

    func testRatingHoldoutFractionsDisjointAndComplete() throws {
        let split = try makeSplit(explicit, protocol: .ratingHoldout(testFraction: 0.1, validationFraction: 0.1), seed: 7)
        let n = explicit.interactions.count
        let test = ratingPairs(split.test), validation = ratingPairs(split.trainingData.validation)
        XCTAssertEqual(test.count, Int((0.1 * Double(n)).rounded()))
        XCTAssertEqual(validation.count, Int((0.1 * Double(n - test.count)).rounded()))
        XCTAssertEqual(split.trainingData.train.nonzeroCount + test.count + validation.count, n)
        let train = pairs(split.trainingData.train, users: split.trainingData.trainUsers)
        let testSet = Set((0..<test.count).map { [Int(test.users[$0]), Int(test.items[$0])] })
        let validationSet = Set((0..<validation.count).map { [Int(validation.users[$0]), Int(validation.items[$0])] })
        XCTAssertTrue(train.isDisjoint(with: testSet) && train.isDisjoint(with: validationSet) && testSet.isDisjoint(with: validationSet))
        XCTAssertEqual(train.union(testSet).union(validationSet), allPairs(explicit))
        XCTAssertEqual(split.trainingData.ratingRange, 1...5)
        XCTAssertEqual(split.trainingData.trainUsers, Array(0..<explicit.userCount))
    }

    func testUserHoldoutTimeOrderHoldsOutLatest() throws {
        let split = try makeSplit(implicit, protocol: .userHoldout(testFraction: 0.2, validationFraction: 0.1, order: .time, minInteractions: 5), seed: 1)
        let test = ranking(split.test), validation = ranking(split.trainingData.validation)
        let train = pairs(split.trainingData.train, users: split.trainingData.trainUsers)
        let testSet = pairs(test.targets, users: test.users), validationSet = pairs(validation.targets, users: validation.users)
        XCTAssertTrue(train.isDisjoint(with: testSet) && train.isDisjoint(with: validationSet) && testSet.isDisjoint(with: validationSet))
        XCTAssertEqual(train.union(testSet).union(validationSet), allPairs(implicit))
        let counts = implicit.interactionsPerUser()
        var latestTrain = [Int64](repeating: .min, count: implicit.userCount), earliestTest = [Int64](repeating: .max, count: implicit.userCount)
        for x in implicit.interactions {
            let key = [Int(x.user), Int(x.item)]
            if train.contains(key) { latestTrain[Int(x.user)] = max(latestTrain[Int(x.user)], x.timestamp) }
            if testSet.contains(key) { earliestTest[Int(x.user)] = min(earliestTest[Int(x.user)], x.timestamp) }
        }
        for (row, u) in test.users.enumerated() {
            XCTAssertEqual(test.targets.count(ofRow: row), max(1, Int((0.2 * Double(counts[u])).rounded())))
            XCTAssertLessThanOrEqual(latestTrain[u], earliestTest[u])
            // Test history = train + validation items of the user.
            XCTAssertEqual(test.history.count(ofRow: row), counts[u] - test.targets.count(ofRow: row))
            XCTAssertEqual(test.trainingRows[row], u)
        }
        for u in 0..<implicit.userCount where counts[u] < 5 { XCTAssertFalse(test.users.contains(u)) }
        XCTAssertEqual(pairs(validation.history, users: validation.users), train.filter { validation.users.contains($0[0]) })
    }

    func testLeaveOneOutRandomAndTime() throws {
        for order in [SplitProtocol.Order.random, .time] {
            let split = try makeSplit(implicit, protocol: .leaveOneOut(order: order), seed: 2)
            let test = ranking(split.test)
            XCTAssertTrue((0..<test.users.count).allSatisfy { test.targets.count(ofRow: $0) == 1 })
            XCTAssertEqual(test.users.count, implicit.interactionsPerUser().filter { $0 >= 3 }.count)
            let train = pairs(split.trainingData.train, users: split.trainingData.trainUsers)
            XCTAssertTrue(train.isDisjoint(with: pairs(test.targets, users: test.users)))
        }
    }

    func testStrongGeneralizationHoldsUsersOutAndRestrictsItems() throws {
        let split = try makeSplit(implicit, protocol: .strongGeneralization(heldOutUsers: 10, foldInFraction: 0.8), seed: 5)
        let training = split.trainingData
        let test = ranking(split.test), validation = ranking(training.validation)
        XCTAssertEqual(training.train.rows, implicit.userCount - 20)
        let trainUsers = Set(training.trainUsers)
        XCTAssertTrue(trainUsers.isDisjoint(with: test.users) && trainUsers.isDisjoint(with: validation.users))
        XCTAssertTrue(Set(test.users).isDisjoint(with: validation.users))
        XCTAssertTrue(test.trainingRows.allSatisfy { $0 == -1 })
        let trainItems = Set(training.train.columnIndices)
        for t in [test, validation] {
            XCTAssertTrue(Set(t.history.columnIndices).union(t.targets.columnIndices).isSubset(of: trainItems))
            for row in 0..<t.users.count {
                let h = t.history.count(ofRow: row), g = t.targets.count(ofRow: row)
                XCTAssertGreaterThanOrEqual(h, 1)
                XCTAssertGreaterThanOrEqual(g, 1)
                XCTAssertEqual(h, min(h + g - 1, max(1, Int((0.8 * Double(h + g)).rounded()))))
                XCTAssertTrue(Set(t.history.columns(ofRow: row)).isDisjoint(with: t.targets.columns(ofRow: row)))
            }
        }
        XCTAssertThrowsError(try makeSplit(implicit, protocol: .strongGeneralization(heldOutUsers: 30), seed: 5))
    }

    func testKFoldPartitionsRatingsAndUsers() throws {
        var testUnion = Set<[Int]>()
        for fold in 0..<4 {
            let split = try makeSplit(explicit, protocol: .kFold(folds: 4, fold: fold, over: .ratings, validationFraction: 0.1), seed: 9)
            let p = ratingPairs(split.test)
            let set = Set((0..<p.count).map { [Int(p.users[$0]), Int(p.items[$0])] })
            XCTAssertTrue(testUnion.isDisjoint(with: set))
            testUnion.formUnion(set)
        }
        XCTAssertEqual(testUnion, allPairs(explicit))
        var users = Set<Int>()
        for fold in 0..<3 {
            let split = try makeSplit(implicit, protocol: .kFold(folds: 3, fold: fold, over: .users), seed: 9)
            let test = ranking(split.test)
            XCTAssertTrue(Set(split.trainingData.trainUsers).isDisjoint(with: test.users))
            XCTAssertTrue(users.isDisjoint(with: test.users))
            users.formUnion(test.users)
        }
    }

    func testDeterminismAndRoundTrip() throws {
        let protocols: [SplitProtocol] = [
            .ratingHoldout(), .userHoldout(), .leaveOneOut(order: .random), .strongGeneralization(heldOutUsers: 5), .kFold(folds: 3, fold: 1, over: .users),
        ]
        for p in protocols {
            let d = p.evaluatesRatings ? explicit : implicit
            let a = try makeSplit(d, protocol: p, seed: 11), b = try makeSplit(d, protocol: p, seed: 11)
            XCTAssertEqual(a.textRepresentation(), b.textRepresentation(), "\(p)")
            XCTAssertNotEqual(a.textRepresentation(), try makeSplit(d, protocol: p, seed: 12).textRepresentation(), "\(p)")
            let url = folder.appendingPathComponent("\(p.typeName).split")
            try a.write(to: url)
            let loaded = try Split.read(from: url)
            XCTAssertEqual(loaded, a, "\(p)")
            XCTAssertEqual(loaded.textRepresentation(), a.textRepresentation())
        }
        let bad = try write("bad.split", "encore-split 1\nitems 3\nrating-range none\ntrain 1 1\ntrain-users 0\n0 7 1\n")
        assertDataError(try Split.read(from: bad), contains: ["bad.split:6", "outside"], io: false)
    }

    func testProtocolJSONRejectsUnknownKeysAndBadValues() throws {
        func decode(_ json: String) throws -> SplitProtocol { try JSONDecoder().decode(SplitProtocol.self, from: Data(json.utf8)) }
        XCTAssertEqual(try decode(#"{"kind":"user-holdout","order":"time"}"#),
                       .userHoldout(testFraction: 0.2, validationFraction: 0.1, order: .time, minInteractions: 3))
        XCTAssertEqual(try decode(#"{"kind":"user-holdout","test_fraction":0.3,"min_interactions":5}"#),
                       .userHoldout(testFraction: 0.3, validationFraction: 0.1, order: .random, minInteractions: 5))
        // The spec's snake_case form is what is written; the older camelCase form is still read.
        let encoded = try JSONEncoder().encode(SplitProtocol.strongGeneralization(heldOutUsers: 7))
        let text = String(decoding: encoded, as: UTF8.self)
        XCTAssertTrue(text.contains(#""kind":"strong-generalization""#) && text.contains(#""held_out_users":7"#), text)
        XCTAssertFalse(text.contains("heldOutUsers"), text)
        XCTAssertEqual(try JSONDecoder().decode(SplitProtocol.self, from: encoded), .strongGeneralization(heldOutUsers: 7))
        XCTAssertEqual(try decode(#"{"type":"strong-generalization","heldOutUsers":3,"foldInFraction":0.5}"#),
                       .strongGeneralization(heldOutUsers: 3, foldInFraction: 0.5))
        XCTAssertThrowsError(try decode(#"{"kind":"rating-holdout","folds":3}"#))
        XCTAssertThrowsError(try decode(#"{"kind":"rating-holdout","test_fraction":1.5}"#)) { error in
            XCTAssertTrue("\(error)".contains("test_fraction must be in [0, 1)"), "\(error)")
        }
        XCTAssertThrowsError(try decode(#"{"kind":"rating-holdout","test_fraction":0.1,"testFraction":0.2}"#)) { error in
            XCTAssertTrue("\(error)".contains("given twice"), "\(error)")
        }
        XCTAssertThrowsError(try decode(#"{"kind":"strong-generalization"}"#)) { error in
            XCTAssertTrue("\(error)".contains("held_out_users"), "\(error)")
        }
        XCTAssertThrowsError(try decode(#"{"kind":"rating-holdout","tset_fraction":0.1}"#))
        XCTAssertThrowsError(try makeSplit(implicit, protocol: .kFold(folds: 3, fold: 3), seed: 0))
    }
}
