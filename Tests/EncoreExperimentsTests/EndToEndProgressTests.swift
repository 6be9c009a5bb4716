import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end progress lines, `run.log` and Ctrl-C of the built binary.
final class EndToEndProgressTests: XCTestCase {
    /// Lines of `text` that start with `prefix`.
    private func lines(_ text: String, startingWith prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    func testProgressLinesNameTheGridPointAndThePlaceAndRunLogKeepsThem() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let models = """
            {"model": "popularity", "label": "Pop"},
            {"model": "ease", "grid": {"lambda": [10, 100]}},
            {"model": "mult-dae", "config": {"hidden_sizes": [8], "batch_size": 16}}
            """
        try harness.write(smallRankingSpec(models: models, seeds: "[1]"), to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out")
        XCTAssertEqual(result.code, 0, result.summary)
        let stderr = result.stderr

        // The bracket names the grid point (entries with a grid only), then `run k/N`.
        XCTAssertEqual(lines(stderr, startingWith: "[Pop seed 1] run 1/4").count, 2, "started and fitted\n\(stderr)")
        XCTAssertFalse(lines(stderr, startingWith: "[ease lambda=10 seed 1] run 2/4").isEmpty, stderr)
        XCTAssertFalse(lines(stderr, startingWith: "[ease lambda=100 seed 1] run 3/4").isEmpty, stderr)
        let dae = lines(stderr, startingWith: "[mult-dae seed 1] run 4/4")
        XCTAssertTrue(dae.contains { $0.contains("started (3 epochs max)") }, stderr)
        XCTAssertTrue(dae.contains { $0.contains("epoch 1/3  loss ") }, stderr)
        // An experiment-level ETA once a run has finished.
        XCTAssertTrue(lines(stderr, startingWith: "[ease lambda=100 seed 1]").contains { $0.contains("experiment ETA ") }, stderr)

        // Closed-form models: `fitted`, no loss, no epoch budget.
        let closedForm = lines(stderr, startingWith: "[Pop") + lines(stderr, startingWith: "[ease")
        XCTAssertTrue(closedForm.contains { $0.contains("  fitted  ndcg@10 ") }, stderr)
        for line in closedForm {
            XCTAssertFalse(line.contains("nan") || line.contains("epochs max") || line.contains("loss") || line.contains("epoch "), line)
        }

        // run.log holds the same plain lines, then the table without escapes and the summary.
        let log = try harness.read("out/run.log")
        XCTAssertFalse(log.contains("\r") || log.contains("\u{1B}"), log)
        for line in stderr.split(separator: "\n") {
            XCTAssertTrue(log.contains(line + "\n"), "run.log lacks: \(line)\n\(log)")
        }
        XCTAssertTrue(log.contains("| Pop |"), log)
        XCTAssertTrue(log.contains("4 runs ok, 0 failed, 0 already done"), log)

        // --resume appends; a fresh run starts the log anew; `table` does not mind it.
        let resumed = try harness.run("run", "spec.json", "--output", "out", "--resume", "--quiet")
        XCTAssertEqual(resumed.code, 0, resumed.summary)
        let appended = try harness.read("out/run.log")
        XCTAssertTrue(appended.hasPrefix(log), "appended to\n\(appended)")
        XCTAssertTrue(appended.dropFirst(log.count).contains("0 runs ok, 0 failed, 4 already done"), "--quiet still logs\n\(appended)")
        XCTAssertEqual(try harness.run("table", "out", "--quiet").code, 0)
        let fresh = try harness.run("run", "spec.json", "--output", "out", "--quiet")
        XCTAssertEqual(fresh.code, 0, fresh.summary)
        let restarted = try harness.read("out/run.log")
        XCTAssertFalse(restarted.contains("4 already done"), restarted)
        XCTAssertEqual(lines(restarted, startingWith: "[Pop seed 1] run 1/4").count, 2, restarted)

        // A directory holding only a log (and runs/) is still a result directory.
        try FileManager.default.createDirectory(at: harness.url("logged/runs"), withIntermediateDirectories: true)
        try harness.write("an earlier log\n", to: "logged/run.log")
        let logged = try harness.run("run", "spec.json", "--output", "logged", "--quiet", "--set", "models=[{\"model\": \"popularity\"}]")
        XCTAssertEqual(logged.code, 0, logged.summary)
    }

    /// Ctrl-C prints the command that resumes (the same arguments plus --resume) and exits 130.
    func testInterruptPrintsTheResumeCommandAndExits130() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let models = #"{"model": "popularity"}, {"model": "mult-dae", "config": {"hidden_sizes": [8], "batch_size": 16}}"#
        try harness.write(smallRankingSpec(models: models, seeds: "[1]")
            .replacingOccurrences(of: #""patience": 2, "max_epochs": 3"#, with: #""patience": 0, "max_epochs": 1000000"#), to: "spec.json")
        let (process, _, err) = try harness.start(["run", "spec.json", "--output", "out", "--checkpoint-every", "2"])
        let deadline = Date().addingTimeInterval(120)
        var stderr = ""
        while process.isRunning && Date() < deadline {
            stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            if stderr.contains("[mult-dae seed 1] run 2/2  epoch 1/") { break }
            usleep(10_000)
        }
        XCTAssertTrue(process.isRunning, "still training\n\(stderr)")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationReason, .exit, stderr)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        let last = try XCTUnwrap(stderr.split(separator: "\n").last.map(String.init))
        XCTAssertTrue(last.hasPrefix("encore: interrupted"), stderr)
        XCTAssertTrue(last.hasSuffix(" run spec.json --output out --checkpoint-every 2 --resume"), stderr)
        XCTAssertTrue(try harness.read("out/run.log").hasSuffix(last + "\n"), "the log ends with the same line")
        let runs = try XCTUnwrap(try harness.json("out/results.json")["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["run_id"] as? String ?? "" }, ["popularity-g0-s1"], "the finished run is kept")
    }
}
