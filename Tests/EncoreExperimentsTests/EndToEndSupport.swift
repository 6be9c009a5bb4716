import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one run of the built `encore` binary produced.
struct EncoreInvocation {
    /// The exit status.
    var code: Int32
    /// Everything written to standard output.
    var stdout: String
    /// Everything written to standard error.
    var stderr: String
}

/// Runs the built `encore` executable in a scratch directory; specs and data are written there.
final class EncoreHarness {
    /// The scratch directory (the working directory of every invocation).
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("encore-e2e-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The `encore` executable next to the test bundle (the products directory of this build).
    static let executable: URL = {
        #if os(macOS)
        let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
        #else
        let products: URL? = Bundle.main.bundleURL
        #endif
        if let products, FileManager.default.isExecutableFile(atPath: products.appendingPathComponent("encore").path) {
            return products.appendingPathComponent("encore")
        }
        // Fallback: the package's default debug products folder.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/encore")
    }()

    /// A path inside the scratch directory.
    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Writes `text` to `name` in the scratch directory.
    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: url(name))
    }

    /// Reads a file of the scratch directory as text (fails the test if it is missing).
    func read(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let path = url(name).path
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(name) missing", file: file, line: line)
        return try String(contentsOf: url(name), encoding: .utf8)
    }

    /// Parses a JSON file of the scratch directory.
    func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url(name)))
        return try XCTUnwrap(object as? [String: Any], "\(name) is not a JSON object")
    }

    /// Whether `name` exists in the scratch directory.
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: url(name).path) }

    /// Starts `encore ARGUMENTS` with its output going to files; `wait` collects them.
    /// `environment` adds to (or overrides) this process's environment.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, URL, URL) {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = directory
        let id = UUID().uuidString
        let out = directory.appendingPathComponent(".stdout-\(id)")
        let err = directory.appendingPathComponent(".stderr-\(id)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Runs `encore ARGUMENTS` to completion.
    @discardableResult
    func run(_ arguments: String...) throws -> EncoreInvocation { try run(arguments) }

    /// Runs `encore ARGUMENTS` to completion; `environment` adds to this process's environment.
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> EncoreInvocation {
        let (process, out, err) = try start(arguments, environment: environment)
        process.waitUntilExit()
        let result = EncoreInvocation(
            code: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
        return result
    }

    /// Writes a small implicit ratings file `U<u>\tI<i>\t<rating>\t<time>` with planted structure:
    /// user u likes items of its group (u % 3) and a few popular items. Deterministic.
    func writeRatings(users: Int = 90, items: Int = 45, to name: String = "ratings.tsv") throws {
        var lines: [String] = []
        var state: UInt64 = 12345
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for user in 0..<users {
            var chosen = Set<Int>()
            while chosen.count < 12 {
                let item = next() % 4 == 0 ? next() % 5 : (user % 3) + 3 * (next() % (items / 3))
                chosen.insert(item)
            }
            for (time, item) in chosen.sorted().enumerated() {
                lines.append("U\(user)\tI\(item)\t\(3 + next() % 3)\t\(time)")
            }
        }
        try write(lines.joined(separator: "\n") + "\n", to: name)
    }
}

extension EncoreInvocation {
    /// A description for assertion messages.
    var summary: String { "exit \(code)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
}

/// A small implicit ranking spec over `ratings.tsv`: Popularity, EASE (2-point grid), Mult-DAE,
/// two seeds, strong generalization; `extra` is spliced in as additional top-level keys.
func smallRankingSpec(name: String = "e2e", models: String? = nil, seeds: String = "[1, 2]", extra: String = "") -> String {
    let modelList = models ?? """
        {"model": "popularity", "label": "Pop"},
        {"model": "ease", "grid": {"lambda": [10, 100]}},
        {"model": "mult-dae", "config": {"hidden_sizes": [8], "batch_size": 16}}
        """
    return """
    {
      "name": "\(name)",
      "dataset": {"path": "ratings.tsv", "format": "delimited", "separator": "\\t", "mode": "implicit"},
      "protocol": {"kind": "strong-generalization", "held_out_users": 15, "seed": 7},
      "metrics": ["recall@5", "ndcg@10"],
      "selection": {"metric": "ndcg@10", "patience": 2, "max_epochs": 3},
      "seeds": \(seeds),
      "models": [\(modelList)]\(extra)
    }
    """
}

/// Parses a CSV without quoted commas in the columns the tests read: header -> column values by label.
func csvColumns(_ text: String) -> (header: [String], rows: [[String]]) {
    let lines = text.split(separator: "\n").map(String.init)
    guard let first = lines.first else { return ([], []) }
    // Split on commas outside double quotes.
    func fields(_ line: String) -> [String] {
        var result: [String] = [], current = "", quoted = false
        for character in line {
            if character == "\"" { quoted.toggle(); current.append(character) }
            else if character == "," && !quoted { result.append(current); current = "" }
            else { current.append(character) }
        }
        result.append(current)
        return result
    }
    return (fields(first), lines.dropFirst().map(fields))
}

extension EncoreHarness {
    /// Status, test and validation metrics, best epoch and curve of each run in `directory`'s
    /// results.json, by run ID: what must not depend on how or when the runs were scheduled.
    func outcomes(_ directory: String) throws -> [String: String] {
        let runs = try XCTUnwrap(try json("\(directory)/results.json")["runs"] as? [[String: Any]])
        var result: [String: String] = [:]
        func sorted(_ value: Any?) -> String {
            guard let object = value as? [String: Any] else { return "\(value ?? "-")" }
            return object.keys.sorted().map { "\($0)=\(object[$0] ?? "-")" }.joined(separator: ",")
        }
        for run in runs {
            let curve = (run["curve"] as? [[String: Any]] ?? []).map { "\($0["loss"] ?? "-")/\($0["validation"] ?? "-")" }
            result[run["run_id"] as? String ?? "?"] =
                "\(run["status"] ?? "") \(sorted(run["test"])) \(sorted(run["validation"])) \(run["epochs_to_best"] ?? "-") \(curve)"
        }
        return result
    }
}
