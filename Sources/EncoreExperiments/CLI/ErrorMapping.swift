import EncoreMetrics

// The library modules below EncoreExperiments cannot see `ExitCodeError`; their error types
// are mapped to exit codes here, in one place.

extension MetricsError: ExitCodeError {
    /// 64 for an unknown metric name (a usage error), 74 for a file that cannot be written.
    public var exitCode: ExitCode { isUsageError ? .usage : .ioError }
}
