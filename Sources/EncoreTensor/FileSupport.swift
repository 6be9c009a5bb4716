import Foundation

/// File helpers shared by every module that writes results or data (EncoreData, EncoreMetrics and
/// EncoreExperiments all depend on EncoreTensor, so it hosts the one implementation; each module
/// maps `WriteFailure` to its own typed error and exit code).
public enum FileSupport {
    /// The prefix of temporary files; a crash may leave one behind, which readers ignore.
    public static let temporaryPrefix = ".encore-tmp-"

    /// Why an atomic write failed, naming the path.
    public struct WriteFailure: Error, Sendable {
        /// The file or folder that could not be written.
        public let path: String
        /// What went wrong, in words.
        public let reason: String
    }

    /// Writes `data` to `url` so that readers see the old file or the new one, never a part:
    /// the bytes go to a temporary file in the same folder (created when missing), then
    /// `rename(2)` replaces the target in one step. On failure the temporary file is removed.
    public static func writeAtomically(_ data: Data, to url: URL) throws(WriteFailure) {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteFailure(path: directory.path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        let temporary = directory.appendingPathComponent(temporaryPrefix + UUID().uuidString + "-" + url.lastPathComponent)
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw WriteFailure(path: temporary.path, reason: "cannot write a temporary file")
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw WriteFailure(path: url.path, reason: "cannot rename the temporary file into place: \(reason)")
        }
    }

    /// One CSV field with RFC 4180 quoting: quoted when it holds a comma, quote or line break,
    /// inner quotes doubled.
    public static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
