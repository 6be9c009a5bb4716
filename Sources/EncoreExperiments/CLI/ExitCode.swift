/// The documented exit codes of the `encore` tool (BSD `sysexits` where one fits).
public enum ExitCode: Int32, Sendable {
    /// Everything ran and every run succeeded.
    case success = 0
    /// The experiment ran but at least one run failed (recorded with its reason).
    case someRunsFailed = 1
    /// A usage or spec error: bad option, bad JSON, failed validation (`EX_USAGE`).
    case usage = 64
    /// Bad input data: a malformed line, empty data after filtering (`EX_DATAERR`).
    case dataError = 65
    /// A file could not be read or written, or a download failed (`EX_IOERR`).
    case ioError = 74
    /// `encore run` stopped by Ctrl-C (SIGINT; 128 + 2, as shells report it) after printing the
    /// command that resumes it.
    case interrupted = 130
}

/// An error that the CLI reports as one message and maps to an exit code.
public protocol ExitCodeError: Error, CustomStringConvertible {
    /// The exit code this error maps to.
    var exitCode: ExitCode { get }
}

/// A command-line usage error (unknown option, missing argument, bad value): exit code 64.
public struct UsageError: ExitCodeError {
    /// What was wrong, in one line.
    public let message: String
    /// Creates a usage error.
    public init(_ message: String) { self.message = message }
    public var exitCode: ExitCode { .usage }
    public var description: String { message }
}
