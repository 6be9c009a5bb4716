@testable import EncoreExperiments
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects written text; thread-safe.
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ chunk: String) { lock.withLock { text += chunk } }
    var value: String { lock.withLock { text } }
}

/// A settable clock.
private final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds = 0.0
    var now: Double {
        get { lock.withLock { seconds } }
        set { lock.withLock { seconds = newValue } }
    }
}

/// Collects forwarded events; thread-safe.
private final class Events: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [ProgressEvent] = []
    func append(_ event: ProgressEvent) { lock.withLock { list.append(event) } }
    var value: [ProgressEvent] { lock.withLock { list } }
}

/// The pieces of run isolation that need no process: reports across the pipe, forwarded
/// progress, failure reasons, and the in-process path's limits.
final class RunIsolationTests: XCTestCase {
    /// The same calls, on a reporter directly or forwarded as events (through their JSON lines)
    /// to one, print the same text.
    func testForwardedProgressPrintsWhatDirectCallsPrint() throws {
        func calls(_ reporter: ProgressReporter) {
            reporter.runStarted(runID: "r", label: "ease", gridPoint: "lambda=500", seed: 1, totalEpochs: 0, position: (3, 12))
            reporter.epochFinished(runID: "r", epoch: 1, loss: nil, validation: ("ndcg@100", 0.41843))
            reporter.message("[ease seed 1] warning: something")
            reporter.warning("a checkpoint")
            reporter.runFinished(runID: "r", outcome: "ok, test ndcg@100 0.4200")
            reporter.runStarted(runID: "v", label: "Mult-VAE", seed: 2, totalEpochs: 10, resuming: true)
            reporter.epochFinished(runID: "v", epoch: 4, totalEpochs: 12, loss: .nan)
        }
        let direct = Lines()
        calls(ProgressReporter(mode: .plain, write: { direct.append($0) }, clock: { 0 }))

        let events = Events()
        calls(ProgressReporter(forwardingTo: { events.append($0) }))
        XCTAssertEqual(events.value.count, 7)
        let shown = Lines()
        let parent = ProgressReporter(mode: .plain, write: { shown.append($0) }, clock: { 0 })
        for event in events.value {
            let line = String(decoding: ChildReport.progress(event).line, as: UTF8.self)
            XCTAssertTrue(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil, "one line: \(line)")
            guard case let .progress(decoded)? = ChildReport(line: String(line.dropLast())) else { return XCTFail(line) }
            parent.apply(decoded)
        }
        XCTAssertEqual(shown.value, direct.value)
        XCTAssertTrue(shown.value.contains("[ease lambda=500 seed 1] run 3/12  fitted  ndcg@100 0.4184"), shown.value)
        XCTAssertTrue(shown.value.contains("epoch 4/12  loss nan"), shown.value)
    }

    /// A record crosses the pipe bit for bit, non-finite losses included.
    func testARecordCrossesThePipeUnchanged() throws {
        var record = RunRecord(
            model: "mult-vae", label: "Mult-VAE", config: ["beta": .double(0.2)], gridPoint: ["beta": .double(0.2)], seed: 3,
            runID: "Mult-VAE-g1-s3", validation: ["ndcg@100": 0.1 + 0.2], test: ["recall@20": 1.0 / 3.0, "ndcg@100": .pi / 7],
            epochsToBest: 7, trainSeconds: 12.345678, evalSeconds: 0.000123, peakMemoryBytes: 123_456_789, parameters: 42,
            curve: [CurvePoint(epoch: 1, loss: .nan, validation: nil, seconds: 1e-9), CurvePoint(epoch: 2, loss: .infinity, validation: 0.3, seconds: 2)],
            testUsers: 100, skippedUsers: 1, epochCap: 200, updatesPerEpoch: 9, stoppedEarly: true, warnings: ["a \"quoted\"\nline"])
        let line = String(decoding: ChildReport.record(record).line, as: UTF8.self)
        guard case let .record(back)? = ChildReport(line: String(line.dropLast())) else { return XCTFail(line) }
        XCTAssertTrue(back.curve[0].loss.isNaN)
        record.curve[0].loss = 0
        var copy = back
        copy.curve[0].loss = 0
        XCTAssertEqual(copy, record)
        XCTAssertNil(ChildReport(line: "Fatal error: not a report"))
    }

    func testFailureReasonsNameTheSignalTheMessageOrTheLimit() {
        typealias T = ChildProcess.Termination
        let output = ["", "EncoreModels/Thing.swift:12: Fatal error: index out of range", "*** Program crashed: Illegal instruction ***", "  0 frame"]
        XCTAssertEqual(
            ExperimentRunner.failureReason(T(status: .signaled(SIGILL), peakMemoryBytes: nil, timedOut: false, seconds: 1), timeout: nil, output: output),
            "killed by signal \(SIGILL) (SIGILL): EncoreModels/Thing.swift:12: Fatal error: index out of range")
        XCTAssertEqual(
            ExperimentRunner.failureReason(T(status: .signaled(SIGKILL), peakMemoryBytes: 5, timedOut: false, seconds: 1), timeout: nil, output: output),
            "killed by signal 9 (out of memory?)")
        XCTAssertEqual(
            ExperimentRunner.failureReason(T(status: .signaled(SIGKILL), peakMemoryBytes: 5, timedOut: true, seconds: 600), timeout: 600, output: []),
            "timed out after 600 s")
        XCTAssertEqual(
            ExperimentRunner.failureReason(T(status: .signaled(SIGKILL), peakMemoryBytes: 5, timedOut: true, seconds: 2.5), timeout: 2.5, output: []),
            "timed out after 2.5 s")
        XCTAssertEqual(
            ExperimentRunner.failureReason(T(status: .exited(3), peakMemoryBytes: nil, timedOut: false, seconds: 1), timeout: nil, output: ["bye", ""]),
            "its process exited with code 3: bye")
        XCTAssertEqual(
            ExperimentRunner.failureReason(T(status: .exited(0), peakMemoryBytes: nil, timedOut: false, seconds: 1), timeout: nil, output: []),
            "its process ended without a result")
        XCTAssertEqual(
            ExperimentRunner.failureReason(T(status: .signaled(SIGSEGV), peakMemoryBytes: nil, timedOut: false, seconds: 1), timeout: nil, output: []),
            "killed by signal \(SIGSEGV) (SIGSEGV)")
    }

    /// With runs in parallel the experiment ETA shares the work left among them.
    func testTheExperimentETACountsParallelRuns() {
        func eta(parallel: Int) -> String {
            let sink = Lines(), clock = Clock()
            let reporter = ProgressReporter(mode: .plain, write: { sink.append($0) }, clock: { clock.now })
            reporter.experimentStarted(toTrain: 5, parallel: parallel)
            reporter.runStarted(runID: "a", label: "a", seed: 1, totalEpochs: 0)
            clock.now = 60
            reporter.runFinished(runID: "a", outcome: "ok")
            return sink.value.split(separator: "\n").last.map(String.init) ?? ""
        }
        XCTAssertTrue(eta(parallel: 1).hasSuffix("experiment ETA 4m00s"), eta(parallel: 1))
        XCTAssertTrue(eta(parallel: 2).hasSuffix("experiment ETA 2m00s"), eta(parallel: 2))
    }

    /// Runs finishing out of order are listed in run-list order (the table's row order).
    func testRecordsKeepTheRunListOrderWhateverOrderTheyFinishIn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("encore-order-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: false)
        let order = ["a-g0-s1": 0, "b-g0-s1": 1, "b-g1-s1": 2, "c-g0-s1": 3]
        for id in ["c-g0-s1", "b-g1-s1", "a-g0-s1", "b-g0-s1", "b-g1-s1"] {
            try store.append(RunRecord(model: "m", label: String(id.prefix(1)), seed: 1, runID: id), order: order)
        }
        XCTAssertEqual(store.results.runs.map(\.runID), ["a-g0-s1", "b-g0-s1", "b-g1-s1", "c-g0-s1"])
        XCTAssertEqual(try ResultStore.load(directory: directory).runs.map(\.runID), store.results.runs.map(\.runID))
    }

    /// Called as a library function, `run` executes in process, and says so for the options
    /// that need child processes.
    func testInProcessRunsRefuseJobsAndTimeout() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("encore-isolation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("spec.json")
        try Data("""
            {"name": "inproc", "dataset": {"name": "synthetic", "mode": "implicit",
              "synthetic": {"users": 120, "items": 40, "interactions_per_user": 8, "rank": 3, "seed": 1}},
             "protocol": {"kind": "strong-generalization", "held_out_users": 20, "seed": 1},
             "metrics": ["recall@5"], "seeds": [1], "models": [{"model": "popularity"}]}
            """.utf8).write(to: spec)
        let output = directory.appendingPathComponent("out").path
        XCTAssertEqual(EncoreCLI.run(["run", spec.path, "--output", output, "--quiet", "--jobs", "2"]), ExitCode.usage.rawValue)
        XCTAssertEqual(EncoreCLI.run(["run", spec.path, "--output", output, "--quiet", "--timeout", "5"]), ExitCode.usage.rawValue)
        XCTAssertEqual(EncoreCLI.run(["run", spec.path, "--output", output, "--quiet", "--jobs", "1"]), 0)
    }
}
