@testable import EncoreExperiments
import XCTest

final class ResultsTests: XCTestCase {
    func testResultsFileRoundTripsWithIssueKeyNames() throws {
        var file = ResultsFixture.file()
        file.runs[0].curve.append(CurvePoint(epoch: 3, loss: .nan, validation: nil, seconds: 3))
        let data = try file.encoded()
        let text = String(decoding: data, as: UTF8.self)
        for key in ["\"experiment\"", "\"spec_sha256\"", "\"data_sha256\"", "\"runs\"", "\"model\"", "\"label\"", "\"config\"",
                    "\"seed\"", "\"status\"", "\"validation\"", "\"test\"", "\"epochs_to_best\"", "\"train_seconds\"",
                    "\"eval_seconds\"", "\"peak_memory_bytes\"", "\"parameters\"", "\"curve\"", "\"run_id\"", "\"grid_point\"",
                    "\"provenance\"", "\"package_version\"", "\"git_commit\"", "\"toolchain\"", "\"cpu\"", "\"threads\"",
                    "\"os\"", "\"command_line\"", "\"started_at\"", "\"failure\"", "\"metric_definitions\""] {
            XCTAssertTrue(text.contains(key), "results.json lacks \(key)")
        }
        let decoded = try ResultsFile.decode(data)
        XCTAssertTrue(decoded.runs[0].curve.last!.loss.isNaN)
        file.runs[0].curve.removeLast()
        var withoutNaN = decoded
        withoutNaN.runs[0].curve.removeLast()
        XCTAssertEqual(withoutNaN, file)
    }

    func testJSONValueKeepsArbitraryConfigs() throws {
        let value: JSONValue = ["hidden": [600, 200], "dropout": 0.5, "name": "vae", "anneal": true, "cap": nil]
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(value.canonicalText.utf8))
        XCTAssertEqual(decoded, value)
        XCTAssertEqual(value.canonicalText, #"{"anneal":true,"cap":null,"dropout":0.5,"hidden":[600,200],"name":"vae"}"#)
        XCTAssertEqual(JSONValue.int(3).integerValue, 3)
        XCTAssertNil(JSONValue.double(3.5).integerValue)
        XCTAssertEqual(RunRecord.makeID("Mult VAE/β", gridIndex: 2, seed: 7), "Mult_VAE__-g2-s7")
    }

    func testAtomicWritesLeaveNoTemporaryFiles() throws {
        let directory = try temporaryDirectory()
        let url = directory.appendingPathComponent("nested/file.txt")
        try AtomicFile.write("first", to: url)
        try AtomicFile.write("second", to: url)
        XCTAssertEqual(try AtomicFile.read(url).map { String(decoding: $0, as: UTF8.self) }, "second")
        let store = try ResultStore(directory: directory.appendingPathComponent("exp"), identity: ResultsFixture.identity(), resume: false)
        for run in ResultsFixture.file().runs { try store.append(run) }
        try store.writeCheckpoint(Data([1, 2, 3]), runID: "strong-g1-s1")
        let leftovers = try allFiles(under: directory).filter { $0.lastPathComponent.hasPrefix(AtomicFile.temporaryPrefix) }
        XCTAssertEqual(leftovers, [])
    }

    func testStoreAppendsAndResumes() throws {
        let directory = try temporaryDirectory().appendingPathComponent("exp")
        let runs = ResultsFixture.file().runs
        do {
            let store = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: false)
            XCTAssertEqual(store.finishedRunIDs, [])
            try store.append(runs[0])
            try store.append(runs[1])
            try store.append(runs[1])
            try store.writeCheckpoint(Data("state".utf8), runID: runs[2].runID)
            XCTAssertEqual(try ResultStore.load(directory: directory).runs.count, 2)
        }
        do {
            let resumed = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: true)
            XCTAssertEqual(resumed.finishedRunIDs, [runs[0].runID, runs[1].runID])
            XCTAssertEqual(try resumed.readCheckpoint(runID: runs[2].runID), Data("state".utf8))
            try resumed.removeCheckpoint(runID: runs[2].runID)
            XCTAssertNil(try resumed.readCheckpoint(runID: runs[2].runID))
            try resumed.writeCheckpoint(Data("old".utf8), runID: runs[2].runID)
        }
        let fresh = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: false)
        XCTAssertEqual(fresh.finishedRunIDs, [])
        XCTAssertNil(try fresh.readCheckpoint(runID: runs[2].runID), "a fresh start must not see stale checkpoints")
    }

    /// One store at a time writes a directory: a second one (another process, or here another
    /// store in this one) is refused with exit 74 naming the holder, and nothing it would have
    /// cleared is touched; once the first is gone the directory opens again.
    func testSecondWriterOfADirectoryIsRefused() throws {
        let directory = try temporaryDirectory().appendingPathComponent("exp")
        var first: ResultStore? = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: false)
        try first?.append(ResultsFixture.file().runs[0])
        try first?.writeCheckpoint(Data("state".utf8), runID: "strong-g1-s1")
        for resume in [false, true] {
            XCTAssertThrowsError(try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: resume)) { error in
                guard let storeError = error as? ResultStoreError, case .locked(_, let holder) = storeError else {
                    return XCTFail("unexpected \(error)")
                }
                XCTAssertEqual(storeError.exitCode, .ioError)
                XCTAssertTrue(holder.contains("pid \(ProcessInfo.processInfo.processIdentifier)"), holder)
                XCTAssertTrue(storeError.description.contains("--output"), storeError.description)
            }
        }
        XCTAssertEqual(first?.finishedRunIDs.count, 1)
        XCTAssertEqual(try first?.readCheckpoint(runID: "strong-g1-s1"), Data("state".utf8), "the refused store cleared nothing")
        first = nil
        let second = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: true)
        XCTAssertEqual(second.finishedRunIDs.count, 1)
    }

    func testRefusesAnotherExperimentsDirectory() throws {
        let directory = try temporaryDirectory().appendingPathComponent("exp")
        do {
            let store = try ResultStore(directory: directory, identity: ResultsFixture.identity(), resume: false)
            try store.append(ResultsFixture.file().runs[0])
        }
        let before = try Data(contentsOf: directory.appendingPathComponent("results.json"))
        var otherName = ResultsFixture.identity()
        otherName.experiment = "other"
        var otherSpec = ResultsFixture.identity()
        otherSpec.specSHA256 = String(repeating: "f", count: 64)
        for identity in [otherName, otherSpec] {
            for resume in [false, true] {
                XCTAssertThrowsError(try ResultStore(directory: directory, identity: identity, resume: resume)) { error in
                    guard let storeError = error as? ResultStoreError, case .foreignExperiment = storeError else {
                        return XCTFail("unexpected \(error)")
                    }
                    XCTAssertEqual(storeError.exitCode, .usage)
                    XCTAssertTrue(storeError.description.contains("--output"), storeError.description)
                }
            }
        }
        XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("results.json")), before)

        let unrelated = try temporaryDirectory()
        try Data("notes".utf8).write(to: unrelated.appendingPathComponent("thesis.tex"))
        XCTAssertThrowsError(try ResultStore(directory: unrelated, identity: ResultsFixture.identity(), resume: false))
        XCTAssertTrue(FileManager.default.fileExists(atPath: unrelated.appendingPathComponent("thesis.tex").path))
    }

    func testPerUserMetricsAndLogRoundTrip() throws {
        let metrics = PerUserMetrics(userIDs: ["u1", "user, \"two\""], metricNames: ["ndcg@100", "recall@20"],
                                     values: ["ndcg@100": [0.25, .nan], "recall@20": [1, 0.1]])
        let parsed = try PerUserMetrics.parse(metrics.csv, path: "x.csv")
        XCTAssertEqual(parsed.userIDs, metrics.userIDs)
        XCTAssertEqual(parsed.values["recall@20"], [1, 0.1])
        XCTAssertTrue(parsed.values["ndcg@100"]![1].isNaN)
        XCTAssertThrowsError(try PerUserMetrics.parse("user,a\nu1,zz\n", path: "bad.csv")) { error in
            XCTAssertTrue("\(error)".contains("bad.csv") && "\(error)".contains("line 2"), "\(error)")
        }
        let store = try ResultStore(directory: try temporaryDirectory(), identity: ResultsFixture.identity(), resume: false)
        try store.writePerUserMetrics(metrics, runID: "r1")
        XCTAssertEqual(try store.readPerUserMetrics(runID: "r1")?.userIDs, metrics.userIDs)
        XCTAssertNil(try store.readPerUserMetrics(runID: "missing"))
        try store.appendLog("epoch 1", runID: "r1")
        try store.appendLog("epoch 2\n", runID: "r1")
        XCTAssertEqual(try store.readLog(runID: "r1"), "epoch 1\nepoch 2\n")
    }

    func testMergesShardsAndRejectsMixedExperiments() throws {
        let root = try temporaryDirectory()
        let runs = ResultsFixture.file().runs
        let shards = [root.appendingPathComponent("shard1"), root.appendingPathComponent("shard2")]
        for (index, shard) in shards.enumerated() {
            let store = try ResultStore(directory: shard, identity: ResultsFixture.identity(), resume: false)
            for (position, run) in runs.enumerated() where position % 2 == index {
                try store.append(run)
                if let metrics = ResultsFixture.perUser[run.runID] { try store.writePerUserMetrics(metrics, runID: run.runID) }
            }
        }
        let merged = try MergedResults.load(directories: shards)
        XCTAssertEqual(Set(merged.file.runs.map(\.runID)), Set(runs.map(\.runID)))
        XCTAssertEqual(Set(merged.perUser.keys), Set(ResultsFixture.perUser.keys))

        var other = ResultsFixture.identity()
        other.experiment = "other"
        _ = try ResultStore(directory: root.appendingPathComponent("other"), identity: other, resume: false)
        XCTAssertThrowsError(try MergedResults.load(directories: [shards[0], root.appendingPathComponent("other")]))
    }

    func testPeakMemoryGrowsWithAnAllocation() throws {
        #if os(Linux)
        XCTAssertTrue(PeakMemory.reset(), "clear_refs should be writable by the process itself")
        let before = try XCTUnwrap(PeakMemory.bytes())
        let block = [UInt8](repeating: 1, count: 64 << 20)
        let after = try XCTUnwrap(PeakMemory.bytes())
        XCTAssertGreaterThanOrEqual(after, before + (60 << 20), "a touched 64 MiB block must raise the peak")
        XCTAssertEqual(block[block.count - 1], 1)
        #endif
    }

    func testProvenanceIsCollected() {
        let provenance = Provenance.collect(threads: 2, commandLine: ["encore", "run", "x.json"])
        XCTAssertTrue(provenance.toolchain.hasPrefix("Swift 6"))
        XCTAssertFalse(provenance.cpu.isEmpty)
        XCTAssertFalse(provenance.os.isEmpty)
        XCTAssertEqual(provenance.commandLine, "encore run x.json")
        XCTAssertNotNil(ISO8601DateFormatter().date(from: provenance.startedAt))
        if let commit = provenance.gitCommit { XCTAssertEqual(commit.count, 40) }
    }
}

extension XCTestCase {
    /// A new empty directory under the system temporary directory, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("encore-tests-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// Every regular file under `directory`, hidden ones included.
func allFiles(under directory: URL) throws -> [URL] {
    let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
    return (enumerator?.allObjects as? [URL] ?? []).filter { !$0.hasDirectoryPath }
}
