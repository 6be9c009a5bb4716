@testable import EncoreData
import Foundation
import XCTest

/// `DataFetcher` installing from a local archive: a real zip built here, checked against a catalog
/// entry whose published size and SHA-256 are that zip's, and corrupted copies of it.
final class FetchArchiveTests: DataTestCase {
    static let ratings = Array("1\t10\t5\t881250949\n1\t11\t3\t881250950\n2\t10\t4\t881250951\n".utf8)

    /// A zip of stored entries laid out like the MovieLens archives (`toy/u.data`, `toy/README`).
    static let archive = storedZip([("toy/", []), ("toy/u.data", ratings), ("toy/README", Array("a toy dataset\n".utf8))])

    /// The catalog entry of the toy archive; nothing is served at its URL, so a download fails.
    static let source = DatasetSource(
        name: "toy", ratingsPath: "toy/u.data", format: .movieLens100K, defaultMode: nil,
        archive: .init(url: "https://example.invalid/datasets/toy.zip", size: archive.count, sha256: SHA256.hex(archive)))

    /// Locations with the cache in `folder/<cache>/encore` and an optional data directory.
    func locations(cache: String = "cache", dataDirectory: String? = nil) -> DataLocations {
        DataLocations(dataDirectory: dataDirectory.map { folder.appendingPathComponent($0).path },
                      environment: ["XDG_CACHE_HOME": folder.appendingPathComponent(cache).path])
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path) }

    func testZipBuiltHereReadsBack() throws {
        let zip = try ZipArchive(bytes: Self.archive)
        XCTAssertEqual(zip.entries.map(\.path), ["toy/", "toy/u.data", "toy/README"])
        XCTAssertEqual(try zip.extract(zip.entries[1]), Self.ratings)
        XCTAssertEqual(Self.source.archive?.fileName, "toy.zip")
    }

    func testMatchingArchiveInstallsWithoutNetwork() throws {
        let archive = try write("downloads/toy.zip", bytes: Self.archive)
        var log: [String] = []
        let installed = try DataFetcher.fetch(Self.source, locations: locations(), archive: archive) { log.append($0) }
        XCTAssertEqual(installed.path, folder.appendingPathComponent("cache/encore/toy/u.data").path)
        XCTAssertEqual([UInt8](try Data(contentsOf: installed)), Self.ratings)
        XCTAssertTrue(exists("cache/encore/toy/README"))
        XCTAssertTrue(log.contains { $0.contains("installing from \(archive.path) (no download)") }, "\(log)")
        XCTAssertTrue(log.contains { $0.contains("size and SHA-256 verified") }, "\(log)")
        let (dataset, _) = try DelimitedReader.read(installed, format: Self.source.format)
        XCTAssertEqual([dataset.userCount, dataset.itemCount, dataset.interactions.count], [2, 2, 3])

        log = []
        XCTAssertEqual(try DataFetcher.fetch(Self.source, locations: locations(), archive: archive) { log.append($0) }, installed)
        XCTAssertTrue(log.contains { $0.contains("already present") }, "\(log)")
    }

    func testCorruptOrTruncatedArchiveIsRefusedAndNothingIsCached() throws {
        var flipped = Self.archive
        flipped[80] ^= 0x01  // inside toy/u.data (its data starts at byte 74): same size, another SHA-256
        let truncated = Array(Self.archive.dropLast(7))
        for (name, bytes) in [("flipped.zip", flipped), ("truncated.zip", truncated)] {
            let copy = try write("downloads/\(name)", bytes: bytes)
            let published = try XCTUnwrap(Self.source.archive)
            assertDataError(
                try DataFetcher.fetch(Self.source, locations: locations(), archive: copy, log: { _ in }),
                contains: [copy.path, "not the published archive", "expected \(published.size) bytes, SHA-256 \(published.sha256)",
                           "found \(bytes.count) bytes, SHA-256 \(SHA256.hex(bytes))", "nothing was installed", published.url],
                io: false)
            XCTAssertFalse(exists("cache/encore/toy"), "nothing is cached from \(name)")
            XCTAssertEqual([UInt8](try Data(contentsOf: copy)), bytes, "the given archive is left as it is")
        }
        assertDataError(try DataFetcher.fetch(Self.source, locations: locations(), archive: folder.appendingPathComponent("missing.zip"), log: { _ in }),
                        contains: ["missing.zip"], io: true)
    }

    func testArchiveUnderItsOfficialNameInADataDirectoryOrTheCacheIsUsed() throws {
        try write("data/toy.zip", bytes: Self.archive)
        let fromData = try DataFetcher.fetch(Self.source, locations: locations(cache: "cache1", dataDirectory: "data"), archive: nil, log: { _ in })
        XCTAssertEqual(fromData.path, folder.appendingPathComponent("cache1/encore/toy/u.data").path)

        try write("cache2/encore/toy.zip", bytes: Self.archive)
        let fromCache = try DataFetcher.fetch(Self.source, locations: locations(cache: "cache2"), archive: nil, log: { _ in })
        XCTAssertEqual([UInt8](try Data(contentsOf: fromCache)), Self.ratings)

        // A bad copy under the official name is refused, not replaced by a download.
        var bad = Self.archive
        bad[bad.count - 30] ^= 0xFF
        let badCopy = try write("bad/toy.zip", bytes: bad)
        assertDataError(try DataFetcher.fetch(Self.source, locations: locations(cache: "cache3", dataDirectory: "bad"), archive: nil, log: { _ in }),
                        contains: [badCopy.path, "not the published archive"], io: false)
        XCTAssertFalse(exists("cache3/encore/toy"))
    }

    func testArchiveOfTheRealCatalogIsCheckedAgainstThePublishedValues() throws {
        let archive = try write("ml-100k.zip", bytes: Self.archive)
        assertDataError(try DataFetcher.fetch("ml-100k", locations: locations(), archive: archive),
                        contains: [archive.path, "expected 4924029 bytes, SHA-256 50d2a982", "found \(Self.archive.count) bytes"], io: false)
        XCTAssertFalse(exists("cache/encore/ml-100k"))
        assertDataError(try DataFetcher.fetch("ml-10m", locations: locations(), archive: archive),
                        contains: [archive.path, "no published size and SHA-256", "ml-10M100K/ratings.dat"], io: false)
    }
}

/// A zip archive of stored (uncompressed) entries, written byte by byte as APPNOTE.TXT lays
/// them out: local headers with the data, the central directory, the end record.
func storedZip(_ files: [(path: String, contents: [UInt8])]) -> [UInt8] {
    func u16(_ value: Int, _ bytes: inout [UInt8]) { bytes += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
    func u32(_ value: Int, _ bytes: inout [UInt8]) { u16(value & 0xFFFF, &bytes); u16((value >> 16) & 0xFFFF, &bytes) }
    var out: [UInt8] = [], central: [UInt8] = []
    for (path, contents) in files {
        let offset = out.count, name = Array(path.utf8), crc = Int(CRC32.checksum(contents))
        // Local header: signature, version, flags, method 0, time, date, CRC, sizes, name length, extra length.
        u32(0x0403_4b50, &out)
        for field in [20, 0, 0, 0, 0] { u16(field, &out) }
        for field in [crc, contents.count, contents.count] { u32(field, &out) }
        u16(name.count, &out); u16(0, &out)
        out += name + contents
        // Central entry: signature, made by, version, flags, method, time, date, CRC, sizes,
        // name / extra / comment lengths, disk, internal and external attributes, header offset.
        u32(0x0201_4b50, &central)
        for field in [20, 20, 0, 0, 0, 0] { u16(field, &central) }
        for field in [crc, contents.count, contents.count] { u32(field, &central) }
        for field in [name.count, 0, 0, 0, 0] { u16(field, &central) }
        u32(0, &central); u32(offset, &central)
        central += name
    }
    let directoryOffset = out.count
    out += central
    u32(0x0605_4b50, &out)
    for field in [0, 0, files.count, files.count] { u16(field, &out) }
    u32(central.count, &out); u32(directoryOffset, &out); u16(0, &out)
    return out
}
