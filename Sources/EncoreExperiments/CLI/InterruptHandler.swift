import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT) during `encore run`: one line on standard error (and in `run.log`) with the
/// command that resumes the experiment, then exit code 130.
///
/// The handler does only what a signal handler may: `kill(2)` and `waitpid(2)` of the runs'
/// child processes, `write(2)` of bytes prepared by `install` and `_exit(2)`. Every run recorded
/// so far is already in `results.json` (each is written atomically when it ends), and the
/// interrupted run continues from its last checkpoint on `--resume`, so nothing needs saving on
/// the way out; the directory lock goes with the process.
enum InterruptHandler {
    /// What the handler writes to standard error (with a leading newline on a terminal, after
    /// the `^C` the terminal echoes) and to the log.
    fileprivate nonisolated(unsafe) static var terminalText: UnsafeMutableBufferPointer<UInt8>?
    fileprivate nonisolated(unsafe) static var logText: UnsafeMutableBufferPointer<UInt8>?
    /// The open `run.log`, or -1.
    fileprivate nonisolated(unsafe) static var logDescriptor: Int32 = -1

    /// Handles SIGINT from now on by printing `line` and exiting with 130.
    static func install(line: String) {
        // Earlier buffers are kept, not freed: a handler running now may be reading them.
        logText = buffer(line + "\n")
        terminalText = buffer((isatty(STDERR_FILENO) == 1 ? "\n" : "") + line + "\n")
        _ = signal(SIGINT, handleInterrupt)
    }

    /// Restores the default action of SIGINT.
    static func uninstall() {
        _ = signal(SIGINT, SIG_DFL)
    }

    /// The log file the interruption line is also written to.
    static func useLog(_ descriptor: Int32) { logDescriptor = descriptor }

    /// Stops writing to `descriptor` (about to be closed).
    static func forgetLog(_ descriptor: Int32) {
        if logDescriptor == descriptor { logDescriptor = -1 }
    }

    /// The line printed on Ctrl-C: the command that resumes, with the same arguments.
    /// - Parameters:
    ///   - program: how the tool was started (`encore`, `.build/release/encore`).
    ///   - arguments: the arguments of `run`, after the command name.
    static func resumeLine(program: String, arguments: [String]) -> String {
        let resume = arguments.contains("--resume") ? arguments : arguments + ["--resume"]
        let command = ([program, "run"] + resume).map(shellQuoted).joined(separator: " ")
        return "encore: interrupted; finished runs are recorded. Resume with: \(command)"
    }

    /// `text` as one shell word: unchanged when it has only safe characters, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-")
        if !text.isEmpty, text.allSatisfy({ safe.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    private static func buffer(_ text: String) -> UnsafeMutableBufferPointer<UInt8> {
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return buffer
    }
}

/// The SIGINT handler: async-signal-safe calls only. The runs' child processes are killed first
/// (each run's checkpoint is written atomically, so none is left half-written).
private func handleInterrupt(_ signal: Int32) {
    ChildProcessTable.killAll()
    if let text = InterruptHandler.terminalText { _ = writeBytes(STDERR_FILENO, text.baseAddress, text.count) }
    if InterruptHandler.logDescriptor >= 0, let text = InterruptHandler.logText {
        _ = writeBytes(InterruptHandler.logDescriptor, text.baseAddress, text.count)
    }
    _exit(ExitCode.interrupted.rawValue)
}
