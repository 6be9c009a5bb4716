import Foundation

/// Whole-file writes that never leave a half-written file: the bytes go to a temporary file in
/// the same directory, then `rename(2)` replaces the target in one step.
public enum AtomicFile {
    /// The prefix of temporary files; a crash may leave one behind, which readers ignore.
    public static let temporaryPrefix = ".encore-tmp-"

    /// Writes `data` to `url` atomically, creating parent directories as needed.
    /// - Throws: `ResultStoreError.io` naming the path when a step fails.
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ResultStoreError.io(path: directory.path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        let temporary = directory.appendingPathComponent(temporaryPrefix + UUID().uuidString + "-" + url.lastPathComponent)
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw ResultStoreError.io(path: temporary.path, reason: "cannot write a temporary file")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ResultStoreError.io(path: url.path, reason: "cannot rename the temporary file into place: \(reason)")
        }
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// Reads the whole file at `url`, or nil when it does not exist.
    /// - Throws: `ResultStoreError.io` when it exists but cannot be read.
    public static func read(_ url: URL) throws -> Data? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ResultStoreError.io(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }
}

/// A problem with a result directory: exit code 74 for I/O, 64 for a directory that belongs to
/// another experiment (the user must pick `--output` or remove it).
public enum ResultStoreError: ExitCodeError, Equatable {
    /// A file could not be read, written or renamed.
    case io(path: String, reason: String)
    /// `results.json` exists but is not a valid results file.
    case corrupt(path: String, reason: String)
    /// The directory holds results of a different experiment or spec.
    case foreignExperiment(path: String, found: String, expected: String)
    /// Directories given to be merged hold different experiments, specs or data.
    case mismatchedDirectories(path: String, found: String, expected: String)

    /// 64 for a foreign directory (a usage problem), 74 otherwise.
    public var exitCode: ExitCode {
        switch self {
        case .foreignExperiment, .mismatchedDirectories: return .usage
        case .io, .corrupt: return .ioError
        }
    }

    /// One line naming the path and what to do.
    public var description: String {
        switch self {
        case .io(let path, let reason): return "\(path): \(reason)"
        case .corrupt(let path, let reason): return "\(path): not a valid results file: \(reason)"
        case .foreignExperiment(let path, let found, let expected):
            return "\(path) holds the results of \(found), not \(expected); refusing to overwrite them. "
                + "Choose another directory with --output, or remove \(path) if those results are no longer needed."
        case .mismatchedDirectories(let path, let found, let expected):
            return "\(path) holds \(found), but the directories to merge must all hold \(expected)"
        }
    }
}
