@testable import EncoreData
import Foundation
import XCTest

/// RecBole `.inter` files: field names from the caller, datasets written after preprocessing and
/// read back, and splits written as benchmark files.
final class RecBoleTests: DataTestCase {
    /// Every interaction as `user item rating timestamp` with original IDs.
    func records(_ d: Dataset) -> [String] {
        d.interactions.map { "\(d.userIDs[Int($0.user)]) \(d.itemIDs[Int($0.item)]) \($0.rating) \($0.timestamp)" }
    }

    /// The (user, item) pairs of a matrix's rows, with original IDs.
    func idPairs(_ m: SparseMatrix, rows: [Int]? = nil, users: [Int], of d: Dataset) -> Set<String> {
        var result = Set<String>()
        for r in rows ?? Array(0..<m.rows) {
            for c in m.columns(ofRow: r) { result.insert("\(d.userIDs[users[r]]) \(d.itemIDs[Int(c)])") }
        }
        return result
    }

    /// The (user, item) pairs of a `.inter` file read back.
    func filePairs(_ url: URL) throws -> Set<String> {
        let (d, _) = try RecBole.read(url)
        return Set(d.interactions.map { "\(d.userIDs[Int($0.user)]) \(d.itemIDs[Int($0.item)])" })
    }

    func testYelpStyleHeaderIsReadThroughNamedFields() throws {
        let url = try write("yelp.inter", """
            review_id:token\tuser_id:token\tbusiness_id:token\tstars:float\tuseful:float\tdate:float
            r1\tu1\tb-7\t5.0\t0\t1500000000.0
            r2\tu2\tb-7\t3.0\t1\t1500000100.0
            r3\tu1\tb-9\t4.0\t0\t1500000200.0

            """)
        assertDataError(try RecBole.read(url), contains: ["yelp.inter:1", "no item field 'item_id'", "business_id", "dataset.columns"], io: false)
        let (d, report) = try RecBole.read(url, fields: RecBole.Fields(item: "business_id", rating: "stars", timestamp: "date"))
        XCTAssertEqual(report.lines, 3)
        XCTAssertEqual(records(d), ["u1 b-7 5.0 1500000000", "u2 b-7 3.0 1500000100", "u1 b-9 4.0 1500000200"])
        XCTAssertFalse(d.isImplicit)
        // Without a rating field the file is implicit; a named field the header lacks is an error.
        let (implicit, _) = try DataLoader.load(url.path, interFields: RecBole.Fields(item: "business_id"))
        XCTAssertTrue(implicit.isImplicit)
        XCTAssertEqual(implicit.interactions.map(\.timestamp), [0, 0, 0])
        assertDataError(try RecBole.read(url, fields: RecBole.Fields(item: "business_id", rating: "rating")),
                        contains: ["no rating field 'rating'"], io: false)
        assertDataError(try RecBole.read(url, fields: RecBole.Fields(user: "business_id", item: "business_id")),
                        contains: ["must differ"], io: false)
    }

    func testDatasetWrittenAfterPreprocessingReadsBackTheSame() throws {
        let url = try write("mixed.tsv", """
            7\titem-a\t4\t30
            7\titem-b\t2\t31
            12\titem-a\t5\t32
            12\t0042\t3.5\t33
            12\titem-b\t1\t34
            alice\titem-a\t4\t35
            alice\t0042\t4\t36
            alice\t0042\t5\t37
            bob\titem-c\t5\t38

            """)
        let (raw, _) = try DataLoader.load(url.path)
        for preprocessing in [Preprocessing(mode: .explicit, kCore: 2), Preprocessing(mode: .implicit(threshold: 4))] {
            let (dataset, _) = try raw.preprocessed(preprocessing)
            let out = folder.appendingPathComponent("out/mixed/mixed.inter")
            try RecBole.write(dataset, to: out)
            let (back, _) = try DataLoader.load(out.path)
            XCTAssertEqual(back.interactions, dataset.interactions)
            XCTAssertEqual(back.userIDs, dataset.userIDs)
            XCTAssertEqual(back.itemIDs, dataset.itemIDs)
            XCTAssertEqual(back.isImplicit, dataset.isImplicit)
            XCTAssertEqual(back.name, "mixed")
        }
        let header = try String(contentsOf: folder.appendingPathComponent("out/mixed/mixed.inter"), encoding: .utf8).prefix { $0 != "\n" }
        XCTAssertEqual(header, "user_id:token\titem_id:token\ttimestamp:float", "implicit data has no rating field")
    }

    func testWeakSplitsWriteBenchmarkFilesThatPartitionTheDataset() throws {
        let dataset = SyntheticData.generate(users: 30, items: 25, interactionsPerUser: 8, explicit: true, seed: 5, name: "toy")
        let protocols: [SplitProtocol] = [.ratingHoldout(), .userHoldout(order: .time), .leaveOneOut()]
        for (index, splitProtocol) in protocols.enumerated() {
            let split = try makeSplit(dataset, protocol: splitProtocol, seed: 3)
            let out = folder.appendingPathComponent("weak\(index)")
            let counts = try RecBole.writeBenchmark(dataset, split: split, name: "toy", to: out)
            XCTAssertEqual(counts.train + counts.validation + counts.test, dataset.interactions.count)
            XCTAssertEqual(counts.leftOut, 0)
            let files = RecBole.benchmarkSuffixes.map { out.appendingPathComponent("toy.\($0).inter") }
            let training = split.trainingData
            XCTAssertEqual(try filePairs(files[0]), idPairs(training.train, users: training.trainUsers, of: dataset), "\(splitProtocol)")
            for (file, evaluation) in [(files[1], training.validation), (files[2], split.test)] {
                switch evaluation {
                case let .ratings(pairs):
                    XCTAssertEqual(try filePairs(file), Set((0..<pairs.count).map { "\(dataset.userIDs[Int(pairs.users[$0])]) \(dataset.itemIDs[Int(pairs.items[$0])])" }))
                case let .ranking(targets):
                    XCTAssertEqual(try filePairs(file), idPairs(targets.targets, users: targets.users, of: dataset))
                }
            }
            // The three files together hold every interaction with its rating and timestamp.
            let lines = try files.flatMap { records(try RecBole.read($0).0) }
            XCTAssertEqual(lines.sorted(), records(dataset).sorted())
        }
    }

    func testHeldOutUsersWriteFoldInAndTargetsTogether() throws {
        let dataset = SyntheticData.generate(users: 40, items: 30, interactionsPerUser: 8, seed: 6, name: "toy")
        let split = try makeSplit(dataset, protocol: .strongGeneralization(heldOutUsers: 5), seed: 2)
        let counts = try RecBole.writeBenchmark(dataset, split: split, name: "toy", to: folder)
        guard case let .ranking(validation) = split.trainingData.validation, case let .ranking(test) = split.test else {
            return XCTFail("strong generalization evaluates rankings")
        }
        for (suffix, targets) in [("valid", validation), ("test", test)] {
            let expected = idPairs(targets.history, users: targets.users, of: dataset).union(idPairs(targets.targets, users: targets.users, of: dataset))
            XCTAssertEqual(try filePairs(folder.appendingPathComponent("toy.\(suffix).inter")), expected)
        }
        let training = split.trainingData
        XCTAssertEqual(try filePairs(folder.appendingPathComponent("toy.train.inter")), idPairs(training.train, users: training.trainUsers, of: dataset))
        XCTAssertEqual(counts.validation, validation.history.nonzeroCount + validation.targets.nonzeroCount)
        XCTAssertEqual(counts.train + counts.validation + counts.test + counts.leftOut, dataset.interactions.count)
    }

    func testRepeatedPairsAreRefused() throws {
        let url = try write("dup.tsv", "1\t1\t4\t1\n1\t1\t5\t2\n1\t2\t3\t3\n2\t1\t3\t4\n2\t2\t3\t5\n2\t3\t3\t6\n")
        let (raw, _) = try DataLoader.load(url.path)
        let (dataset, _) = try raw.preprocessed(Preprocessing(deduplicate: false))
        let split = try makeSplit(dataset, protocol: .ratingHoldout(testFraction: 0.2, validationFraction: 0.2), seed: 1)
        assertDataError(try RecBole.writeBenchmark(dataset, split: split, name: "dup", to: folder),
                        contains: ["repeats the pair (user 1, item 1)", "--keep-duplicates"], io: false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("dup.train.inter").path))
    }
}
