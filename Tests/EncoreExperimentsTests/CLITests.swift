@testable import EncoreExperiments
import XCTest

final class CommandParsingTests: XCTestCase {
    private let command = Command(
        name: "demo", overview: "A demo command.", arguments: [ArgumentSpec("SPEC", "The spec.")],
        options: [.value("threads", "N", "Threads."), .flag("json", "JSON output."),
                  .value("set", "KEY=VALUE", "Override.", repeatable: true)]
    ) { _ in .success }

    func testParsesValuesFlagsAndPositionals() throws {
        let parsed = try command.parse(["spec.json", "--threads", "2", "--json", "--set=a=1", "--set", "b=2"])
        XCTAssertEqual(parsed.positionals, ["spec.json"])
        XCTAssertEqual(try parsed.int("threads"), 2)
        XCTAssertTrue(parsed.flag("json"))
        XCTAssertEqual(parsed.values["set"], ["a=1", "b=2"])
    }

    func testUsageErrors() {
        XCTAssertThrowsError(try command.parse(["s", "--thread", "2"])) { error in
            XCTAssertTrue("\(error)".contains("--thread"))
            XCTAssertEqual((error as? UsageError)?.exitCode, .usage)
        }
        XCTAssertThrowsError(try command.parse([]))
        XCTAssertThrowsError(try command.parse(["s", "--threads"]))
        XCTAssertThrowsError(try command.parse(["s", "--threads", "1", "--threads", "2"]))
        XCTAssertThrowsError(try command.parse(["s", "t"]))
        XCTAssertThrowsError(try command.parse(["s", "--threads", "x"]).int("threads"))
    }

    func testHelpLayout() {
        let help = command.help
        for heading in ["OVERVIEW:", "USAGE: encore demo", "ARGUMENTS:", "OPTIONS:", "--threads <N>", "-h, --help"] {
            XCTAssertTrue(help.contains(heading), "help lacks \(heading)")
        }
    }

    /// `bench gemm --shape/--op` on a tiny product (any build): a layout filter that runs, and
    /// malformed values that end with the usage exit code (64) before any work.
    func testBenchGEMMShapeAndLayoutOptions() {
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--threads", "1", "--shape", "3x5x2", "--op", "A^T*B", "--json"]), 0)
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--threads", "1", "--shape", "3x5x2", "--op", "A*C"]), 64)
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--threads", "1", "--shape", "3x0x2"]), 64)
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--threads", "1", "--shape", "3x5"]), 64)
    }
}
