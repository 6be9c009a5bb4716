import Foundation

extension ResultStore {
    /// The file names inside `runs/<run_id>/`.
    public enum RunFile {
        /// Per-user test metrics (`PerUserMetrics.csv`).
        public static let perUser = "per_user.csv"
        /// The run's log, one line per event.
        public static let log = "log.txt"
        /// The latest training checkpoint (opaque bytes owned by the training loop).
        public static let checkpoint = "checkpoint.bin"
    }

    /// Reads `runs/<run_id>/per_user.csv`, or nil when the run wrote none (failed runs).
    public func readPerUserMetrics(runID: String) throws -> PerUserMetrics? {
        try Self.readPerUserMetrics(in: directory, runID: runID)
    }

    /// Reads `<directory>/runs/<run_id>/per_user.csv`, or nil when absent.
    public static func readPerUserMetrics(in directory: URL, runID: String) throws -> PerUserMetrics? {
        let url = directory.appendingPathComponent("runs").appendingPathComponent(runID).appendingPathComponent(RunFile.perUser)
        guard let data = try AtomicFile.read(url) else { return nil }
        return try PerUserMetrics.parse(String(decoding: data, as: UTF8.self), path: url.path)
    }
}

/// The files of single runs, `runs/<run_id>/` under an experiment directory: what a run writes
/// while it trains and is tested. `ResultStore` is one; a run's child process, which must not
/// take the directory's lock or write `results.json`, writes through `RunFolders`.
public protocol RunFileStore: Sendable {
    /// The experiment directory.
    var directory: URL { get }
}

extension ResultStore: RunFileStore {}

/// The run folders of an experiment directory, without its lock or `results.json` (the
/// `encore run` process that started the run holds both).
struct RunFolders: RunFileStore {
    let directory: URL
}

extension RunFileStore {
    /// `runs/<run_id>/`.
    public func runDirectory(_ runID: String) -> URL {
        directory.appendingPathComponent("runs").appendingPathComponent(runID)
    }

    /// Writes `runs/<run_id>/per_user.csv` atomically.
    public func writePerUserMetrics(_ metrics: PerUserMetrics, runID: String) throws {
        try AtomicFile.write(metrics.csv, to: runDirectory(runID).appendingPathComponent(ResultStore.RunFile.perUser))
    }

    /// Appends one line to `runs/<run_id>/log.txt` (the file is rewritten atomically; logs hold
    /// one line per epoch, so this stays cheap).
    public func appendLog(_ line: String, runID: String) throws {
        let url = runDirectory(runID).appendingPathComponent(ResultStore.RunFile.log)
        var data = try AtomicFile.read(url) ?? Data()
        data.append(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
        try AtomicFile.write(data, to: url)
    }

    /// The text of `runs/<run_id>/log.txt`, or nil.
    public func readLog(runID: String) throws -> String? {
        try AtomicFile.read(runDirectory(runID).appendingPathComponent(ResultStore.RunFile.log)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes `runs/<run_id>/checkpoint.bin` atomically: a crash leaves the previous checkpoint.
    public func writeCheckpoint(_ bytes: Data, runID: String) throws {
        try AtomicFile.write(bytes, to: runDirectory(runID).appendingPathComponent(ResultStore.RunFile.checkpoint))
    }

    /// The latest checkpoint of a run, or nil when none was written.
    public func readCheckpoint(runID: String) throws -> Data? {
        try AtomicFile.read(runDirectory(runID).appendingPathComponent(ResultStore.RunFile.checkpoint))
    }

    /// Deletes a run's checkpoint (after the run is recorded); absent files are fine.
    public func removeCheckpoint(runID: String) throws {
        let url = runDirectory(runID).appendingPathComponent(ResultStore.RunFile.checkpoint)
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do { try FileManager.default.removeItem(at: url) } catch {
            throw ResultStoreError.io(path: url.path, reason: "cannot remove: \(error.localizedDescription)")
        }
    }
}
