import Foundation

/// Reports training progress on standard error, safe to call from any thread (the training loop
/// is synchronous; calls are serialised by a lock and each writes whole lines).
///
/// - `.live` (a terminal): one line per run, rewritten in place with `\r` as epochs finish;
///   a finished run's line is completed with its outcome and a newline.
/// - `.plain` (a file or pipe): one log line per event (start, epoch, finish).
/// - `.quiet`: nothing.
///
/// The line shows the model label, seed, epoch/total, loss, the validation metric, elapsed time
/// and an ETA from the mean epoch time so far.
public final class ProgressReporter: @unchecked Sendable {
    /// How progress is shown.
    public enum Mode: Sendable, Equatable {
        /// Rewritten live lines (a terminal).
        case live
        /// Plain log lines (not a terminal).
        case plain
        /// Silent.
        case quiet

        /// `.quiet` when `quiet`, else `.live` when standard error is a terminal, else `.plain`.
        public static func automatic(quiet: Bool) -> Mode {
            if quiet { return .quiet }
            return isatty(STDERR_FILENO) == 1 ? .live : .plain
        }
    }

    private struct Run {
        var label: String, seed: Int, totalEpochs: Int, started: Double
    }

    /// The mode in use.
    public let mode: Mode
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double
    private var runs: [String: Run] = [:]
    private var liveLineOpen = false

    /// Creates a reporter.
    /// - Parameters:
    ///   - mode: usually `Mode.automatic(quiet:)`.
    ///   - write: where text goes (default: standard error, unbuffered).
    ///   - clock: seconds from any fixed origin (injectable for tests).
    public init(
        mode: Mode,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    ) {
        self.mode = mode
        self.write = write
        self.clock = clock
    }

    /// A run begins training.
    /// - Parameters:
    ///   - runID: the run's ID (the key of later calls).
    ///   - label: the model label; `seed`: the seed; `totalEpochs`: the epoch budget (0 for closed-form models).
    public func runStarted(runID: String, label: String, seed: Int, totalEpochs: Int) {
        lock.withLock {
            runs[runID] = Run(label: label, seed: seed, totalEpochs: totalEpochs, started: clock())
            if mode == .plain { emitLine("[\(label) seed \(seed)] started" + (totalEpochs > 0 ? " (\(totalEpochs) epochs max)" : "")) }
        }
    }

    /// An epoch finished.
    /// - Parameters:
    ///   - epoch: the epoch just finished, from 1.
    ///   - totalEpochs: the epoch budget, when it was not known at `runStarted`.
    ///   - loss: its mean training loss.
    ///   - validation: the validation metric's name and value, when evaluated this epoch.
    public func epochFinished(
        runID: String, epoch: Int, totalEpochs: Int? = nil, loss: Double, validation: (metric: String, value: Double)? = nil
    ) {
        lock.withLock {
            guard mode != .quiet, var run = runs[runID] else { return }
            if let totalEpochs, totalEpochs != run.totalEpochs {
                run.totalEpochs = totalEpochs  // the model's own default when the spec sets no maximum
                runs[runID] = run
            }
            let elapsed = clock() - run.started
            var text = "[\(run.label) seed \(run.seed)] epoch \(epoch)/\(run.totalEpochs)  loss \(Self.format(loss))"
            if let validation { text += "  \(validation.metric) \(String(format: "%.4f", validation.value))" }
            text += "  elapsed \(Self.duration(elapsed))"
            if epoch > 0, run.totalEpochs > epoch {
                text += "  ETA \(Self.duration(elapsed / Double(epoch) * Double(run.totalEpochs - epoch)))"
            }
            if mode == .live {
                write("\r\u{1B}[2K" + text)
                liveLineOpen = true
            } else {
                emitLine(text)
            }
        }
    }

    /// A run ended; `outcome` is a short summary (`ok, test ndcg@100 0.4210` or a failure reason).
    public func runFinished(runID: String, outcome: String) {
        lock.withLock {
            guard mode != .quiet else { return }
            let run = runs.removeValue(forKey: runID)
            let elapsed = run.map { clock() - $0.started } ?? 0
            let prefix = run.map { "[\($0.label) seed \($0.seed)]" } ?? "[\(runID)]"
            emitLine("\(prefix) \(outcome) (\(Self.duration(elapsed)))")
        }
    }

    /// A free-standing message (skipped runs, warnings), printed on its own line unless quiet.
    public func message(_ text: String) {
        lock.withLock {
            guard mode != .quiet else { return }
            emitLine(text)
        }
    }

    /// A warning the user must see (`warning: TEXT`), printed on its own line even when quiet:
    /// something was wrong and the run worked around it (a damaged checkpoint).
    public func warning(_ text: String) {
        lock.withLock { emitLine("warning: " + text) }
    }

    /// Writes a full line, first closing a live line in progress. Call with the lock held.
    private func emitLine(_ text: String) {
        if liveLineOpen {
            write("\r\u{1B}[2K")
            liveLineOpen = false
        }
        write(text + "\n")
    }

    /// `1.234e+05`-style for large or tiny losses, 4 decimals otherwise; `nan`/`inf` as is.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return abs(value) >= 1e4 || (abs(value) < 1e-3 && value != 0) ? String(format: "%.3e", value) : String(format: "%.4f", value)
    }

    /// `42s`, `3m05s`, `1h02m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }
}
