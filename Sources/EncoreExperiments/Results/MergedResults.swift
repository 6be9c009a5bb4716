import Foundation

/// Results gathered from one or more result directories of the same experiment (shards), with
/// each run's per-user metrics: the input of the tables and plots.
public struct MergedResults: Sendable {
    /// The merged file: runs of every directory (a run ID seen twice keeps an ok record over a
    /// failed one, else the later directory's) in run-list order when every record has its
    /// `runIndex` (else in the order read), provenance and context of the first directory.
    public var file: ResultsFile
    /// Per-user test metrics by run ID (ok runs that wrote them).
    public var perUser: [String: PerUserMetrics]

    /// Creates merged results directly (tests, or a caller holding records in memory).
    public init(file: ResultsFile, perUser: [String: PerUserMetrics]) {
        self.file = file
        self.perUser = perUser
    }

    /// Loads and merges the stores in `directories`.
    /// - Throws: `ResultStoreError.mismatchedDirectories` (exit 64) when they hold different experiments or
    ///   specs; `.io` / `.corrupt` for unreadable files.
    public static func load(directories: [URL]) throws -> MergedResults {
        requireArgument(!directories.isEmpty, "MergedResults.load needs at least one directory")
        var merged: ResultsFile?
        var perUser: [String: PerUserMetrics] = [:]
        for directory in directories {
            let file = try ResultStore.load(directory: directory)
            if var current = merged {
                guard file.experiment == current.experiment, file.specSHA256 == current.specSHA256,
                      file.dataSHA256 == current.dataSHA256 else {
                    throw ResultStoreError.mismatchedDirectories(
                        path: directory.path, found: "experiment '\(file.experiment)' (spec sha256 \(file.specSHA256.prefix(12)))",
                        expected: "experiment '\(current.experiment)' (spec sha256 \(current.specSHA256.prefix(12))) of \(directories[0].path)")
                }
                for run in file.runs {
                    if let index = current.runs.firstIndex(where: { $0.runID == run.runID }) {
                        if !(current.runs[index].status == .ok && run.status == .failed) { current.runs[index] = run }
                    } else {
                        current.runs.append(run)
                    }
                }
                if current.context == nil { current.context = file.context }
                if current.settings == nil { current.settings = file.settings }
                merged = current
            } else {
                merged = file
            }
            for run in file.runs where run.status == .ok {
                if let metrics = try ResultStore.readPerUserMetrics(in: directory, runID: run.runID) {
                    perUser[run.runID] = metrics
                }
            }
        }
        var file = merged!
        // Shards record their runs in their own order: put the merged runs back in run-list order
        // (as an unsharded run records them), so the tables' rows and plots' colours match.
        if file.runs.allSatisfy({ $0.runIndex != nil }) {
            file.runs = file.runs.enumerated()
                .sorted { ($0.element.runIndex!, $0.offset) < ($1.element.runIndex!, $1.offset) }
                .map(\.element)
        }
        return MergedResults(file: file, perUser: perUser)
    }
}
