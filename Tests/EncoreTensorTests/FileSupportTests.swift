import Foundation
import XCTest
import EncoreTensor

final class FileSupportTests: XCTestCase {
    private func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("encore-filesupport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }

    /// Creates missing folders, replaces an existing file whole, and leaves no temporary file.
    func testWriteCreatesFoldersReplacesAndLeavesNoTemporaryFile() throws {
        let folder = try scratchFolder()
        let target = folder.appendingPathComponent("a/b/out.txt")
        try FileSupport.writeAtomically(Data("first version, longer".utf8), to: target)
        try FileSupport.writeAtomically(Data("second".utf8), to: target)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "second")
        let left = try FileManager.default.contentsOfDirectory(atPath: target.deletingLastPathComponent().path)
        XCTAssertEqual(left, ["out.txt"])
    }

    /// A folder that cannot be created (a file is in the way) fails with that path; the file is kept.
    func testWriteFailureNamesThePathAndKeepsExistingData() throws {
        let folder = try scratchFolder()
        let blocker = folder.appendingPathComponent("blocker")
        try Data("keep me".utf8).write(to: blocker)
        do {
            try FileSupport.writeAtomically(Data("x".utf8), to: blocker.appendingPathComponent("out.txt"))
            XCTFail("writing below a regular file must fail")
        } catch {
            XCTAssertEqual(error.path, blocker.path)
            XCTAssertTrue(error.reason.contains("cannot create the directory"), error.reason)
        }
        XCTAssertEqual(try String(contentsOf: blocker, encoding: .utf8), "keep me")
    }

    func testCSVFieldQuotesOnlyWhenNeeded() {
        XCTAssertEqual(FileSupport.csvField("plain"), "plain")
        XCTAssertEqual(FileSupport.csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(FileSupport.csvField("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(FileSupport.csvField("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(FileSupport.csvField(""), "")
    }
}
