import EncoreExperiments
import Foundation
import XCTest

/// End-to-end tests of the built `encore` binary's command line: help without options, group
/// usage, `models NAME`, `run --data-dir`, and the table printed without Markdown escapes.
final class EndToEndCLITests: XCTestCase {
    func testNoArgumentsAndHelpCommandPrintHelpAndExit0() throws {
        let harness = try EncoreHarness()
        let bare = try harness.run([])
        XCTAssertEqual(bare.code, 0, bare.summary)
        XCTAssertTrue(bare.stdout.contains("SUBCOMMANDS:") && bare.stdout.contains("USAGE: encore"), bare.summary)
        XCTAssertEqual(bare.stdout, try harness.run("--help").stdout, "no arguments prints what --help prints")

        let helpRun = try harness.run("help", "run")
        XCTAssertEqual(helpRun.code, 0, helpRun.summary)
        XCTAssertEqual(helpRun.stdout, try harness.run("run", "--help").stdout)
        for option in ["USAGE: encore run", "--data-dir <DIR>", "run.log", "130"] {
            XCTAssertTrue(helpRun.stdout.contains(option), "help run lacks \(option)\n\(helpRun.summary)")
        }
        for command in [["validate"], ["table"], ["models"], ["data", "fetch"], ["data", "info"], ["bench", "gemm"], ["bench", "model"]] {
            let result = try harness.run(["help"] + command)
            XCTAssertEqual(result.code, 0, result.summary)
            XCTAssertTrue(result.stdout.contains("USAGE: encore \(command.joined(separator: " "))"), "\(command)\n\(result.summary)")
            XCTAssertEqual(result.stdout, try harness.run(command + ["--help"]).stdout, "\(command)")
        }
        let unknown = try harness.run("help", "no-such-command")
        XCTAssertEqual(unknown.code, 64, unknown.summary)
        XCTAssertTrue(unknown.stderr.contains("no-such-command"), unknown.summary)
    }

    func testGroupCommandsPrintTheirUsageAndExit0() throws {
        let harness = try EncoreHarness()
        for (group, subcommands) in [("data", ["fetch", "info"]), ("bench", ["gemm", "sparse", "spd", "eval", "model"])] {
            for arguments in [[group], ["help", group], [group, "--help"]] {
                let result = try harness.run(arguments)
                XCTAssertEqual(result.code, 0, "\(arguments)\n\(result.summary)")
                XCTAssertTrue(result.stdout.contains("USAGE: encore \(group) <subcommand>"), "\(arguments)\n\(result.summary)")
                for subcommand in subcommands {
                    XCTAssertTrue(result.stdout.contains("\n  \(subcommand) "), "\(arguments) lacks \(subcommand)\n\(result.summary)")
                }
                XCTAssertEqual(result.stderr, "", result.summary)
            }
        }
        let unknown = try harness.run("data", "nope")
        XCTAssertEqual(unknown.code, 64, unknown.summary)
    }

    func testModelsNameShowsOneModelAndRefusesAnUnknownName() throws {
        let harness = try EncoreHarness()
        let ease = try XCTUnwrap(ModelRegistry.standard.entry(named: "ease")?.description)
        let one = try harness.run("models", "ease")
        XCTAssertEqual(one.code, 0, one.summary)
        XCTAssertTrue(one.stdout.hasPrefix("ease  [\(ease.task.rawValue)]  \(ease.summary)\n"), one.summary)
        for key in ease.configKeys {
            XCTAssertTrue(one.stdout.contains("    \(key.name): \(key.type) = \(key.defaultValue)"), "ease.\(key.name)\n\(one.summary)")
        }
        XCTAssertFalse(one.stdout.contains("mult-vae"), "only the named model\n\(one.summary)")

        let json = try harness.run("models", "ease", "--json")
        XCTAssertEqual(json.code, 0, json.summary)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], json.summary)
        XCTAssertEqual(object["name"] as? String, "ease")
        XCTAssertEqual((object["config_keys"] as? [Any])?.count, ease.configKeys.count)

        let unknown = try harness.run("models", "no-such-model")
        XCTAssertEqual(unknown.code, 64, unknown.summary)
        XCTAssertTrue(unknown.stderr.contains("no-such-model"), unknown.summary)
        for name in ModelRegistry.standard.descriptions.map(\.name) {
            XCTAssertTrue(unknown.stderr.contains(name), "the message lists \(name)\n\(unknown.summary)")
        }
    }

    /// `--data-dir DIR` finds a named dataset in DIR, as `--set dataset.data_dir=DIR` does.
    func testRunDataDirFindsANamedDataset() throws {
        let harness = try EncoreHarness()
        try FileManager.default.createDirectory(at: harness.url("local/ml-100k"), withIntermediateDirectories: true)
        try harness.writeRatings(to: "local/ml-100k/u.data")
        let spec = smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]")
            .replacingOccurrences(of: #""path": "ratings.tsv", "format": "delimited", "separator": "\t", "mode": "implicit""#,
                                  with: #""name": "ml-100k", "mode": "implicit""#)
        XCTAssertFalse(spec.contains("ratings.tsv"), spec)
        try harness.write(spec, to: "spec.json")
        // No other place to find the data: no environment directory, an empty cache.
        let environment = ["ENCORE_DATA_DIR": "", "XDG_CACHE_HOME": harness.url("cache").path]
        let found = try harness.run(["run", "spec.json", "--output", "out", "--data-dir", "local"], environment: environment)
        XCTAssertEqual(found.code, 0, found.summary)
        XCTAssertFalse(found.stderr.contains("downloading") || harness.exists("cache/encore"), "read from DIR\n\(found.summary)")
        let runs = try XCTUnwrap(try harness.json("out/results.json")["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.map { $0["status"] as? String ?? "" }, ["ok"])
        let viaSet = try harness.run(
            ["run", "spec.json", "--output", "out", "--quiet", "--resume", "--set", "dataset.data_dir=local"], environment: environment)
        XCTAssertEqual(viaSet.code, 0, viaSet.summary)
        XCTAssertEqual(try harness.run(["validate", "spec.json", "--data-dir", "local"], environment: environment).code, 0)
    }

    /// The table on standard output has no Markdown escapes; `table.md` keeps them.
    func testTerminalTableHasNoMarkdownEscapes() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(name: "escapes_e2e", models: #"{"model": "popularity", "label": "Pop_1"}"#, seeds: "[1]"),
                          to: "spec.json")
        let result = try harness.run("run", "spec.json", "--output", "out")
        XCTAssertEqual(result.code, 0, result.summary)
        let markdown = try harness.read("out/table.md")
        XCTAssertTrue(markdown.contains("Pop\\_1") && markdown.contains("escapes\\_e2e"), markdown)
        for output in [result.stdout, try harness.run("table", "out").stdout] {
            XCTAssertTrue(output.contains("| Pop_1 |") && output.contains("# escapes_e2e"), output)
            for escape in ["\\|", "\\_", "\\<", "\\>", "\\*", "\\\\"] {
                XCTAssertFalse(output.contains(escape), "\(escape) on standard output\n\(output)")
            }
        }
        XCTAssertEqual(ResultTable.unescapingMarkdown(#"a\_b \| c\\d \<e\> \*f\* \x"#), #"a_b | c\d <e> *f* \x"#)
    }
}
