@testable import EncoreData
import Foundation
import XCTest

final class ArchiveTests: DataTestCase {
    func testSHA256PublishedVectors() {
        // FIPS 180-2 / NIST examples.
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // One million 'a', fed in uneven chunks to exercise the incremental path.
        var hash = SHA256()
        var left = 1_000_000
        var chunk = 1
        while left > 0 {
            let n = min(left, chunk)
            hash.update([UInt8](repeating: UInt8(ascii: "a"), count: n))
            left -= n
            chunk = chunk * 3 + 1
        }
        XCTAssertEqual(hash.finalizeHex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }

    /// A zip written once by Python's zipfile: a stored entry, a short deflated entry (fixed
    /// Huffman) and a longer deflated one (dynamic Huffman).
    static let pythonZip = "UEsDBBQAAAAAAAAAIQAX2/M4DQAAAA0AAAAMAAAAZC9zdG9yZWQudHh0aGVsbG8gc3RvcmVkClBLAwQUAAAACAD1aHddnuxb2RAAAAAfAAAACwAAAGQvZml4ZWQudHh0S0xKToQhhYzUnJx8ZJILAFBLAwQUAAAACAD1aHddNlcPmkUBAAAnBAAADQAAAGQvZHluYW1pYy50eHRN00uuJTEIA9CxvZqAIZ/9b6wptXSfa0YUOacIWVgI3Lv+fwwc5K8OJqKg30JSyED9FsRCXvRvodhQW2Zzo9JCNw/qWejhBGwLvXzYstDHWDgmjZEO1awRjCkMG8kQnmlDnL95xo1iNIwbzdgI88ZmHISB4zAu0sRx+W0wcjzmQhk5F7/OGTmnvYk2ciZT2EZOMQvbyFnMxjFzNgdzzZybeXDNnIdzTc/MeZnfhr/gR43XyFpUIIysoOYcI2tGQpCRJWo2GFnFGYkyspraaCNrUwdtZB1OyDayLvVwzKzH6fE1cy3WFGau4MzfM3MlSzByzRhP8ZdbxY9r4mrWRpq4Nr/bNHEd1oVMXJcz6mXieuyFNnEvdqBN3MFpzTZxJ1s4Rm5xJueYuefpTWHmbs67embuzTnombkPe7pswZdzC2HkfvwHUEsBAhQDFAAAAAAAAAAhABfb8zgNAAAADQAAAAwAAAAAAAAAAAAAAIABAAAAAGQvc3RvcmVkLnR4dFBLAQIUAxQAAAAIAPVod12e7FvZEAAAAB8AAAALAAAAAAAAAAAAAACAATcAAABkL2ZpeGVkLnR4dFBLAQIUAxQAAAAIAPVod102Vw+aRQEAACcEAAANAAAAAAAAAAAAAACAAXAAAABkL2R5bmFtaWMudHh0UEsFBgAAAAADAAMArgAAAOABAAAAAA=="

    func testCommittedPythonZip() throws {
        let zip = try ZipArchive(bytes: [UInt8](Data(base64Encoded: Self.pythonZip)!))
        XCTAssertEqual(zip.entries.map(\.path), ["d/stored.txt", "d/fixed.txt", "d/dynamic.txt"])
        XCTAssertEqual(zip.entries.map(\.method), [0, 8, 8])
        XCTAssertEqual(String(decoding: try zip.extract(zip.entries[0]), as: UTF8.self), "hello stored\n")
        XCTAssertEqual(String(decoding: try zip.extract(zip.entries[1]), as: UTF8.self), "abcabcabcabc hello hello hello\n")
        let expected = (0..<60).map { "\($0)\t\(($0 * 7) % 100)\t\($0 % 5 + 1)\t\(880000000 + $0)\n" }.joined()
        XCTAssertEqual(String(decoding: try zip.extract(zip.entries[2]), as: UTF8.self), expected)
    }

    func testCorruptArchivesAreRejected() throws {
        var bytes = [UInt8](Data(base64Encoded: Self.pythonZip)!)
        let zip = try ZipArchive(bytes: bytes)
        bytes[zip.entries[2].localHeaderOffset + 30 + 13 + 40] ^= 0xFF  // inside the dynamic entry's data
        let broken = try ZipArchive(bytes: bytes, file: "broken.zip")
        assertDataError(try broken.extract(broken.entries[2]), contains: ["broken.zip"], io: false)
        assertDataError(try ZipArchive(bytes: Array("not a zip file at all, clearly".utf8), file: "x.zip"), contains: ["x.zip", "end-of-central-directory"])
    }

    /// Archives made at test time by Python's zipfile, at several compression levels, with text
    /// and incompressible bytes (stored blocks inside deflate streams), then unpacked by `DataFetcher`.
    func testPythonMadeArchivesAtRuntime() throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { throw XCTSkip("python3 not available; the committed fixture test covers the format") }
        let script = """
        import zipfile, random, sys
        r = random.Random(1)
        text = ''.join(f'{r.randrange(1000)}\\t{r.randrange(2000)}\\t{r.randrange(1,6)}\\t{r.randrange(10**9)}\\n' for _ in range(20000)).encode()
        noise = bytes(r.randrange(256) for _ in range(70000))
        open(sys.argv[1] + '/text.bin', 'wb').write(text)
        open(sys.argv[1] + '/noise.bin', 'wb').write(noise)
        for level in (1, 6, 9):
            with zipfile.ZipFile(f'{sys.argv[1]}/a{level}.zip', 'w', compression=zipfile.ZIP_DEFLATED, compresslevel=level) as z:
                z.writestr('ml-x/u.data', text)
                z.writestr('ml-x/noise.bin', noise)
                z.writestr('ml-x/empty.txt', b'')
                z.writestr(zipfile.ZipInfo('ml-x/stored.bin'), noise[:1000], compress_type=zipfile.ZIP_STORED)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, folder.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let text = try Data(contentsOf: folder.appendingPathComponent("text.bin"))
        let noise = try Data(contentsOf: folder.appendingPathComponent("noise.bin"))
        for level in [1, 6, 9] {
            let out = folder.appendingPathComponent("out\(level)")
            try DataFetcher.unpack(folder.appendingPathComponent("a\(level).zip"), into: out)
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("ml-x/u.data")), text)
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("ml-x/noise.bin")), noise)
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("ml-x/stored.bin")), noise.prefix(1000))
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("ml-x/empty.txt")).count, 0)
        }
    }

    func testVerifyDeletesFileWithWrongSizeOrChecksum() throws {
        let url = try write("dl.zip", "payload")
        try DataFetcher.verify(url, size: 7, sha256: SHA256.hex(Array("payload".utf8)), label: "dl")
        assertDataError(try DataFetcher.verify(url, size: 7, sha256: String(repeating: "0", count: 64), label: "dl"),
                        contains: ["dl", "deleted"], io: false)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        let other = try write("dl2.zip", "payload")
        assertDataError(try DataFetcher.verify(other, size: 8, sha256: "", label: "dl2"), contains: ["8 bytes", "7 bytes"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.path))
    }

    func testFetchUsesLocalCopyAndRejectsUnknownNames() throws {
        try write("data/ml-100k/u.data", "1\t1\t5\t1\n")
        let locations = DataLocations(dataDirectory: folder.appendingPathComponent("data").path, environment: ["XDG_CACHE_HOME": folder.path])
        XCTAssertEqual(try DataFetcher.fetch("ml-100k", locations: locations).lastPathComponent, "u.data")
        assertDataError(try DataFetcher.fetch("ml-3m", locations: locations), contains: ["unknown dataset 'ml-3m'"])
        assertDataError(try DataFetcher.fetch("ml-1m-implicit", locations: locations), contains: ["not found"], io: true)
    }
}
