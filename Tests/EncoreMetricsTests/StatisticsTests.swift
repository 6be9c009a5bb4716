import EncoreMetrics
import XCTest

/// Reference values computed with scipy 1.17.1 (python3 -c "from scipy import stats; ...") on
/// 2026-11-23; each call is quoted next to its value.
final class StatisticsTests: XCTestCase {
    func testIncompleteBeta() {
        // scipy.special.betainc([2, 0.5, 10], [3, 0.5, 20], [0.3, 0.9, 0.4])
        XCTAssertEqual(SpecialFunctions.regularizedIncompleteBeta(2, 3, 0.3), 0.3483, accuracy: 1e-12)
        XCTAssertEqual(SpecialFunctions.regularizedIncompleteBeta(0.5, 0.5, 0.9), 0.79516724, accuracy: 1e-8)
        XCTAssertEqual(SpecialFunctions.regularizedIncompleteBeta(10, 20, 0.4), 0.78531839, accuracy: 1e-8)
    }

    func testStudentT() {
        // stats.t.ppf(0.975, [1, 2, 5, 9, 29, 100])
        let expected = [1: 12.70620474, 2: 4.30265273, 5: 2.57058184, 9: 2.26215716, 29: 2.04522964, 100: 1.98397152]
        for (nu, q) in expected { XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: Double(nu)), q, accuracy: 1e-7, "ν=\(nu)") }
        // stats.t.cdf([-2.5, 0.3, 1.7], [3, 7.5, 40])
        XCTAssertEqual(StudentT.cdf(-2.5, degreesOfFreedom: 3), 0.04385332, accuracy: 1e-8)
        XCTAssertEqual(StudentT.cdf(0.3, degreesOfFreedom: 7.5), 0.61383867, accuracy: 1e-8)
        XCTAssertEqual(StudentT.cdf(1.7, degreesOfFreedom: 40), 0.95155227, accuracy: 1e-8)
        XCTAssertEqual(StandardNormal.twoSidedP(1.959963984540054), 0.05, accuracy: 1e-12)
    }

    func testSummary() {
        // x = [3.1, 2.9, 3.4, 3.0, 3.3]: np.std(x, ddof=1) = 0.20736441353327714,
        // stats.t.interval(0.95, 4, loc=mean, scale=stats.sem(x)) = (2.882523073207092, 3.3974769267929075)
        let s = Summary([3.1, 2.9, 3.4, 3.0, 3.3])
        XCTAssertEqual(s.mean, 3.14, accuracy: 1e-12)
        XCTAssertEqual(s.standardDeviation, 0.20736441353327714, accuracy: 1e-12)
        XCTAssertEqual(s.interval.lowerBound, 2.882523073207092, accuracy: 1e-9)
        XCTAssertEqual(s.interval.upperBound, 3.3974769267929075, accuracy: 1e-9)
        XCTAssertEqual(Summary([2]).halfWidth, 0)
        XCTAssertEqual(Summary([]).count, 0)
    }

    let a = [0.82, 0.75, 0.91, 0.66, 0.70, 0.88, 0.79, 0.73, 0.85, 0.69]
    let b = [0.78, 0.74, 0.85, 0.69, 0.64, 0.80, 0.80, 0.70, 0.79, 0.66]

    func testPairedT() {
        // stats.ttest_rel(a, b): statistic=3.011080370128745, pvalue=0.014690106846138569
        let result = PairedTests.tTest(a, b)
        XCTAssertEqual(result.statistic, 3.011080370128745, accuracy: 1e-9)
        XCTAssertEqual(result.p, 0.014690106846138569, accuracy: 1e-10)
        XCTAssertEqual(PairedTests.tTest([1, 2], [1, 2]).p, 1)
    }

    func testWilcoxonExact() {
        // stats.wilcoxon(x, y): statistic=3.0 (= min(W+, W-)), pvalue=0.0390625 (exact, n = 8)
        let x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06], y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14]
        let result = PairedTests.wilcoxon(x, y)
        XCTAssertEqual(result.method, "exact")
        XCTAssertEqual(result.statistic, 33)  // W+ = 36 - 3
        XCTAssertEqual(result.p, 0.0390625, accuracy: 1e-12)
    }

    func testWilcoxonNormalWithTiesAndZeros() {
        // stats.wilcoxon(c, e, method='approx'): statistic=11.0, pvalue=0.048080655201892024
        // (differences [0, 1, 2, 2, 2, 3, -2, 3, 4, -3, 3, 4]: one zero dropped, ties averaged)
        let c: [Double] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], e: [Double] = [1, 1, 1, 2, 3, 3, 9, 5, 5, 13, 8, 8]
        let result = PairedTests.wilcoxon(c, e)
        XCTAssertEqual(result.method, "normal")
        XCTAssertEqual(result.count, 11)
        XCTAssertEqual(result.statistic, 66 - 11)
        XCTAssertEqual(result.p, 0.048080655201892024, accuracy: 1e-12)
    }

    func testRandomisation() {
        // 10 pairs, 2^10 = 1024 <= rounds: exact enumeration, then Monte-Carlo close to it.
        let exact = PairedTests.randomisation(a, b, rounds: 1024, rng: SeededRNG(seed: 1))
        XCTAssertEqual(exact.method, "enumeration")
        // Hand check: the count of sign patterns with |Σ ±d| >= |Σ d| over integer cents.
        let cents = zip(a, b).map { Int((($0 - $1) * 100).rounded()) }
        let observed = abs(cents.reduce(0, +))
        var extreme = 0
        for pattern in 0..<1024 {
            let sum = cents.enumerated().reduce(0) { $0 + ((pattern >> $1.offset) & 1 == 1 ? -$1.element : $1.element) }
            if abs(sum) >= observed { extreme += 1 }
        }
        XCTAssertEqual(exact.p, Double(extreme) / 1024, accuracy: 1e-12)
        let sampled = PairedTests.randomisation(a, b, rounds: 1000, rng: SeededRNG(seed: 3))
        XCTAssertEqual(sampled.method, "monte-carlo")
        XCTAssertEqual(sampled.p, exact.p, accuracy: 0.05)  // 3 standard errors of 1000 rounds
        XCTAssertEqual(sampled, PairedTests.randomisation(a, b, rounds: 1000, rng: SeededRNG(seed: 3)), "seeded")
    }

    func testHolm() {
        // Sorted 0.005, 0.01, 0.03, 0.04 -> 4·0.005, 3·0.01, 2·0.03, max(0.06, 1·0.04).
        let adjusted = PairedTests.holm([0.01, 0.04, 0.03, 0.005])
        for (g, e) in zip(adjusted, [0.03, 0.06, 0.06, 0.02]) { XCTAssertEqual(g, e, accuracy: 1e-12) }
        XCTAssertEqual(PairedTests.holm([0.5, 0.9]), [1, 1])
    }
}
