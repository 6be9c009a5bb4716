import Foundation

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
    /// Another process is writing the directory (`holder` describes it).
    case locked(path: String, holder: String)

    /// 64 for a foreign directory (a usage problem), 74 otherwise (a locked directory included).
    public var exitCode: ExitCode {
        switch self {
        case .foreignExperiment, .mismatchedDirectories: return .usage
        case .io, .corrupt, .locked: return .ioError
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
        case .locked(let path, let holder):
            return "\(path) is being written by another encore run (\(holder)); "
                + "wait for it to finish, or write to another directory with --output"
        }
    }
}
