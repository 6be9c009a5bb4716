import Foundation
import XCTest

/// docs/adding-a-model.md shows the package in examples/custom-model verbatim: every code block
/// marked `<!-- file: PATH -->` equals the file at PATH (the example's files and a test model),
/// and every source file of the example is shown. (.ci/custom-model.sh builds and runs the example itself.)
final class CustomModelExampleTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let example = "examples/custom-model"

    struct GuideError: Error, CustomStringConvertible {
        var description: String
    }

    /// The code blocks of `markdown` that follow a `<!-- file: PATH -->` line, by PATH.
    static func markedBlocks(_ markdown: String) throws -> [(path: String, text: String)] {
        let lines = markdown.components(separatedBy: "\n")
        var blocks: [(String, String)] = []
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            index += 1
            guard line.hasPrefix("<!-- file: "), line.hasSuffix(" -->") else { continue }
            let path = String(line.dropFirst("<!-- file: ".count).dropLast(" -->".count))
            guard index < lines.count, lines[index].hasPrefix("```") else {
                throw GuideError(description: "line \(index): '<!-- file: \(path) -->' is not followed by a code block")
            }
            var body: [String] = []
            index += 1
            while index < lines.count, lines[index] != "```" {
                body.append(lines[index])
                index += 1
            }
            index += 1
            blocks.append((path, body.joined(separator: "\n") + "\n"))
        }
        return blocks
    }

    /// The example's files a reader needs: sources, manifest and specs (not README, build
    /// products or outputs).
    static func exampleFiles() throws -> Set<String> {
        let base = root.appendingPathComponent(example)
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(
            at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]))
        var files: Set<String> = []
        for case let url as URL in enumerator {
            let relative = String(url.path.dropFirst(base.path.count + 1))
            if relative == "out" || relative == "Package.resolved" {
                enumerator.skipDescendants()
                continue
            }
            guard ["swift", "json"].contains(url.pathExtension),
                  try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            files.insert("\(example)/\(relative)")
        }
        return files
    }

    func testTheGuideShowsTheExamplePackageVerbatim() throws {
        let guide = try String(contentsOf: Self.root.appendingPathComponent("docs/adding-a-model.md"), encoding: .utf8)
        let blocks = try Self.markedBlocks(guide)
        let missing = try Self.exampleFiles().subtracting(blocks.map(\.path))
        XCTAssertTrue(missing.isEmpty, "docs/adding-a-model.md does not show \(missing.sorted())")
        XCTAssertEqual(blocks.count, Set(blocks.map(\.path)).count, "a file is shown twice")
        for (path, text) in blocks {
            let file = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
            XCTAssertEqual(text, file, "the block marked \(path) in docs/adding-a-model.md differs from the file")
        }
    }

    func testMarkedBlocksAreParsedExactly() throws {
        let markdown = "text\n<!-- file: a.swift -->\n```swift\nlet a = 1\n\nlet b = 2\n```\n<!-- file: b.json -->\n```json\n{}\n```\n"
        let blocks = try Self.markedBlocks(markdown)
        XCTAssertEqual(blocks.map(\.path), ["a.swift", "b.json"])
        XCTAssertEqual(blocks.map(\.text), ["let a = 1\n\nlet b = 2\n", "{}\n"])
        XCTAssertThrowsError(try Self.markedBlocks("<!-- file: a.swift -->\ntext\n"))
    }
}
