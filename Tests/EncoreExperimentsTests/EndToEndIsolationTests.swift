import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end run isolation of the built binary: each run in a child process, with its own peak
/// memory; a crash, a kill or `--timeout` fails that run only; `--jobs 2` gives the numbers of
/// `--jobs 1`; Ctrl-C ends the children, and `--resume` continues in a new child.
final class EndToEndIsolationTests: XCTestCase {
    /// A gradient model that trains until stopped, then Popularity.
    private let endlessThenPopularity = """
        {"model": "mult-dae", "config": {"hidden_sizes": [8], "batch_size": 16}},
        {"model": "popularity"}
        """

    private func endlessSpec(_ harness: EncoreHarness, models: String? = nil) throws {
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: models ?? endlessThenPopularity, seeds: "[1]")
            .replacingOccurrences(of: #""patience": 2, "max_epochs": 3"#, with: #""patience": 0, "max_epochs": 1000000"#), to: "spec.json")
    }

    /// The runs of `directory`'s results.json by run ID.
    private func runs(_ harness: EncoreHarness, _ directory: String) throws -> [String: [String: Any]] {
        let list = try XCTUnwrap(try harness.json("\(directory)/results.json")["runs"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["run_id"] as? String ?? "?", $0) })
    }

    /// Waits until `err` (standard error of `process`) contains `text`; false on timeout or exit.
    private func waitFor(_ text: String, in err: URL, of process: Process, seconds: Double = 120) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline {
            if ((try? String(contentsOf: err, encoding: .utf8)) ?? "").contains(text) { return true }
            usleep(10_000)
        }
        return false
    }

    #if os(Linux)
    /// The child processes of `pid` (every thread's).
    private func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [pid_t] in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { pid_t($0) }
        }
    }

    /// Whether `pid` is still a live process (not gone, not a zombie waiting to be reaped).
    private func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
    #endif

    func testEachRunHasItsOwnPeakMemory() throws {
        let harness = try EncoreHarness()
        // A Mult-DAE of 3000 x 2000 x 3000 (4M parameters, with gradients and Adam's two slots
        // about 64 MB) runs first; Popularity after it must not show its memory.
        let spec = """
            {
              "name": "memory",
              "dataset": {"name": "synthetic", "mode": "implicit",
                          "synthetic": {"users": 80, "items": 3000, "interactions_per_user": 20, "rank": 4, "seed": 3}},
              "protocol": {"kind": "strong-generalization", "held_out_users": 10, "seed": 1},
              "metrics": ["recall@10"],
              "selection": {"metric": "recall@10", "patience": 1, "max_epochs": 1},
              "seeds": [1],
              "models": [{"model": "mult-dae", "config": {"hidden_sizes": [2000], "batch_size": 64}}, {"model": "popularity"}]
            }
            """
        try harness.write(spec, to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out", "--quiet")
        XCTAssertEqual(result.code, 0, result.summary)
        let runs = try runs(harness, "out")
        let big = try XCTUnwrap(runs["mult-dae-g0-s1"]?["peak_memory_bytes"] as? Int)
        let small = try XCTUnwrap(runs["popularity-g0-s1"]?["peak_memory_bytes"] as? Int)
        XCTAssertGreaterThan(small, 1_000_000, "a real figure")
        XCTAssertGreaterThan(big - small, 40_000_000, "Mult-DAE \(big) bytes, Popularity \(small) bytes")

        // The table's column shows the two figures.
        let table = csvColumns(try harness.read("out/table.csv"))
        let column = try XCTUnwrap(table.header.firstIndex(of: "peak_memory_mb"), "\(table.header)")
        let peaks = table.rows.map { Double($0[column]) ?? 0 }
        XCTAssertEqual(peaks.count, 2)
        XCTAssertGreaterThan(peaks[0] - peaks[1], 40, "\(peaks)")
    }

    func testACrashingRunIsRecordedFailedAndTheOthersComplete() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(seeds: "[1]"), to: "spec.json")
        let plain = try harness.run("run", "spec.json", "--output", "plain", "--quiet")
        XCTAssertEqual(plain.code, 0, plain.summary)
        let expected = try harness.outcomes("plain")

        let crashed = try harness.run(["run", "spec.json", "--output", "out"], environment: ["ENCORE_TEST_CRASH_RUN": "ease-g1-s1"])
        XCTAssertEqual(crashed.code, 1, crashed.summary)
        XCTAssertTrue(crashed.stderr.contains("3 runs ok, 1 failed"), crashed.summary)
        let runs = try runs(harness, "out")
        XCTAssertEqual(runs.count, 4)
        let failure = try XCTUnwrap(runs["ease-g1-s1"]?["failure"] as? String)
        XCTAssertEqual(runs["ease-g1-s1"]?["status"] as? String, "failed")
        XCTAssertNotNil(failure.range(of: #"^killed by signal \d+ \((SIGILL|SIGTRAP)\): .*Fatal error: ENCORE_TEST_CRASH_RUN"#,
                                      options: .regularExpression), failure)
        XCTAssertNotNil(runs["ease-g1-s1"]?["peak_memory_bytes"] as? Int)
        XCTAssertNotNil(crashed.stderr.range(of: #"\[ease lambda=100 seed 1\] failed: killed by signal"#, options: .regularExpression),
                        crashed.summary)
        // The others ran as if nothing had happened, the crash's message is in the run's log,
        // and the tables were written.
        var others = try harness.outcomes("out")
        others["ease-g1-s1"] = nil
        XCTAssertEqual(others, expected.filter { $0.key != "ease-g1-s1" })
        XCTAssertTrue(try harness.read("out/runs/ease-g1-s1/log.txt").contains("Fatal error: ENCORE_TEST_CRASH_RUN"))
        XCTAssertTrue(harness.exists("out/table.md"))
    }

    func testARunKilledBySignal9IsRecordedAsOutOfMemory() throws {
        #if os(Linux)
        let harness = try EncoreHarness()
        try endlessSpec(harness)
        let (process, _, err) = try harness.start(["run", "spec.json", "--output", "out"])
        XCTAssertTrue(waitFor("[mult-dae seed 1] run 1/2  epoch 2/", in: err, of: process), "training")
        let child = try XCTUnwrap(children(of: process.processIdentifier).first, "the run's process")
        kill(child, SIGKILL)  // what the out-of-memory killer does
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 1, stderr)
        let runs = try runs(harness, "out")
        XCTAssertEqual(runs["mult-dae-g0-s1"]?["failure"] as? String, "killed by signal 9 (out of memory?)", stderr)
        XCTAssertEqual(runs["popularity-g0-s1"]?["status"] as? String, "ok", "the experiment went on\n\(stderr)")
        #else
        throw XCTSkip("finds the child process through /proc")
        #endif
    }

    func testTimeoutKillsTheRunAndTheExperimentGoesOn() throws {
        let harness = try EncoreHarness()
        try endlessSpec(harness)
        let started = Date()
        let result = try harness.run("run", "spec.json", "--output", "out", "--timeout", "2")
        XCTAssertEqual(result.code, 1, result.summary)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60)
        let runs = try runs(harness, "out")
        let timedOut = try XCTUnwrap(runs["mult-dae-g0-s1"])
        XCTAssertEqual(timedOut["status"] as? String, "failed")
        XCTAssertEqual(timedOut["failure"] as? String, "timed out after 2 s")
        let seconds = try XCTUnwrap(timedOut["train_seconds"] as? Double)
        XCTAssertTrue((2..<30).contains(seconds), "\(seconds)")
        XCTAssertEqual(runs["popularity-g0-s1"]?["status"] as? String, "ok", result.summary)
        XCTAssertTrue(result.stderr.contains("[mult-dae seed 1] failed: timed out after 2 s"), result.summary)

        for bad in ["0", "-1", "soon"] {
            let refused = try harness.run("run", "spec.json", "--output", "bad", "--timeout", bad)
            XCTAssertEqual(refused.code, 64, "--timeout \(bad)\n\(refused.summary)")
        }
    }

    func testTwoJobsGiveTheNumbersOfOneAndWholeLines() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(), to: "spec.json")
        let one = try harness.run("run", "spec.json", "--output", "one", "--jobs", "1")
        XCTAssertEqual(one.code, 0, one.summary)
        let two = try harness.run("run", "spec.json", "--output", "two", "--jobs", "2", "--threads", "1")
        XCTAssertEqual(two.code, 0, two.summary)
        XCTAssertEqual(try harness.outcomes("two").count, 8)
        XCTAssertEqual(try harness.outcomes("two"), try harness.outcomes("one"))
        XCTAssertTrue(two.stderr.contains("8 runs ok, 0 failed"), two.summary)
        // Runs are listed in run-list order, whenever they finished: the same table.
        let ids = { (directory: String) in
            try XCTUnwrap(try harness.json("\(directory)/results.json")["runs"] as? [[String: Any]]).map { $0["run_id"] as? String ?? "" }
        }
        XCTAssertEqual(try ids("two"), try ids("one"))
        XCTAssertEqual(csvColumns(try harness.read("two/table.csv")).rows.map { $0[0] },
                       csvColumns(try harness.read("one/table.csv")).rows.map { $0[0] })

        // Every progress line is whole: one run's bracket at its start, never a second one.
        let log = try harness.read("two/run.log")
        for line in log.split(separator: "\n") where line.hasPrefix("[") {
            XCTAssertEqual(line.components(separatedBy: " seed ").count, 2, "a mixed line: \(line)")
            XCTAssertNil(line.dropFirst().range(of: #"\[[A-Za-z-]+( [a-z_]+=[0-9.]+)* seed \d\]"#, options: .regularExpression),
                         "a mixed line: \(line)")
        }
        XCTAssertEqual(try harness.run("run", "spec.json", "--output", "bad", "--jobs", "0").code, 64)
    }

    func testCtrlCEndsTheChildrenAndResumeContinuesInAChild() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let models = """
            {"model": "mult-dae", "config": {"hidden_sizes": [8], "batch_size": 16}},
            {"model": "mult-vae", "config": {"encoder_sizes": [8], "latent_size": 4, "batch_size": 16}}
            """
        try harness.write(smallRankingSpec(models: models, seeds: "[1]")
            .replacingOccurrences(of: #""patience": 2, "max_epochs": 3"#, with: #""patience": 0, "max_epochs": 150"#), to: "spec.json")
        let plain = try harness.run("run", "spec.json", "--output", "plain", "--quiet")
        XCTAssertEqual(plain.code, 0, plain.summary)

        let (process, _, err) = try harness.start(["run", "spec.json", "--output", "cut", "--jobs", "2", "--checkpoint-every", "1"])
        XCTAssertTrue(waitFor("[mult-vae seed 1] run 2/2  epoch 3/", in: err, of: process), "both runs training")
        #if os(Linux)
        let children = children(of: process.processIdentifier)
        XCTAssertEqual(children.count, 2, "one process per run")
        #endif
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationReason, .exit, stderr)
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.hasSuffix(" run spec.json --output cut --jobs 2 --checkpoint-every 1 --resume\n"), stderr)
        #if os(Linux)
        for child in children { XCTAssertFalse(isAlive(child), "run process \(child) outlived encore run") }
        #endif

        let resumed = try harness.run("run", "spec.json", "--output", "cut", "--jobs", "2", "--resume", "--quiet")
        XCTAssertEqual(resumed.code, 0, resumed.summary)
        XCTAssertEqual(try harness.outcomes("cut"), try harness.outcomes("plain"), "resumed runs end as uninterrupted ones")
    }

    func testTheChildCommandIsHiddenAndRefusesToRunAlone() throws {
        let harness = try EncoreHarness()
        XCTAssertFalse(try harness.run("--help").stdout.contains("_run-one"))
        let alone = try harness.run("_run-one")
        XCTAssertEqual(alone.code, 64, alone.summary)
        XCTAssertTrue(alone.stderr.isEmpty || !alone.stderr.contains("Fatal"), alone.summary)
    }
}
