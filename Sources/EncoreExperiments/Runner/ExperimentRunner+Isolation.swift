import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the runs of an experiment execute.
public enum RunIsolation: Sendable, Equatable, Codable {
    /// One after another in this process (for code that embeds the runner; its peak memory is
    /// the process's, and a crash ends the experiment).
    case inProcess
    /// Each run in its own child process started from `executable`, which must be an executable
    /// whose entry point is `EncoreCLI.main(registry:)` with the same registry (it answers
    /// `encore _run-one`). Peak memory, crashes and time limits are then the run's own, and
    /// only this process writes `results.json`.
    case childProcesses(executable: String)
}

extension ExperimentRunner {
    /// Runs `runs` (each with its 1-based place in a list of `count`) as `options.isolation`
    /// says, appending each record to `store` as it ends.
    /// - Throws: what stops the experiment: an error of a run (in its process or reported by its
    ///   child) that is not the run's own failure, or a store error. With `--jobs`, the runs in
    ///   progress are killed first (their checkpoints stay for `--resume`).
    /// - Parameter order: every run ID of the run list by its place, the order records keep in
    ///   `results.json` whenever they finish.
    func runAll(
        _ runs: [(position: Int, plan: RunPlan)], count: Int, order: [String: Int], prepared: [PreparedSetting],
        store: ResultStore
    ) throws -> (succeeded: Int, failed: Int) {
        guard case let .childProcesses(executable) = options.isolation else {
            var counts = (succeeded: 0, failed: 0)
            for (position, plan) in runs {
                let record = try execute(plan, position: (position, count), data: prepared[plan.settingIndex], store: store)
                try store.append(record)
                if record.status == .ok { counts.succeeded += 1 } else { counts.failed += 1 }
            }
            return counts
        }
        let queue = RunQueue(runs)
        let worker: @Sendable () -> Void = { [self] in
            while let (position, plan) = queue.next() {
                do {
                    let record = try executeInChild(
                        plan, position: (position, count), data: prepared[plan.settingIndex], store: store,
                        executable: executable, spawned: { queue.started($0) })
                    // Once the experiment stops, a failure may be the kill that stopped it.
                    guard !queue.stopped || record.status == .ok else { continue }
                    try store.append(record, order: order)
                    queue.finished(ok: record.status == .ok)
                } catch {
                    queue.stop(error)
                }
            }
        }
        let workers = min(max(1, options.jobs), runs.count)
        if workers <= 1 {
            worker()
        } else {
            let group = DispatchGroup()
            for _ in 0..<workers {
                group.enter()
                // A thread of its own: each waits on its child for as long as the run takes, and a
                // child started from a thread ends with that thread (`encore_die_with_parent`).
                Thread.detachNewThread {
                    worker()
                    group.leave()
                }
            }
            group.wait()
        }
        if let error = queue.error { throw error }
        return (queue.succeeded, queue.failed)
    }

    /// Runs `plan` in a child process of `executable` (`ChildRun`) and returns its record: the
    /// child's own, or a failed one when the child crashed, was killed, ran past
    /// `options.timeout` or exited without one.
    /// - Throws: `ChildRunError` with the code of an error the child reported (as the run in this
    ///   process would have thrown it); `ResultStoreError.io` when the child cannot be started.
    func executeInChild(
        _ plan: RunPlan, position: (index: Int, count: Int), data: PreparedSetting, store: ResultStore,
        executable: String, spawned: (ChildProcess) -> Void
    ) throws -> RunRecord {
        let job = ChildJob(
            spec: spec.json.compactText, source: spec.source, specSHA256: spec.sha256, dataSHA256: data.dataSHA256,
            runID: plan.id, index: position.index, count: position.count, output: store.directory.path, options: options,
            parent: getpid())
        let encoded: Data
        do { encoded = try JSONEncoder().encode(job) } catch {
            throw ResultStoreError.io(path: store.directory.path, reason: "cannot encode the job of run \(plan.id): \(error)")
        }
        let program = CommandLine.arguments.first ?? "encore"
        let child = try ChildProcess(executable: executable, arguments: [program, ChildRun.commandName], job: encoded)
        spawned(child)
        let progress = self.progress
        let gridPoint = plan.gridPoint.map { "\($0.key)=\($0.value.shortDescription)" }.joined(separator: " ")
        let prefix = "[\(plan.label)\(gridPoint.isEmpty ? "" : " " + gridPoint) seed \(plan.seed)]"
        var started = false
        var record: RunRecord?
        var reported: (message: String, exitCode: Int32)?
        var output = ChildOutput()
        let termination = child.wait(
            deadline: options.timeout,
            report: { line in
                switch ChildReport(line: line) {
                case let .progress(event):
                    if case .runStarted = event { started = true }
                    progress.apply(event)
                case let .record(value): record = value
                case let .error(message, exitCode): reported = (message, exitCode)
                case nil: output.add(line, prefix: prefix, progress: progress)
                }
            },
            output: { output.add($0, prefix: prefix, progress: progress) })
        // Ctrl-C: the SIGINT handler killed the child and is ending this process; nothing of
        // the run is recorded (it continues on --resume).
        while ChildProcessTable.isStopping { Thread.sleep(forTimeInterval: 1) }
        if output.lines > ChildOutput.shownLimit {
            progress.message("\(prefix) \(output.lines - ChildOutput.shownLimit) more lines of output: see \(store.runDirectory(plan.id).relativePath)/\(ResultStore.RunFile.log)")
        }
        // Once the child is gone, this process alone writes the run's log.
        if output.lines > 0 { try? store.appendLog((["output of the run's process:"] + output.kept).joined(separator: "\n"), runID: plan.id) }

        if !termination.timedOut, termination.status == .exited(0), let record { return record }
        if !termination.timedOut, case .exited = termination.status, let reported {
            throw ChildRunError(message: reported.message, exitCode: ExitCode(rawValue: reported.exitCode) ?? .ioError)
        }
        if termination.status == .signaled(SIGINT) {
            // Ctrl-C reached the child before it ignored SIGINT: this process's handler is ending
            // the experiment too, and the run is not to be recorded as failed meanwhile.
            Thread.sleep(forTimeInterval: 1)
            while ChildProcessTable.isStopping { Thread.sleep(forTimeInterval: 1) }
        }
        let reason = Self.failureReason(termination, timeout: options.timeout, output: output.kept)
        var failed = RunRecord(
            model: plan.model, label: plan.label, config: plan.config, gridPoint: .object(plan.gridPoint),
            seed: plan.seed, runID: plan.id, status: .failed, failure: reason)
        failed.trainSeconds = termination.seconds
        failed.peakMemoryBytes = termination.peakMemoryBytes
        if !started {
            progress.runStarted(
                runID: plan.id, label: plan.label, gridPoint: gridPoint, seed: plan.seed, totalEpochs: 0, position: position)
        }
        progress.runFinished(runID: plan.id, outcome: "failed: \(reason)")
        try? store.appendLog("failed: \(reason)", runID: plan.id)
        return failed
    }

    /// The failure reason of a run whose child ended without a record.
    static func failureReason(_ termination: ChildProcess.Termination, timeout: Double?, output: [String]) -> String {
        if termination.timedOut { return "timed out after \(Self.seconds(timeout ?? 0)) s" }
        let markers = ["Fatal error", "Precondition failed", "Assertion failed", "fatal error", "error:"]
        let detail = output.first { line in markers.contains { line.contains($0) } }
            ?? output.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let suffix = detail.map { ": " + String($0.trimmingCharacters(in: .whitespaces).prefix(300)) } ?? ""
        switch termination.status {
        case .signaled(SIGKILL):
            return "killed by signal \(SIGKILL) (out of memory?)"
        case let .signaled(signal):
            return "killed by signal \(signal) (\(signalName(signal)))" + suffix
        case .exited(0):
            return "its process ended without a result" + suffix
        case let .exited(code):
            return "its process exited with code \(code)" + suffix
        }
    }

    /// `600`, `2.5`: a timeout as given.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The usual name of a signal that ends a crashing process (`SIGSEGV`), else `signal N`.
    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGILL: "SIGILL", SIGSEGV: "SIGSEGV",
            SIGTRAP: "SIGTRAP", SIGTERM: "SIGTERM", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGHUP: "SIGHUP",
            SIGPIPE: "SIGPIPE", SIGXCPU: "SIGXCPU",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}

/// What a run's child printed: its first lines shown as they come (a model's own messages),
/// and its beginning and end kept for the failure reason and the run's log.
private struct ChildOutput {
    static let shownLimit = 10
    static let headLimit = 100
    static let tailLimit = 400
    private(set) var head: [String] = []
    private(set) var tail: [String] = []
    private(set) var lines = 0

    mutating func add(_ line: String, prefix: String, progress: ProgressReporter) {
        lines += 1
        if lines <= Self.shownLimit, !line.trimmingCharacters(in: .whitespaces).isEmpty { progress.message("\(prefix) \(line)") }
        if head.count < Self.headLimit { return head.append(line) }
        tail.append(line)
        if tail.count > Self.tailLimit { tail.removeFirst() }
    }

    /// The lines kept, with a marker where lines were left out.
    var kept: [String] {
        let left = lines - head.count - tail.count
        return head + (left > 0 ? ["... (\(left) lines left out)"] : []) + tail
    }
}

/// The runs not started yet, the children running, and the outcome so far, shared by the
/// threads of `--jobs`.
private final class RunQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: ArraySlice<(position: Int, plan: RunPlan)>
    private var children: [ChildProcess] = []
    private var firstError: Error?
    private var ok = 0, notOK = 0

    init(_ runs: [(position: Int, plan: RunPlan)]) { self.runs = runs[...] }

    /// The next run to start; nil when none is left or the experiment stopped.
    func next() -> (position: Int, plan: RunPlan)? {
        lock.withLock { firstError == nil ? runs.popFirst() : nil }
    }

    /// A child started; `stop` kills it.
    func started(_ child: ChildProcess) {
        lock.withLock {
            children.removeAll { $0.isReaped }
            children.append(child)
            if firstError != nil { child.kill() }
        }
    }

    func finished(ok isOK: Bool) {
        lock.withLock { if isOK { ok += 1 } else { notOK += 1 } }
    }

    /// Stops the experiment with `error` (the first one wins): no run starts any more, and the
    /// children running are killed.
    func stop(_ error: Error) {
        lock.withLock {
            if firstError == nil { firstError = error }
            for child in children { child.kill() }
        }
    }

    var stopped: Bool { lock.withLock { firstError != nil } }
    var error: Error? { lock.withLock { firstError } }
    var succeeded: Int { lock.withLock { ok } }
    var failed: Int { lock.withLock { notOK } }
}
