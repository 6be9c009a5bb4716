@testable import EncoreData
import Foundation
import XCTest

/// A fresh temporary folder per test, removed at teardown.
class DataTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("encore-data-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Writes `text` (or raw bytes) to `name` in the folder and returns its URL.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    /// Asserts that `body` throws a `DataError` whose message contains every fragment.
    func assertDataError<T>(_ body: @autoclosure () throws -> T, contains fragments: [String], io: Bool? = nil,
                            file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected a DataError", file: file, line: line)
        } catch let error as DataError {
            for fragment in fragments {
                XCTAssertTrue(error.description.contains(fragment), "'\(error)' lacks '\(fragment)'", file: file, line: line)
            }
            if let io { XCTAssertEqual(error.isIOError, io, "\(error)", file: file, line: line) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
    }
}

/// Set of (user, item) pairs of a matrix, with dataset user indices via `users`.
func pairs(_ m: SparseMatrix, users: [Int]) -> Set<[Int]> {
    var result = Set<[Int]>()
    for r in 0..<m.rows {
        for c in m.columns(ofRow: r) { result.insert([users[r], Int(c)]) }
    }
    return result
}
