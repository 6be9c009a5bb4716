@testable import EncoreExperiments
import XCTest

/// Collects written text; thread-safe.
private final class Sink: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: [String] = []
    func append(_ text: String) { lock.withLock { chunks.append(text) } }
    var text: String { lock.withLock { chunks.joined() } }
}

/// A settable clock.
private final class FakeClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now = 0.0
    func advance(_ seconds: Double) { lock.withLock { now += seconds } }
    var value: Double { lock.withLock { now } }
}

final class ProgressTests: XCTestCase {
    func testPlainModeWritesOneLinePerEvent() {
        let sink = Sink(), clock = FakeClock()
        let reporter = ProgressReporter(mode: .plain, write: { sink.append($0) }, clock: { clock.value })
        reporter.runStarted(runID: "r", label: "Mult-VAE", seed: 1, totalEpochs: 10)
        clock.advance(20)
        reporter.epochFinished(runID: "r", epoch: 2, loss: 512.25, validation: ("ndcg@100", 0.41234))
        reporter.runFinished(runID: "r", outcome: "ok, test ndcg@100 0.4200")
        let lines = sink.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[1], "[Mult-VAE seed 1] epoch 2/10  loss 512.2500  ndcg@100 0.4123  elapsed 20s  ETA 1m20s")
        XCTAssertEqual(lines[2], "[Mult-VAE seed 1] ok, test ndcg@100 0.4200 (20s)")
        XCTAssertFalse(sink.text.contains("\r"))
    }

    func testLiveModeRewritesTheLineAndQuietIsSilent() {
        let sink = Sink()
        let live = ProgressReporter(mode: .live, write: { sink.append($0) }, clock: { 0 })
        live.runStarted(runID: "r", label: "EASE", seed: 2, totalEpochs: 3)
        live.epochFinished(runID: "r", epoch: 1, loss: .nan)
        live.epochFinished(runID: "r", epoch: 2, loss: 1e-5)
        live.runFinished(runID: "r", outcome: "failed: loss became NaN")
        let text = sink.text
        XCTAssertEqual(text.components(separatedBy: "\r").count - 1, 3, "two rewrites and one clear before the final line")
        XCTAssertTrue(text.contains("loss nan") && text.contains("loss 1.000e-05"))
        XCTAssertTrue(text.hasSuffix("[EASE seed 2] failed: loss became NaN (0s)\n"))
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1)

        let quietSink = Sink()
        let quiet = ProgressReporter(mode: .quiet, write: { quietSink.append($0) })
        quiet.runStarted(runID: "r", label: "x", seed: 1, totalEpochs: 1)
        quiet.epochFinished(runID: "r", epoch: 1, loss: 1)
        quiet.runFinished(runID: "r", outcome: "ok")
        quiet.message("hello")
        XCTAssertEqual(quietSink.text, "")
        XCTAssertEqual(ProgressReporter.Mode.automatic(quiet: true), .quiet)
    }

    func testConcurrentCallsKeepLinesWhole() {
        let sink = Sink()
        let reporter = ProgressReporter(mode: .plain, write: { sink.append($0) }, clock: { 0 })
        DispatchQueue.concurrentPerform(iterations: 8) { run in
            reporter.runStarted(runID: "r\(run)", label: "m\(run)", seed: run, totalEpochs: 50)
            for epoch in 1...50 { reporter.epochFinished(runID: "r\(run)", epoch: epoch, loss: Double(epoch)) }
            reporter.runFinished(runID: "r\(run)", outcome: "ok")
        }
        let lines = sink.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 8 * 52)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("[m") })
        XCTAssertEqual(ProgressReporter.duration(3725), "1h02m")
    }

    func testLinesNameTheGridPointThePlaceAndTheExperimentETA() {
        let sink = Sink(), clock = FakeClock()
        let reporter = ProgressReporter(mode: .plain, write: { sink.append($0) }, clock: { clock.value })
        reporter.experimentStarted(toTrain: 3)
        reporter.runStarted(runID: "a", label: "ease", gridPoint: "lambda=500", seed: 1, totalEpochs: 0, position: (1, 4))
        clock.advance(10)
        reporter.epochFinished(runID: "a", epoch: 1, totalEpochs: 1, loss: nil, validation: ("ndcg@100", 0.5))
        reporter.runFinished(runID: "a", outcome: "ok")
        reporter.runStarted(runID: "b", label: "Mult-VAE", gridPoint: "beta=0.2 lr=0.001", seed: 2, totalEpochs: 10, position: (3, 4))
        clock.advance(4)
        reporter.epochFinished(runID: "b", epoch: 1, loss: 2, validation: nil)
        let lines = sink.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "[ease lambda=500 seed 1] run 1/4 started",
            "[ease lambda=500 seed 1] run 1/4  fitted  ndcg@100 0.5000  elapsed 10s",
            "[ease lambda=500 seed 1] ok (10s)  experiment ETA 20s",
            "[Mult-VAE beta=0.2 lr=0.001 seed 2] run 3/4 started (10 epochs max)",
            // The run's own ETA (36s) plus the mean run (10s) for the one left after it.
            "[Mult-VAE beta=0.2 lr=0.001 seed 2] run 3/4  epoch 1/10  loss 2.0000  elapsed 4s  ETA 36s  experiment ETA 46s",
        ])
    }

    func testAResumedRunSaysWhereItResumedAndTimesOnlyItsOwnEpochs() {
        let sink = Sink(), clock = FakeClock()
        let reporter = ProgressReporter(mode: .plain, write: { sink.append($0) }, clock: { clock.value })
        reporter.runStarted(runID: "r", label: "CDAE", seed: 1, totalEpochs: 10, resuming: true)
        clock.advance(5)
        reporter.epochFinished(runID: "r", epoch: 6, loss: 1)
        let lines = sink.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "[CDAE seed 1] started (10 epochs max), from its checkpoint",
            "[CDAE seed 1] resumed at epoch 5",
            "[CDAE seed 1] epoch 6/10  loss 1.0000  elapsed 5s  ETA 20s",
        ])
    }

    func testTheLogGetsPlainLinesInEveryModeAndIsAppendedTo() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("encore-progress-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: url) }
        for (mode, append) in [(ProgressReporter.Mode.live, false), (.quiet, true)] {
            let reporter = ProgressReporter(mode: mode, write: { _ in }, clock: { 0 })
            reporter.message("loading")  // before the log opens: kept, then written first
            try reporter.openLog(at: url, append: append)
            reporter.runStarted(runID: "r", label: "m", seed: 1, totalEpochs: 2)
            reporter.epochFinished(runID: "r", epoch: 1, loss: 1)
            reporter.runFinished(runID: "r", outcome: "ok")
            reporter.logOnly("| table |")
        }
        let once = "loading\n[m seed 1] started (2 epochs max)\n[m seed 1] epoch 1/2  loss 1.0000  elapsed 0s  ETA 0s\n[m seed 1] ok (0s)\n| table |\n"
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), once + once)
    }
}
