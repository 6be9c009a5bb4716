import Foundation
import XCTest

/// `encore data fetch --archive`, `encore data export --format recbole` and `.inter` files with
/// other field names, run through the built binary.
final class EndToEndDataTests: XCTestCase {
    /// An environment with the cache inside the scratch directory and no data directory, so the
    /// machine's own copies cannot answer.
    private func isolated(_ harness: EncoreHarness) -> [String: String] {
        ["XDG_CACHE_HOME": harness.url("cache").path, "ENCORE_DATA_DIR": ""]
    }

    /// The data lines (header dropped) of a `.inter` file of the scratch directory.
    private func dataLines(_ harness: EncoreHarness, _ name: String) throws -> [String] {
        Array(try harness.read(name).split(separator: "\n").dropFirst().map(String.init))
    }

    /// Users, items and interactions of `data info --json` output.
    private func counts(_ output: String) throws -> [Int] {
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        return ["users", "items", "interactions"].map { object[$0] as? Int ?? -1 }
    }

    func testFetchRefusesAnArchiveThatIsNotThePublishedOne() throws {
        let harness = try EncoreHarness()
        let bytes = Data("PK\u{5}\u{6} certainly not ml-100k.zip".utf8)
        try bytes.write(to: harness.url("copy.zip"))
        let given = try harness.run(["data", "fetch", "ml-100k", "--archive", harness.url("copy.zip").path], environment: isolated(harness))
        XCTAssertEqual(given.code, 65, given.summary)
        for fragment in [harness.url("copy.zip").path, "expected 4924029 bytes, SHA-256 50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
                         "found \(bytes.count) bytes, SHA-256 ", "nothing was installed"] {
            XCTAssertTrue(given.stderr.contains(fragment), "lacks '\(fragment)': \(given.summary)")
        }
        XCTAssertFalse(harness.exists("cache/encore/ml-100k"), "nothing is cached")
        XCTAssertTrue(harness.exists("copy.zip"), "the given archive is left as it is")

        // The same bytes under the official name in the data directory: found, checked, refused.
        try FileManager.default.createDirectory(at: harness.url("data"), withIntermediateDirectories: true)
        try bytes.write(to: harness.url("data/ml-100k.zip"))
        let found = try harness.run(["data", "fetch", "ml-100k", "--data-dir", harness.url("data").path], environment: isolated(harness))
        XCTAssertEqual(found.code, 65, found.summary)
        XCTAssertTrue(found.stdout.contains("installing from \(harness.url("data/ml-100k.zip").path) (no download)"), found.summary)
        XCTAssertTrue(found.stderr.contains("not the published archive"), found.summary)
        XCTAssertFalse(harness.exists("cache/encore/ml-100k"))

        let missing = try harness.run(["data", "fetch", "ml-100k", "--archive", "missing.zip"], environment: isolated(harness))
        XCTAssertEqual(missing.code, 74, missing.summary)
        XCTAssertTrue(missing.stderr.contains("missing.zip"), missing.summary)
        XCTAssertTrue(try harness.run("data", "fetch", "--help").stdout.contains("--archive <FILE>"))
    }

    func testExportWritesRecBoleFilesThatReadBackAsTheDataset() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let export = try harness.run(
            "data", "export", "ratings.tsv", "--format", "recbole", "--output", "out", "--implicit", "4",
            "--split", #"{"kind": "user-holdout", "order": "time"}"#, "--seed", "3")
        XCTAssertEqual(export.code, 0, export.summary)
        XCTAssertTrue(export.stdout.contains("dataset: ratings, benchmark_filename: [train, valid, test]"), export.summary)
        XCTAssertEqual(try harness.read("out/ratings/ratings.inter").prefix { $0 != "\n" }, "user_id:token\titem_id:token\ttimestamp:float")

        // Read back through the .inter reader: the preprocessed dataset.
        let original = try harness.run("data", "info", "ratings.tsv", "--separator", "\\t", "--implicit", "4", "--json")
        let exported = try harness.run("data", "info", "out/ratings/ratings.inter", "--json")
        XCTAssertEqual(original.code, 0, original.summary)
        XCTAssertEqual(exported.code, 0, exported.summary)
        XCTAssertEqual(try counts(exported.stdout), try counts(original.stdout))

        // The benchmark files partition the exported interactions.
        let parts = try ["train", "valid", "test"].map { try dataLines(harness, "out/ratings/ratings.\($0).inter") }
        XCTAssertTrue(parts.allSatisfy { !$0.isEmpty })
        XCTAssertEqual(parts.flatMap { $0 }.sorted(), try dataLines(harness, "out/ratings/ratings.inter").sorted())

        let strong = try harness.run(
            "data", "export", "ratings.tsv", "--format", "recbole", "--output", "out", "--name", "sg", "--implicit", "4",
            "--split", #"{"kind": "strong-generalization", "held_out_users": 15}"#)
        XCTAssertEqual(strong.code, 0, strong.summary)
        XCTAssertTrue(strong.stdout.contains("fold-in and targets are both in sg.valid.inter and sg.test.inter"), strong.summary)
        XCTAssertTrue(harness.exists("out/sg/sg.test.inter"))

        let help = try harness.run("data", "export", "--help")
        XCTAssertEqual(help.code, 0, help.summary)
        for fragment in ["USAGE: encore data export", "--format <FORMAT>", "--output <DIR>", "--split <JSON|KIND>", "--k-core <K>", "benchmark_filename"] {
            XCTAssertTrue(help.stdout.contains(fragment), "data export --help lacks \(fragment)")
        }
        XCTAssertEqual(try harness.run("data", "export", "ratings.tsv", "--output", "x").code, 64)
        XCTAssertEqual(try harness.run("data", "export", "ratings.tsv", "--format", "csv", "--output", "x").code, 64)
        XCTAssertFalse(harness.exists("x"))
    }

    func testInterFileWithYelpFieldsReadsThroughColumns() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        // The same ratings in a Yelp-style .inter file: extra fields, other names, float times.
        var lines = ["review_id:token\tuser_id:token\tbusiness_id:token\tstars:float\tuseful:float\tdate:float"]
        for (k, line) in try harness.read("ratings.tsv").split(separator: "\n").enumerated() {
            let f = line.split(separator: "\t")
            lines.append("r\(k)\t\(f[0])\t\(f[1])\t\(f[2]).0\t0\t\(f[3]).0")
        }
        try harness.write(lines.joined(separator: "\n") + "\n", to: "yelp.inter")

        let rejected = try harness.run("data", "info", "yelp.inter")
        XCTAssertEqual(rejected.code, 65, rejected.summary)
        XCTAssertTrue(rejected.stderr.contains("no item field 'item_id'"), rejected.summary)
        let info = try harness.run("data", "info", "yelp.inter", "--columns", "user_id,business_id,stars,date", "--implicit", "4", "--json")
        let tsv = try harness.run("data", "info", "ratings.tsv", "--separator", "\\t", "--implicit", "4", "--json")
        XCTAssertEqual(info.code, 0, info.summary)
        XCTAssertEqual(try counts(info.stdout), try counts(tsv.stdout))

        let columns = #""columns": {"item": "business_id", "rating": "stars", "timestamp": "date"}"#
        let spec = smallRankingSpec(models: #"{"model": "popularity"}"#, seeds: "[1]").replacingOccurrences(
            of: #"{"path": "ratings.tsv", "format": "delimited", "separator": "\t", "mode": "implicit"}"#,
            with: #"{"path": "yelp.inter", "format": "recbole-inter", "# + columns + #", "mode": "implicit"}"#)
        XCTAssertTrue(spec.contains("yelp.inter"))
        try harness.write(spec, to: "spec.json")
        let run = try harness.run("run", "spec.json", "--output", "result", "--quiet")
        XCTAssertEqual(run.code, 0, run.summary)
    }
}
