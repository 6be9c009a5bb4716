@_exported import EncoreBench

extension BenchSupport {
    /// The `--threads` value (default: all cores).
    static func threads(_ arguments: ParsedArguments) throws -> Int {
        try arguments.int("threads", default: Parallel.coreCount, range: 1...4096)!
    }

    /// The options every bench command takes.
    static let commonOptions: [OptionSpec] = [
        .value("threads", "N", "Threads to use (default: all cores)."),
        .flag("json", "Print one JSON object per line."),
    ]
}

extension BenchError: ExitCodeError {
    public var exitCode: ExitCode { .usage }
}
