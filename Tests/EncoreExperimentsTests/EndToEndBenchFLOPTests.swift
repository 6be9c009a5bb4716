import EncoreExperiments
import Foundation
import XCTest

/// `encore bench model` reports the work of an epoch, the rate achieved and the GEMM rate at the
/// model's own shapes.
final class EndToEndBenchFLOPTests: XCTestCase {
    func benchJSON(_ harness: EncoreHarness, _ arguments: String...) throws -> [String: Any] {
        let result = try harness.run(["bench", "model"] + arguments + ["--json"])
        XCTAssertEqual(result.code, 0, result.summary)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try XCTUnwrap(object as? [String: Any], result.summary)
    }

    func testRankingModelPrintsFLOPsRatesAndEfficiency() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let line = try benchJSON(harness, "mult-vae", "--dataset", "ratings.tsv", "--epochs", "2", "--threads", "1",
                                 "--config", #"{"encoder_sizes": [8], "latent_size": 4, "batch_size": 16}"#)
        let flops = try XCTUnwrap(line["flops_per_epoch"] as? Double)
        let seconds = try XCTUnwrap(line["epoch_seconds"] as? Double)
        let rate = try XCTUnwrap(line["gflops"] as? Double)
        XCTAssertGreaterThan(flops, 0)
        // The rate is the count over the printed epoch time (both rounded in print).
        XCTAssertEqual(rate, flops / seconds / 1e9, accuracy: 0.002 * rate + 0.051)
        XCTAssertGreaterThan(try XCTUnwrap(line["flops_per_eval"] as? Double), 0)
        XCTAssertNotNil(line["eval_gflops"] as? Double)
        let gemm = try XCTUnwrap(line["gemm_gflops"] as? Double)
        XCTAssertGreaterThan(gemm, 0)
        // The output layer [batch, 8] x [8, items] with its two gradient products.
        let shapes = try XCTUnwrap(line["gemm_shapes"] as? [String])
        XCTAssertEqual(shapes.count, 3)
        XCTAssertTrue(shapes[0].hasPrefix("16x") && shapes[0].hasSuffix("x8 A*B"), "\(shapes)")
        let efficiency = try XCTUnwrap(line["efficiency"] as? Double)
        XCTAssertEqual(efficiency, rate / gemm, accuracy: 0.06 / gemm + 0.01 * efficiency + 0.001)

        let text = try harness.run("bench", "model", "mult-vae", "--dataset", "ratings.tsv", "--epochs", "1", "--threads", "1",
                                   "--config", #"{"encoder_sizes": [8], "latent_size": 4, "batch_size": 16}"#)
        XCTAssertEqual(text.code, 0, text.summary)
        for part in ["; epoch ", " GFLOP at ", " GFLOP/s", ", eval ", "; GEMM ", " A*B, ", "; efficiency "] {
            XCTAssertTrue(text.stdout.contains(part), "missing '\(part)': \(text.summary)")
        }
    }

    /// Held-out users by size: a tenth of the users each on small data, 600 each from 6,000 users
    /// up, 10,000 each from 100,000 users up (the ML-20M protocol); the rest train.
    func testRankingProtocolHoldsOutUsersByDataSize() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let small = try benchJSON(harness, "popularity", "--dataset", "ratings.tsv", "--epochs", "1", "--threads", "1")
        XCTAssertEqual(small["train_rows"] as? Int, 90 - 2 * 9)
        for (users, heldOut) in [(6_000, 600), (100_000, 10_000)] {
            let lines = (0..<users).map { user in (0..<3).map { "U\(user)\tI\((user + 7 * $0) % 40)\t5\t\($0)" }.joined(separator: "\n") }
            try harness.write(lines.joined(separator: "\n") + "\n", to: "users\(users).tsv")
            let line = try benchJSON(harness, "popularity", "--dataset", "users\(users).tsv", "--epochs", "1", "--threads", "1")
            XCTAssertEqual(line["train_rows"] as? Int, users - 2 * heldOut, "\(users) users")
        }
    }

    func testRatingModelCountsItsRefeedPassAndAModelWithoutProductsPrintsNone() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        let config = #"{"encoder_sizes": [8, 4], "batch_size": 16, "refeed_steps": 1}"#
        let refeed = try benchJSON(harness, "deeprec", "--dataset", "ratings.tsv", "--epochs", "1", "--threads", "1", "--config", config)
        let plain = try benchJSON(harness, "deeprec", "--dataset", "ratings.tsv", "--epochs", "1", "--threads", "1",
                                  "--config", config.replacingOccurrences(of: #""refeed_steps": 1"#, with: #""refeed_steps": 0"#))
        // The re-feed pass adds the dense input layer (2 x 2·users·items·8) and the rest again.
        let withRefeed = try XCTUnwrap(refeed["flops_per_epoch"] as? Double)
        let without = try XCTUnwrap(plain["flops_per_epoch"] as? Double)
        XCTAssertGreaterThan(withRefeed, 2 * without - 1)
        XCTAssertNotNil(refeed["efficiency"] as? Double)

        let popularity = try benchJSON(harness, "popularity", "--dataset", "ratings.tsv", "--epochs", "1", "--threads", "1")
        for key in ["flops_per_epoch", "gflops", "gemm_gflops", "efficiency"] { XCTAssertNil(popularity[key], key) }
    }
}
