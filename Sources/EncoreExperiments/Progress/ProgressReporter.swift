import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reports training progress on standard error, safe to call from any thread (the training loop
/// is synchronous; calls are serialised by a lock and each writes whole lines).
///
/// - `.live` (a terminal): one line per run, rewritten in place with `\r` as epochs finish;
///   a finished run's line is completed with its outcome and a newline.
/// - `.plain` (a file or pipe): one log line per event (start, epoch, finish).
/// - `.quiet`: nothing.
///
/// A line names the run (`[ease lambda=500 seed 1]`: the label, the grid point's keys and
/// values when the model has a grid, the seed), its place in the experiment (`run 3/12`), the
/// epoch and its budget, loss, the validation metric, elapsed time, the run's ETA from its mean
/// epoch time and the experiment's ETA from the mean duration of the runs finished so far.
/// Closed-form models show `fitted` with their validation value: no epoch count, no loss.
///
/// With `openLog(at:append:)`, every plain line (whatever the mode, `--quiet` included) is also
/// appended to a log file (`run.log`); lines written before the log opens are kept and written
/// first.
///
/// A reporter made with `init(forwardingTo:)` shows nothing: it hands each call on as a
/// `ProgressEvent` (a run's child process sends them to `encore run`, whose reporter shows them).
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
        var name: String, seed: Int, totalEpochs: Int, started: Double
        /// `run k/N`, or nil when the position is unknown.
        var position: String?
        /// Whether the run continues from a checkpoint (reported at its first epoch).
        var resuming: Bool
        /// The first epoch trained in this process (a resumed run starts after 1).
        var firstEpoch: Int?

        var prefix: String { "[\(name) seed \(seed)]" }
    }

    /// The mode in use.
    public let mode: Mode
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double
    private var runs: [String: Run] = [:]
    private var liveLineOpen = false
    /// Runs this invocation will train (0: unknown, no experiment ETA).
    private var runsToTrain = 0
    /// Runs trained at the same time (`--jobs`).
    private var parallelRuns = 1
    private var runsFinished = 0
    private var finishedSeconds = 0.0
    /// The log file's descriptor once open.
    private var logDescriptor: Int32 = -1
    /// Lines kept until the log opens (nil once it is open).
    private var pendingLog: [String]? = []
    private static let pendingLimit = 10_000
    /// Where calls go as events instead of being shown; nil for a reporter that shows them.
    private let forward: (@Sendable (ProgressEvent) -> Void)?

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
        forward = nil
    }

    /// Creates a reporter that shows nothing and hands every call to `forward` as an event
    /// (called with the reporter's lock held, so events arrive whole and in order).
    init(forwardingTo forward: @escaping @Sendable (ProgressEvent) -> Void) {
        mode = .quiet
        write = { _ in }
        clock = { 0 }
        self.forward = forward
    }

    /// Hands `event` on and returns true when this reporter forwards. Call with the lock held.
    private func forwarded(_ event: @autoclosure () -> ProgressEvent) -> Bool {
        guard let forward else { return false }
        forward(event())
        return true
    }

    deinit {
        if logDescriptor >= 0 {
            InterruptHandler.forgetLog(logDescriptor)
            close(logDescriptor)
        }
    }

    /// Opens the log file at `url` (created if needed): appended to when `append`, else
    /// started afresh; the lines reported so far are written first. Later plain lines go to
    /// it as they are reported, and so does the line of an interruption (`InterruptHandler`).
    /// - Throws: `ResultStoreError.io` when the file cannot be opened.
    public func openLog(at url: URL, append: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC)
        let descriptor = open(url.path, flags, 0o644)
        guard descriptor >= 0 else {
            throw ResultStoreError.io(path: url.path, reason: "cannot open the log: \(String(cString: strerror(errno)))")
        }
        lock.withLock {
            if logDescriptor >= 0 {
                InterruptHandler.forgetLog(logDescriptor)
                close(logDescriptor)
            }
            logDescriptor = descriptor
            for line in pendingLog ?? [] { writeLog(line) }
            pendingLog = nil
            InterruptHandler.useLog(descriptor)
        }
    }

    /// The experiment's run list is known: this invocation will train `toTrain` runs (runs
    /// finished before `--resume` are not counted), `parallel` at a time (`--jobs`), the base
    /// of the experiment ETA.
    public func experimentStarted(toTrain: Int, parallel: Int = 1) {
        lock.withLock {
            runsToTrain = toTrain
            parallelRuns = max(1, parallel)
            runsFinished = 0
            finishedSeconds = 0
        }
    }

    /// A run begins training.
    /// - Parameters:
    ///   - runID: the run's ID (the key of later calls).
    ///   - label: the model label; `gridPoint`: the grid point as `key=value` pairs (empty
    ///     without a grid); `seed`: the seed.
    ///   - totalEpochs: the epoch budget (0 for closed-form models and when not known yet).
    ///   - position: the run's 1-based place in the run list and the list's length (`run k/N`).
    ///   - resuming: whether the run continues from a checkpoint.
    public func runStarted(
        runID: String, label: String, gridPoint: String = "", seed: Int, totalEpochs: Int,
        position: (index: Int, count: Int)? = nil, resuming: Bool = false
    ) {
        lock.withLock {
            if forwarded(.runStarted(
                runID: runID, label: label, gridPoint: gridPoint, seed: seed, totalEpochs: totalEpochs, index: position?.index,
                count: position?.count, resuming: resuming)) { return }
            let run = Run(
                name: gridPoint.isEmpty ? label : "\(label) \(gridPoint)", seed: seed, totalEpochs: totalEpochs, started: clock(),
                position: position.map { "run \($0.index)/\($0.count)" }, resuming: resuming)
            runs[runID] = run
            var text = run.prefix + (run.position.map { " \($0)" } ?? "") + " started"
            if totalEpochs > 0 { text += " (\(totalEpochs) epochs max)" }
            if resuming { text += ", from its checkpoint" }
            if mode == .plain { emitLine(text) } else { logLine(text) }
        }
    }

    /// An epoch finished (for a closed-form model, its one fit: `loss` nil).
    /// - Parameters:
    ///   - epoch: the epoch just finished, from 1.
    ///   - totalEpochs: the epoch budget, when it was not known at `runStarted`.
    ///   - loss: its mean training loss; nil for a closed-form fit.
    ///   - validation: the validation metric's name and value, when evaluated this epoch.
    public func epochFinished(
        runID: String, epoch: Int, totalEpochs: Int? = nil, loss: Double?, validation: (metric: String, value: Double)? = nil
    ) {
        lock.withLock {
            if forwarded(.epochFinished(
                runID: runID, epoch: epoch, totalEpochs: totalEpochs, loss: loss, metric: validation?.metric,
                value: validation?.value)) { return }
            guard var run = runs[runID] else { return }
            if let totalEpochs, totalEpochs != run.totalEpochs {
                run.totalEpochs = totalEpochs  // the model's own default when the spec sets no maximum
            }
            if run.firstEpoch == nil {
                run.firstEpoch = epoch
                // A resumed run's first epoch in this process follows the checkpoint's.
                if run.resuming, epoch > 1 { emitLine("\(run.prefix) resumed at epoch \(epoch - 1)") }
            }
            runs[runID] = run
            let elapsed = clock() - run.started
            var text = run.prefix + (run.position.map { " \($0) " } ?? "") + " "
            var runETA: Double?
            if let loss {
                text += "epoch \(epoch)/\(run.totalEpochs)  loss \(Self.format(loss))"
            } else {
                text += "fitted"
            }
            if let validation { text += "  \(validation.metric) \(String(format: "%.4f", validation.value))" }
            text += "  elapsed \(Self.duration(elapsed))"
            // Epochs trained in this process (a resumed run's earlier ones took no time here).
            let trained = run.resuming ? epoch - (run.firstEpoch ?? 1) + 1 : epoch
            if loss != nil, trained > 0, run.totalEpochs > epoch {
                let eta = elapsed / Double(trained) * Double(run.totalEpochs - epoch)
                runETA = eta
                text += "  ETA \(Self.duration(eta))"
            }
            if let all = experimentETA(currentElapsed: elapsed, currentETA: runETA) { text += "  experiment ETA \(Self.duration(all))" }
            if mode == .live {
                write("\r\u{1B}[2K" + text)
                liveLineOpen = true
                logLine(text)
            } else {
                emitLine(text)
            }
        }
    }

    /// A run ended; `outcome` is a short summary (`ok, test ndcg@100 0.4210` or a failure reason).
    public func runFinished(runID: String, outcome: String) {
        lock.withLock {
            if forwarded(.runFinished(runID: runID, outcome: outcome)) { return }
            let run = runs.removeValue(forKey: runID)
            let elapsed = run.map { clock() - $0.started } ?? 0
            if run != nil {
                runsFinished += 1
                finishedSeconds += elapsed
            }
            var text = "\(run?.prefix ?? "[\(runID)]") \(outcome) (\(Self.duration(elapsed)))"
            if let all = experimentETA(currentElapsed: 0, currentETA: nil), all > 0 { text += "  experiment ETA \(Self.duration(all))" }
            emitLine(text)
        }
    }

    /// A free-standing message (skipped runs, warnings), printed on its own line unless quiet.
    public func message(_ text: String) {
        lock.withLock { if !forwarded(.message(text)) { emitLine(text) } }
    }

    /// Text that goes to the log only (the final table, which standard output shows).
    public func logOnly(_ text: String) {
        lock.withLock { if !forwarded(.logOnly(text)) { logLine(text) } }
    }

    /// The time left for the runs not finished yet: the mean duration of the finished runs
    /// times the runs left, less what the runs in progress have already taken (the reporting
    /// run's own ETA when it has one, standing for each run in progress), shared among the runs
    /// trained at the same time; nil before the first run finishes. Call with the lock held.
    private func experimentETA(currentElapsed: Double, currentETA: Double?) -> Double? {
        guard runsToTrain > 0, runsFinished > 0 else { return nil }
        let mean = finishedSeconds / Double(runsFinished)
        let unfinished = max(0, runsToTrain - runsFinished)
        guard unfinished > 0 else { return nil }
        let current = currentETA ?? max(0, mean - currentElapsed)
        let started = min(runs.count, unfinished)
        let work = current * Double(started) + mean * Double(unfinished - started)
        return work / Double(min(parallelRuns, unfinished))
    }

    /// A warning the user must see (`warning: TEXT`), printed on its own line even when quiet:
    /// something was wrong and the run worked around it (a damaged checkpoint).
    public func warning(_ text: String) {
        lock.withLock {
            if forwarded(.warning(text)) { return }
            guard mode == .quiet else { return emitLine("warning: " + text) }
            logLine("warning: " + text)
            write("warning: " + text + "\n")
        }
    }

    /// Writes a full line (to the terminal unless quiet, and to the log), first closing a live
    /// line in progress. Call with the lock held.
    private func emitLine(_ text: String) {
        logLine(text)
        guard mode != .quiet else { return }
        if liveLineOpen {
            write("\r\u{1B}[2K")
            liveLineOpen = false
        }
        write(text + "\n")
    }

    /// Writes a line to the log, or keeps it until the log opens. Call with the lock held.
    private func logLine(_ text: String) {
        if logDescriptor >= 0 {
            writeLog(text)
        } else if pendingLog != nil, pendingLog!.count < Self.pendingLimit {
            pendingLog!.append(text)
        }
    }

    private func writeLog(_ text: String) {
        let bytes = Array((text.hasSuffix("\n") ? text : text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { writeBytes(logDescriptor, $0.baseAddress, $0.count) }
            if written <= 0 { return }  // a full disk loses log lines, never the run
            offset += written
        }
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

/// `write(2)` (the reporter's own `write` property hides the C function inside the class).
func writeBytes(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}
