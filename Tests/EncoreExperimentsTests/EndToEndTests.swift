import Foundation
import XCTest

/// End-to-end tests of the built `encore` binary: help layout, listings, and every error exit code.
final class EndToEndTests: XCTestCase {
    func testHelpVersionAndSubcommandHelpLayout() throws {
        let harness = try EncoreHarness()
        let help = try harness.run("--help")
        XCTAssertEqual(help.code, 0, help.summary)
        for section in ["OVERVIEW:", "USAGE: encore", "OPTIONS:", "SUBCOMMANDS:", "EXIT CODES:"] {
            XCTAssertTrue(help.stdout.contains(section), "--help lacks \(section)\n\(help.summary)")
        }
        let version = try harness.run("--version")
        XCTAssertEqual(version.code, 0)
        XCTAssertNotNil(version.stdout.range(of: #"^encore \d+\.\d+\.\d+"#, options: .regularExpression), version.summary)

        for command in [["run"], ["validate"], ["table"], ["models"], ["data", "info"], ["data", "fetch"], ["bench", "model"]] {
            let result = try harness.run(command + ["--help"])
            XCTAssertEqual(result.code, 0, result.summary)
            let overview = result.stdout.range(of: "OVERVIEW:")
            let usage = result.stdout.range(of: "USAGE: encore \(command.joined(separator: " "))")
            let options = result.stdout.range(of: "OPTIONS:")
            XCTAssertNotNil(overview, "\(command) --help\n\(result.summary)")
            XCTAssertNotNil(usage, "\(command) --help\n\(result.summary)")
            XCTAssertNotNil(options, "\(command) --help\n\(result.summary)")
            if let overview, let usage, let options {
                XCTAssertTrue(overview.lowerBound < usage.lowerBound && usage.lowerBound < options.lowerBound, "\(command): section order")
            }
        }
        let run = try harness.run("run", "--help")
        for option in ["--set", "--threads", "--resume", "--shard", "--save-recommendations", "--output", "--quiet", "ARGUMENTS:"] {
            XCTAssertTrue(run.stdout.contains(option), "run --help lacks \(option)")
        }
        let unknown = try harness.run("run", "--no-such-option", "x.json")
        XCTAssertEqual(unknown.code, 64, unknown.summary)
    }

    func testModelsJSONListsTheFifteenModels() throws {
        let harness = try EncoreHarness()
        let result = try harness.run("models", "--json")
        XCTAssertEqual(result.code, 0, result.summary)
        let list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let names = Set(list.compactMap { $0["name"] as? String })
        XCTAssertEqual(names, [
            "i-autorec", "u-autorec", "deeprec", "global-mean", "user-mean", "item-mean", "biased-mf",
            "cdae", "dae", "mult-vae", "mult-dae", "svae", "ease", "popularity", "item-knn",
        ])
        XCTAssertEqual(list.count, 15)
        let ease = try XCTUnwrap(list.first { $0["name"] as? String == "ease" })
        let keys = (ease["config_keys"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        XCTAssertTrue(keys.contains("lambda") && keys.contains("memory_limit_mb"), "\(keys)")
    }

    func testDataInfoJSONCountsASmallFile() throws {
        let harness = try EncoreHarness()
        try harness.write("a\tx\t5\t1\nb\ty\t3\t2\nb\tx\t4\t3\nc\tz\t2\t4\nc\tz\t5\t5\n", to: "small.tsv")
        let result = try harness.run("data", "info", "small.tsv", "--separator", "\t", "--columns", "0,1,2,3", "--json")
        XCTAssertEqual(result.code, 0, result.summary)
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(info["users"] as? Int, 3)
        XCTAssertEqual(info["items"] as? Int, 3)
        XCTAssertEqual(info["interactions"] as? Int, 4, "the repeated (c, z) pair is deduplicated")
        XCTAssertEqual((info["before"] as? [String: Any])?["interactions"] as? Int, 5)
        let implicit = try harness.run("data", "info", "small.tsv", "--separator", "\t", "--columns", "0,1,2,3", "--implicit", "4", "--json")
        let implicitInfo = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(implicit.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(implicitInfo["interactions"] as? Int, 3, implicit.summary)
    }

    func testInvalidSpecsExit64NamingTheJSONPathAndWriteNothing() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let cases: [(String, String, [String])] = [
            ("unknown key", smallRankingSpec(extra: #", "treads": 2"#), ["treads"]),
            ("wrong type", smallRankingSpec().replacingOccurrences(of: #""held_out_users": 15"#, with: #""held_out_users": "15""#),
             ["protocol.held_out_users", "integer"]),
            ("unknown model", smallRankingSpec(models: #"{"model": "mult-vea"}"#), ["models[0].model", "mult-vea"]),
            ("unknown config key", smallRankingSpec(models: #"{"model": "ease", "config": {"lamda": 5}}"#), ["models[0].config.lamda"]),
            ("rmse on implicit", smallRankingSpec(models: #"{"model": "ease", "metrics": ["rmse"]}"#), ["models[0].metrics[0]", "rmse"]),
        ]
        for (what, spec, needles) in cases {
            try harness.write(spec, to: "bad.json")
            for command in ["validate", "run"] {
                let options = command == "run" ? ["--output", "out-bad", "--quiet"] : []
                let result = try harness.run([command, "bad.json"] + options)
                XCTAssertEqual(result.code, 64, "\(what) (\(command)): \(result.summary)")
                for needle in needles {
                    XCTAssertTrue(result.stderr.contains(needle), "\(what) (\(command)): stderr lacks \(needle)\n\(result.summary)")
                }
            }
            XCTAssertFalse(harness.exists("out-bad"), "\(what): an invalid spec must write nothing")
        }
        // Several problems are all reported, one line each.
        try harness.write(smallRankingSpec(seeds: "[1.5]", extra: #", "treads": 2"#), to: "two.json")
        let two = try harness.run("validate", "two.json")
        XCTAssertEqual(two.code, 64)
        XCTAssertTrue(two.stderr.contains("2 problems"), two.summary)
        // A bad --set is validated like the spec.
        try harness.write(smallRankingSpec(), to: "good.json")
        let badSet = try harness.run("validate", "good.json", "--set", "selection.patience=\"soon\"")
        XCTAssertEqual(badSet.code, 64, badSet.summary)
        XCTAssertTrue(badSet.stderr.contains("selection.patience"), badSet.summary)
        let valid = try harness.run("validate", "good.json")
        XCTAssertEqual(valid.code, 0, valid.summary)
    }

    func testMalformedDataExit65WithFileAndLine() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        var lines = try harness.read("ratings.tsv").split(separator: "\n").map(String.init)
        lines[6] = "U1\tI2\tfive\t9"
        try harness.write(lines.joined(separator: "\n") + "\n", to: "ratings.tsv")
        try harness.write(smallRankingSpec(), to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out", "--quiet")
        XCTAssertEqual(result.code, 65, result.summary)
        XCTAssertTrue(result.stderr.contains("ratings.tsv:7"), "the message names file and line\n\(result.summary)")
        XCTAssertFalse(harness.exists("out/results.json"))
    }

    func testUnreadableSpecAndUnwritableOutputExit74() throws {
        let harness = try EncoreHarness()
        let missing = try harness.run("run", "no-such-spec.json")
        XCTAssertEqual(missing.code, 74, missing.summary)
        XCTAssertTrue(missing.stderr.contains("no-such-spec.json"), missing.summary)
        try FileManager.default.createDirectory(at: harness.url("a-directory.json"), withIntermediateDirectories: true)
        let directory = try harness.run("validate", "a-directory.json")
        XCTAssertEqual(directory.code, 74, directory.summary)
        // An output "directory" that is a file cannot be written: I/O error.
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]"), to: "spec.json")
        try harness.write("not a directory", to: "taken")
        let output = try harness.run("run", "spec.json", "--output", "taken", "--quiet")
        XCTAssertEqual(output.code, 74, output.summary)
        XCTAssertEqual(try harness.read("taken"), "not a directory")
    }
}
