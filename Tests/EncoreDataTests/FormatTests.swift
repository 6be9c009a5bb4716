@testable import EncoreData
import Foundation
import XCTest

final class FormatTests: DataTestCase {
    func testMovieLens100KTabFormat() throws {
        let url = try write("ml-100k/u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n196\t377\t5\t881250950\n")
        let (d, report) = try DelimitedReader.read(url, format: .movieLens100K)
        XCTAssertEqual(report.lines, 4)
        XCTAssertEqual(d.userIDs, ["22", "186", "196"])  // dense ids in numeric ID order
        XCTAssertEqual(d.itemIDs, ["242", "302", "377"])
        XCTAssertEqual(d.interactions[0], Interaction(user: 2, item: 0, rating: 3, timestamp: 881250949))
        XCTAssertEqual(d.interactions[3], Interaction(user: 2, item: 2, rating: 5, timestamp: 881250950))
        XCTAssertEqual(d.ratingRange, 1...5)
        XCTAssertFalse(d.isImplicit)
    }

    func testMovieLensDatAndCSVWithHeaderAndCRLF() throws {
        let dat = try write("ratings.dat", "1::1193::5::978300760\r\n1::661::3::978302109\r\n2::1193::4::978298413\r\n")
        let (a, _) = try DelimitedReader.read(dat, format: .movieLensDat)
        XCTAssertEqual(a.interactions.count, 3)
        XCTAssertEqual(a.itemIDs, ["661", "1193"])
        XCTAssertEqual(a.interactions[2], Interaction(user: 1, item: 1, rating: 4, timestamp: 978298413))
        let csv = try write("ratings.csv", "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n7,31,0.5,1\n")
        let (b, report) = try DataLoader.load(csv.path)
        XCTAssertEqual(report.lines, 3)
        XCTAssertEqual(b.interactions.map(\.rating), [2.5, 3.0, 0.5])
        XCTAssertEqual(b.ratingRange, 0.5...3)
        XCTAssertEqual(b.userCount, 2)
    }

    func testGenericDelimitedWithStringIDsAndNoRating() throws {
        let url = try write("plays.txt", "ts;item;user\n5;song-b;alice\n6;song-a;bob\n7;song-b;bob\n")
        let format = DelimitedFormat(separator: ";", hasHeader: true, userColumn: 2, itemColumn: 1, ratingColumn: nil, timestampColumn: 0)
        let (d, _) = try DelimitedReader.read(url, format: format)
        XCTAssertTrue(d.isImplicit)
        XCTAssertNil(d.ratingRange)
        XCTAssertEqual(d.userIDs, ["alice", "bob"])
        XCTAssertEqual(d.itemIDs, ["song-a", "song-b"])
        XCTAssertEqual(d.interactions.map(\.rating), [1, 1, 1])
        XCTAssertEqual(d.interactions.map(\.timestamp), [5, 6, 7])
        // Leading zeros are kept as text, not merged with the integer ID.
        let ids = try write("ids.tsv", "007\t1\t1\t0\n7\t1\t1\t0\n")
        XCTAssertEqual(try DelimitedReader.read(ids, format: .movieLens100K).0.userIDs, ["7", "007"])
    }

    func testLatin1IDsAreDecoded() throws {
        // "Café" in Latin-1: 0xE9 is not valid UTF-8.
        let bytes: [UInt8] = Array("u1::Caf".utf8) + [0xE9] + Array("::4::1\n".utf8)
        let url = try write("latin1.dat", bytes: bytes)
        let (d, _) = try DelimitedReader.read(url, format: .movieLensDat)
        XCTAssertEqual(d.itemIDs, ["Café"])
    }

    func testRecBoleRoundTrip() throws {
        let url = try write("x.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\nu1\ti9\t4.5\t100\nu2\ti9\t2\t101\n")
        let (d, _) = try RecBole.read(url)
        XCTAssertEqual(d.userIDs, ["u1", "u2"])
        XCTAssertEqual(d.interactions.map(\.rating), [4.5, 2])
        let out = folder.appendingPathComponent("out.inter")
        try RecBole.write(d, to: out)
        let (again, _) = try DataLoader.load(out.path)
        XCTAssertEqual(again.interactions, d.interactions)
        XCTAssertEqual(again.userIDs, d.userIDs)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8).split(separator: "\n").first,
                       "user_id:token\titem_id:token\trating:float\ttimestamp:float")
        let bad = try write("bad.inter", "user:token\titem_id:token\n1\t2\n")
        assertDataError(try RecBole.read(bad), contains: ["bad.inter:1", "user_id"], io: false)
    }

    func testMalformedLineNamesFileLineAndText() throws {
        let url = try write("broken.data", "1\t2\t3\t4\n1\t2\tfive\t4\n")
        assertDataError(try DelimitedReader.read(url, format: .movieLens100K), contains: ["broken.data:2", "1\t2\tfive\t4", "rating"], io: false)
        let short = try write("short.dat", "1::2::3::4\n\n1::2\n")
        assertDataError(try DelimitedReader.read(short, format: .movieLensDat), contains: ["short.dat:3", "found 2", "'1::2'"])
        let ts = try write("ts.data", "1\t2\t3\tnoon\n")
        assertDataError(try DelimitedReader.read(ts, format: .movieLens100K), contains: ["ts.data:1", "timestamp"])
    }

    func testSkipBadLinesCountsThem() throws {
        let url = try write("mixed.data", "1\t2\t3\t4\nbad line\n2\t3\tx\t5\n3\t4\t5\t6\n")
        let (d, report) = try DelimitedReader.read(url, format: .movieLens100K, skipBadLines: true)
        XCTAssertEqual(d.interactions.count, 2)
        XCTAssertEqual(report.skippedLines, 2)
        XCTAssertEqual(report.firstSkipped?.hasSuffix("mixed.data:2: bad line"), true)
    }

    func testEmptyUnreadableUnknownAndMissing() throws {
        let empty = try write("empty.data", "\n\n")
        assertDataError(try DelimitedReader.read(empty, format: .movieLens100K), contains: ["empty.data", "no ratings"], io: false)
        assertDataError(try DelimitedReader.read(folder.appendingPathComponent("none.data"), format: .movieLens100K),
                        contains: ["none.data", "cannot read"], io: true)
        assertDataError(try DataLoader.load("ml-99k"), contains: ["unknown dataset 'ml-99k'", "ml-100k"], io: false)
        let locations = DataLocations(dataDirectory: folder.path, environment: ["XDG_CACHE_HOME": folder.appendingPathComponent("cache").path])
        assertDataError(try DataLoader.load("ml-1m", locations: locations), contains: ["ml-1m", "encore data fetch ml-1m", "ml-1m/ratings.dat"], io: true)
    }

    func testLocationsPreferDataDirThenEnvironmentThenCache() throws {
        try write("a/ml-100k/u.data", "1\t1\t5\t1\n")
        try write("b/ml-100k/u.data", "1\t1\t5\t1\n2\t2\t4\t2\n")
        let env = ["ENCORE_DATA_DIR": folder.appendingPathComponent("b").path, "XDG_CACHE_HOME": "/nonexistent-cache"]
        let first = DataLocations(dataDirectory: folder.appendingPathComponent("a").path, environment: env)
        XCTAssertEqual(try DataLoader.load("ml-100k", locations: first).0.interactions.count, 1)
        let second = DataLocations(dataDirectory: nil, environment: env)
        XCTAssertEqual(try DataLoader.load("ml-100k", locations: second).0.interactions.count, 2)
        XCTAssertEqual(second.cacheDirectory.path, "/nonexistent-cache/encore")
        XCTAssertEqual(DataLocations(environment: ["HOME": "/home/x"]).cacheDirectory.path, "/home/x/.cache/encore")
    }
}
