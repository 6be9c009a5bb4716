@testable import EncoreExperiments
import EncoreTensor
import Foundation
import XCTest

/// `encore bench gemm --against`: the paired timing loop, its statistics, the CBLAS loader's
/// errors, and (when `ENCORE_TEST_CBLAS` names a CBLAS library, as `.ci/run` sets it from numpy's
/// OpenBLAS where numpy is installed) products through a real library.
final class BenchPairedTests: XCTestCase {
    /// Pairs alternate which side runs first, every timed call of one pair is adjacent, and the
    /// warm-up calls come first (one each without a pause; one more before every timed call with one).
    func testPairsAlternateOrderAndCountCalls() throws {
        var log: [String] = []
        let timing = try BenchSupport.paired(
            pairs: 4, pause: 0, { log.append("E") }, reference: { log.append("R") }, agreement: { 0 }, what: "test")
        XCTAssertEqual(timing.ratios.count, 4)
        let expected = "ERERERREERRE"  // warm-up ER, probe ER, then pairs ER, RE, ER, RE
        XCTAssertEqual(log.joined(), expected)

        log = []
        _ = try BenchSupport.paired(
            pairs: 2, pause: 1, { log.append("E") }, reference: { log.append("R") }, agreement: { 0 }, what: "test")
        // With a pause each timed call follows an untimed one of the same side.
        let expectedWithPause = "EREERREERRRREE"  // warm-up ER, probe EERR, pairs EERR, RREE
        XCTAssertEqual(log.joined(), expectedWithPause)
    }

    /// A side that takes clearly longer gets the larger time and a ratio on its side of 1.
    func testRatioIsReferenceOverEncoreTime() throws {
        let timing = try BenchSupport.paired(
            pairs: 5, pause: 0, { usleep(1_000) }, reference: { usleep(30_000) }, agreement: { 0 }, what: "test")
        XCTAssertGreaterThan(timing.referenceSeconds, timing.seconds)
        XCTAssertGreaterThan(BenchSupport.median(timing.ratios), 1)
    }

    func testDisagreeingResultsAreAUsageError() {
        XCTAssertThrowsError(try BenchSupport.paired(
            pairs: 2, pause: 0, {}, reference: {}, agreement: { 0.5 }, what: "gemm A*B 3x4x5")) { error in
            XCTAssertEqual((error as? any ExitCodeError)?.exitCode, .usage)
            XCTAssertTrue("\(error)".contains("gemm A*B 3x4x5"), "\(error)")
        }
    }

    /// max |x - y| / max |y|, by hand: differences 0.5 and 0.25, largest |y| 4.
    func testRelativeDifferenceByHand() {
        let x = Tensor(shape: [2, 2], scalars: [1, 2.5, -4.25, 0])
        let y = Tensor(shape: [2, 2], scalars: [1, 2, -4, 0])
        XCTAssertEqual(BenchSupport.relativeDifference(x, y), 0.125, accuracy: 1e-12)
        XCTAssertEqual(BenchSupport.relativeDifference(y, y), 0)
    }

    /// Quantiles of the ratios are order statistics at round((count - 1) q): for 0.5 ... 1.3 in
    /// nine steps, q1 = 0.7, median 0.9, q3 = 1.1.
    func testExtrasReportQuantilesOfTheRatios() throws {
        let ratios = [1.3, 0.5, 1.2, 0.6, 1.1, 0.7, 1.0, 0.8, 0.9]
        let timing = PairedTiming(seconds: 0.5, referenceSeconds: 0.25, ratios: ratios)
        let fields = Dictionary(uniqueKeysWithValues: timing.extras(flops: 1e9, reference: nil))
        XCTAssertEqual(fields["ratio"], "0.900")
        XCTAssertEqual(fields["ratio_q1"], "0.700")
        XCTAssertEqual(fields["ratio_q3"], "1.100")
        XCTAssertEqual(fields["ratio_min"], "0.500")
        XCTAssertEqual(fields["ratio_max"], "1.300")
        XCTAssertEqual(fields["pairs"], "9")
        XCTAssertEqual(fields["reference_gflops"], "4.0")
    }

    func testLoaderErrorsNameTheLibrary() {
        XCTAssertThrowsError(try CBLASLibrary(path: "/nonexistent/libblas.so")) { error in
            XCTAssertEqual((error as? any ExitCodeError)?.exitCode, .usage)
            XCTAssertTrue("\(error)".contains("/nonexistent/libblas.so"), "\(error)")
        }
        #if os(Linux)
        let notBLAS = "libc.so.6"
        #else
        let notBLAS = "/usr/lib/libSystem.B.dylib"
        #endif
        XCTAssertThrowsError(try CBLASLibrary(path: notBLAS)) { error in
            XCTAssertTrue("\(error)".contains("exports no sgemm symbol"), "\(error)")
        }
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--shape", "3x5x2", "--against", "/nonexistent/libblas.so"]), 64)
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--shape", "3x5x2", "--pairs", "3"]), 64)
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--shape", "3x5x2", "--pause-ms", "3"]), 64)
    }

    /// The library's products equal Encore's in all three layouts, with alpha and beta, at odd
    /// sizes; and the CLI's paired run succeeds against it.
    func testProductsThroughARealCBLAS() throws {
        guard let path = ProcessInfo.processInfo.environment["ENCORE_TEST_CBLAS"], !path.isEmpty else {
            throw XCTSkip("ENCORE_TEST_CBLAS is not set (no CBLAS library to load)")
        }
        let blas = try CBLASLibrary(path: path)
        blas.setThreadCount(1)
        var rng = SeededRNG(seed: 7)
        let (m, n, k) = (37, 21, 19)
        for (transposeA, transposeB) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = Tensor.uniform(transposeA ? [k, m] : [m, k], low: -1, high: 1, rng: &rng)
            let b = Tensor.uniform(transposeB ? [n, k] : [k, n], low: -1, high: 1, rng: &rng)
            let start = Tensor.uniform([m, n], low: -1, high: 1, rng: &rng)
            var mine = start, theirs = start
            Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 2, into: &mine, threads: 1)
            blas.multiply(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 2, into: &theirs)
            XCTAssertLessThan(BenchSupport.relativeDifference(mine, theirs), 1e-5, "transposeA \(transposeA) transposeB \(transposeB)")
        }
        XCTAssertEqual(EncoreCLI.run(["bench", "gemm", "--threads", "1", "--shape", "9x7x5", "--op", "A*B^T",
                                      "--against", path, "--pairs", "3", "--json"]), 0)
    }
}
