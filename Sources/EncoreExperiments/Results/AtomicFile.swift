import Foundation

/// Whole-file writes that never leave a half-written file: the bytes go to a temporary file in
/// the same directory, then `rename(2)` replaces the target in one step.
public enum AtomicFile {
    /// The prefix of temporary files; a crash may leave one behind, which readers ignore.
    public static let temporaryPrefix = FileSupport.temporaryPrefix

    /// Writes `data` to `url` atomically (`FileSupport.writeAtomically`), creating parent
    /// directories as needed.
    /// - Throws: `ResultStoreError.io` naming the path when a step fails.
    public static func write(_ data: Data, to url: URL) throws {
        do {
            try FileSupport.writeAtomically(data, to: url)
        } catch {
            throw ResultStoreError.io(path: error.path, reason: error.reason)
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
