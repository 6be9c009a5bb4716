import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end: a damaged checkpoint, or one without a checksum, is refused on `--resume`; the
/// run restarts from scratch with a warning and ends with the numbers of an uninterrupted run.
final class EndToEndCheckpointTests: XCTestCase {
    func testDamagedCheckpointRestartsTheRunFromScratch() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings(users: 150, items: 60)
        let models = #"{"model": "mult-dae", "config": {"hidden_sizes": [16], "batch_size": 8}}"#
        try harness.write(smallRankingSpec(models: models, seeds: "[1]")
            .replacingOccurrences(of: #""patience": 2, "max_epochs": 3"#, with: #""patience": 0, "max_epochs": 25"#), to: "spec.json")
        let plain = try harness.run("run", "spec.json", "--output", "plain", "--quiet")
        XCTAssertEqual(plain.code, 0, plain.summary)
        let expected = try harness.outcomes("plain")
        XCTAssertEqual(expected.count, 1)

        // Kill the run right after its first checkpoint.
        let (process, _, _) = try harness.start(["run", "spec.json", "--output", "cut", "--quiet", "--checkpoint-every", "1"])
        let checkpoint = harness.url("cut/runs/mult-dae-g0-s1/checkpoint.bin")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && process.isRunning && Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let saved = try Data(contentsOf: checkpoint)

        // One flipped byte in the middle (a weight): refused, restarted, same numbers.
        var damaged = saved
        damaged[damaged.count / 2] ^= 0x10
        try damaged.write(to: checkpoint)
        let resumed = try harness.run("run", "spec.json", "--output", "cut", "--resume", "--quiet")
        XCTAssertEqual(resumed.code, 0, resumed.summary)
        XCTAssertTrue(resumed.stderr.contains("warning: [mult-dae seed 1] the checkpoint "), resumed.summary)
        XCTAssertTrue(resumed.stderr.contains("checksum does not match"), resumed.summary)
        XCTAssertTrue(resumed.stderr.contains("the run restarts from scratch"), resumed.summary)
        XCTAssertTrue(try harness.read("cut/runs/mult-dae-g0-s1/log.txt").contains("restarts from scratch"))
        XCTAssertEqual(try harness.outcomes("cut"), expected, "a restarted run equals an uninterrupted one")
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.path))

        // A checkpoint of the first layout (no checksum) is refused the same way.
        var unchecked = Data("ENCORECK1\n".utf8)
        unchecked.append(saved.dropFirst(10).dropLast(32))
        try FileManager.default.createDirectory(at: harness.url("old/runs/mult-dae-g0-s1"), withIntermediateDirectories: true)
        try unchecked.write(to: harness.url("old/runs/mult-dae-g0-s1/checkpoint.bin"))
        let old = try harness.run("run", "spec.json", "--output", "old", "--resume", "--quiet")
        XCTAssertEqual(old.code, 0, old.summary)
        XCTAssertTrue(old.stderr.contains("without a checksum") && old.stderr.contains("restarts from scratch"), old.summary)
        XCTAssertEqual(try harness.outcomes("old"), expected)
    }
}
