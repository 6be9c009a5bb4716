import Foundation

/// The result directory of one experiment (`results/<experiment>/`): `results.json`, `run.log`
/// (written by `encore run`'s progress reporter), and per run `runs/<run_id>/` with
/// `per_user.csv`, `log.txt` and `checkpoint.bin`. Every file is written
/// atomically; appending a run rewrites `results.json` in one step.
///
/// Thread-safe: runs finishing on different threads may append concurrently.
public final class ResultStore: @unchecked Sendable {
    /// The experiment directory.
    public let directory: URL
    private let lock = NSLock()
    private var file: ResultsFile
    /// Held while the store exists, so one process at a time writes the directory.
    private let directoryLock: DirectoryLock

    /// The name of the results file inside the directory.
    public static let resultsFileName = "results.json"

    /// The name of the whole experiment's log inside the directory (what `encore run` showed,
    /// as plain lines; appended to on `--resume`).
    public static let logFileName = "run.log"

    /// The folder of the saved models of the chosen runs (`encore run --save-model`).
    public static let modelsFolderName = "models"

    /// Opens (or creates) the store in `directory` for the experiment identified by `identity`.
    ///
    /// - `resume == true` keeps the runs already recorded (see `finishedRunIDs`) and their checkpoints.
    /// - `resume == false` starts afresh: recorded runs of this same experiment are dropped and
    ///   `runs/` and `models/` are cleared, so no stale checkpoint or saved model is picked up later.
    ///
    /// `results.json` is written at once (with the runs kept), so the directory is claimed
    /// before the first run finishes.
    /// The store holds the directory's lock (`DirectoryLock`) until it is released.
    /// - Throws: `ResultStoreError.locked` (exit 74) when another process writes the directory;
    ///   `.foreignExperiment` (exit 64) when the directory holds another experiment's results
    ///   (other name, spec hash or data hash) or files that are not a result store; nothing is
    ///   written then. `.corrupt` / `.io` for unreadable files.
    public init(directory: URL, identity: ResultsFile, resume: Bool) throws {
        self.directory = directory
        directoryLock = try DirectoryLock(directory: directory)
        let resultsURL = directory.appendingPathComponent(Self.resultsFileName)
        var file = identity
        if let data = try AtomicFile.read(resultsURL) {
            let existing: ResultsFile
            do { existing = try ResultsFile.decode(data) } catch {
                throw ResultStoreError.corrupt(path: resultsURL.path, reason: "\(error)")
            }
            let found = Self.describe(existing), expected = Self.describe(identity)
            if found != expected {
                throw ResultStoreError.foreignExperiment(path: directory.path, found: found, expected: expected)
            }
            if resume { file.runs = existing.runs }
        } else if let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let unexpected = entries.filter {
                $0 != "runs" && $0 != Self.logFileName && $0 != DirectoryLock.fileName
                    && !$0.hasPrefix(AtomicFile.temporaryPrefix) && $0 != ".DS_Store"
            }
            if !unexpected.isEmpty {
                throw ResultStoreError.foreignExperiment(
                    path: directory.path, found: "other files (\(unexpected.sorted().prefix(3).joined(separator: ", ")))",
                    expected: Self.describe(identity))
            }
        }
        if !resume {
            for folder in ["runs", Self.modelsFolderName] {
                let url = directory.appendingPathComponent(folder)
                guard FileManager.default.fileExists(atPath: url.path) else { continue }
                do { try FileManager.default.removeItem(at: url) } catch {
                    throw ResultStoreError.io(path: url.path, reason: "cannot clear old \(folder): \(error.localizedDescription)")
                }
            }
        }
        self.file = file
        try AtomicFile.write(try encode(file), to: resultsURL)
    }

    /// Reads a store's `results.json` without claiming the directory (for `encore table`).
    /// - Throws: `.io` when it is missing or unreadable, `.corrupt` when it does not decode.
    public static func load(directory: URL) throws -> ResultsFile {
        let url = directory.appendingPathComponent(resultsFileName)
        guard let data = try AtomicFile.read(url) else {
            throw ResultStoreError.io(path: url.path, reason: "no such file (is this an experiment's result directory?)")
        }
        do { return try ResultsFile.decode(data) } catch {
            throw ResultStoreError.corrupt(path: url.path, reason: "\(error)")
        }
    }

    /// A snapshot of everything recorded so far.
    public var results: ResultsFile { lock.withLock { file } }

    /// The IDs of runs already recorded (ok or failed): `--resume` skips these.
    public var finishedRunIDs: Set<String> { lock.withLock { Set(file.runs.map(\.runID)) } }

    /// Records a finished run (replacing an earlier record with the same `run_id`) and rewrites
    /// `results.json` atomically.
    public func append(_ record: RunRecord) throws {
        try lock.withLock {
            var updated = file
            updated.runs.removeAll { $0.runID == record.runID }
            updated.runs.append(record)
            try AtomicFile.write(try encode(updated), to: directory.appendingPathComponent(Self.resultsFileName))
            file = updated
        }
    }

    /// Records a finished run like `append(_:)`, keeping the runs in the order of `order` (run
    /// IDs by their place in the run list; runs it does not name keep their place after those it
    /// does), so that runs finishing out of order (`--jobs`) are listed, and become table rows,
    /// as one after another would be.
    public func append(_ record: RunRecord, order: [String: Int]) throws {
        try lock.withLock {
            var updated = file
            updated.runs.removeAll { $0.runID == record.runID }
            updated.runs.append(record)
            updated.runs = updated.runs.enumerated()
                .sorted { (order[$0.element.runID] ?? .max, $0.offset) < (order[$1.element.runID] ?? .max, $1.offset) }
                .map(\.element)
            try AtomicFile.write(try encode(updated), to: directory.appendingPathComponent(Self.resultsFileName))
            file = updated
        }
    }

    /// Replaces the provenance and table context (a resumed run records its own process).
    public func update(provenance: Provenance, context: TableContext?) throws {
        try lock.withLock {
            var updated = file
            updated.provenance = provenance
            updated.context = context
            try AtomicFile.write(try encode(updated), to: directory.appendingPathComponent(Self.resultsFileName))
            file = updated
        }
    }

    /// Records the tables' warnings (`ResultsFile.warnings`) and rewrites `results.json` atomically.
    public func update(warnings: [String]) throws {
        try lock.withLock {
            var updated = file
            updated.warnings = warnings
            try AtomicFile.write(try encode(updated), to: directory.appendingPathComponent(Self.resultsFileName))
            file = updated
        }
    }

    private func encode(_ file: ResultsFile) throws -> Data {
        do { return try file.encoded() } catch {
            throw ResultStoreError.io(path: directory.path, reason: "cannot encode results: \(error)")
        }
    }

    private static func describe(_ file: ResultsFile) -> String {
        "experiment '\(file.experiment)' (spec sha256 \(file.specSHA256.prefix(12)), data sha256 \(file.dataSHA256.prefix(12)))"
    }
}
