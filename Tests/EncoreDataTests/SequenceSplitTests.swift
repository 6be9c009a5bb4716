@testable import EncoreData
import Foundation
import XCTest

final class SequenceSplitTests: DataTestCase {
    /// 30 users over 12 items; lines are not in time order, and some timestamps repeat.
    func timedDataset() -> Dataset {
        var rng = SeededRNG(seed: 11)
        var interactions: [Interaction] = []
        for u in 0..<30 {
            var items = Array(0..<12)
            rng.shuffle(&items)
            for (k, item) in items.prefix(5 + u % 6).enumerated() {
                // Timestamps run backwards through the lines, with pairs of equal timestamps.
                interactions.append(Interaction(user: Int32(u), item: Int32(item), rating: 1, timestamp: Int64(1000 - (k / 2) * 10)))
            }
        }
        rng.shuffle(&interactions)
        return Dataset(name: "timed", interactions: interactions, userIDs: (0..<30).map { "u\($0)" },
                       itemIDs: (0..<12).map { "i\($0)" }, isImplicit: true, ratingRange: nil)
    }

    /// User `u`'s items by timestamp, equal timestamps in line order.
    func expectedOrder(_ d: Dataset, _ u: Int) -> [Int32] {
        d.interactions.enumerated().filter { $0.element.user == Int32(u) }
            .sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }
            .map(\.element.item)
    }

    func ranking(_ e: EvaluationData) -> RankingTargets {
        guard case let .ranking(t) = e else { fatalError("expected ranking targets") }
        return t
    }

    func testTimeOrderedFoldInAndTrainingSequences() throws {
        let d = timedDataset()
        let split = try makeSplit(d, protocol: .strongGeneralization(heldOutUsers: 5, foldInFraction: 0.8, foldInOrder: .time), seed: 2)
        let training = split.trainingData
        let sequences = try XCTUnwrap(training.trainSequences)
        for (row, u) in training.trainUsers.enumerated() {
            XCTAssertEqual(Array(sequences[row]), expectedOrder(d, u), "train user \(u)")
            XCTAssertEqual(Set(sequences[row]), Set(training.train.columns(ofRow: row).map { Int32($0) }))
        }
        let trainItems = Set(training.train.columnIndices)
        for targets in [ranking(split.test), ranking(training.validation)] {
            let history = try XCTUnwrap(targets.historySequences)
            for (row, u) in targets.users.enumerated() {
                let ordered = expectedOrder(d, u).filter(trainItems.contains)
                let foldIn = min(ordered.count - 1, max(1, Int((0.8 * Double(ordered.count)).rounded())))
                XCTAssertEqual(Array(history[row]), Array(ordered[..<foldIn]), "the earliest items are the fold-in")
                XCTAssertEqual(Set(targets.history.columns(ofRow: row).map { Int32($0) }), Set(ordered[..<foldIn]))
                XCTAssertEqual(Set(targets.targets.columns(ofRow: row).map { Int32($0) }), Set(ordered[foldIn...]), "the latest are targets")
            }
        }
    }

    func testRandomFoldInKeepsTimeOrderedHistories() throws {
        let d = timedDataset()
        let split = try makeSplit(d, protocol: .strongGeneralization(heldOutUsers: 5), seed: 2)
        let test = ranking(split.test)
        let history = try XCTUnwrap(test.historySequences)
        var differsFromTime = false
        for (row, u) in test.users.enumerated() {
            let foldIn = Set(test.history.columns(ofRow: row).map { Int32($0) })
            XCTAssertEqual(Array(history[row]), expectedOrder(d, u).filter(foldIn.contains))
            let trainItems = Set(split.trainingData.train.columnIndices)
            let timePrefix = expectedOrder(d, u).filter(trainItems.contains).prefix(foldIn.count)
            if Set(timePrefix) != foldIn { differsFromTime = true }
        }
        XCTAssertTrue(differsFromTime, "a random fold-in is not the earliest items")
        XCTAssertEqual(test.orderedHistory(0..<2), history.rows(0..<2))
    }

    func testSavedSplitKeepsTheOrder() throws {
        let split = try makeSplit(timedDataset(), protocol: .strongGeneralization(heldOutUsers: 5, foldInOrder: .time), seed: 4)
        let url = folder.appendingPathComponent("timed.split")
        try split.write(to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\ntrain-order 20\n") && text.contains("\nhistory-order "))
        XCTAssertEqual(try Split.read(from: url), split)
        // Without the order blocks the split reads as unordered.
        var kept: [Substring] = [], skipping = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if skipping > 0 { skipping -= 1; continue }
            if line.hasPrefix("train-order ") || line.hasPrefix("history-order ") { skipping = Int(line.split(separator: " ")[1])!; continue }
            kept.append(line)
        }
        let plain = try write("plain.split", kept.joined(separator: "\n"))
        let unordered = try Split.read(from: plain)
        XCTAssertNil(unordered.trainingData.trainSequences)
        XCTAssertNil(ranking(unordered.test).historySequences)
        XCTAssertEqual(unordered.trainingData.train, split.trainingData.train)
        XCTAssertEqual(Array(unordered.trainingData.orderedTrain[0]), split.trainingData.train.columns(ofRow: 0).map { Int32($0) })
        // An order line that does not hold its row's items is an error naming the line.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let orderLine = lines.firstIndex { $0.hasPrefix("train-order ") }! + 1
        var broken = lines
        broken[orderLine] = "0 " + String(split.trainingData.itemCount + 5)
        let brokenURL = try write("broken.split", broken.joined(separator: "\n"))
        assertDataError(try Split.read(from: brokenURL), contains: ["broken.split", "\(orderLine + 1)"])
    }

    func testMaximumUserInteractions() throws {
        let d = timedDataset()
        let counts = d.interactionsPerUser()
        let (kept, report) = try d.preprocessed(Preprocessing(minUserInteractions: 6, maxUserInteractions: 8))
        XCTAssertEqual(kept.userCount, counts.filter { (6...8).contains($0) }.count)
        XCTAssertTrue(kept.interactionsPerUser().allSatisfy { (6...8).contains($0) })
        XCTAssertEqual(report.steps.last?.name, "users with >= 6 and <= 8 interactions")
        let (unlimited, _) = try d.preprocessed(Preprocessing(maxUserInteractions: 0))
        XCTAssertEqual(unlimited.interactions.count, d.interactions.count)
        XCTAssertThrowsError(try d.preprocessed(Preprocessing(minUserInteractions: 9, maxUserInteractions: 8)))
    }

    func testProtocolJSONTakesFoldInOrder() throws {
        let decoded = try JSONDecoder().decode(SplitProtocol.self, from: Data(#"{"kind":"strong-generalization","held_out_users":3,"fold_in_order":"time"}"#.utf8))
        XCTAssertEqual(decoded, .strongGeneralization(heldOutUsers: 3, foldInFraction: 0.8, foldInOrder: .time))
        XCTAssertEqual(try JSONDecoder().decode(SplitProtocol.self, from: JSONEncoder().encode(decoded)), decoded)
        XCTAssertThrowsError(try JSONDecoder().decode(SplitProtocol.self, from: Data(#"{"kind":"user-holdout","fold_in_order":"time"}"#.utf8)))
    }
}
