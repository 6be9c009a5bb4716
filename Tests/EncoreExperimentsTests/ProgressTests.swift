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
}
