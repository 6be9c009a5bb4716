import Foundation

/// The result of one paired significance test of model A against model B on the same units
/// (users, or seeds).
public struct PairedTestResult: Sendable, Codable, Equatable {
    /// The test's statistic: t for the t-test, W+ (sum of positive ranks) for Wilcoxon, the mean
    /// difference for the randomisation test.
    public let statistic: Double
    /// Two-sided p-value.
    public let p: Double
    /// Pairs used (Wilcoxon: after dropping zero differences).
    public let count: Int
    /// How p was obtained: "t", "exact", "normal", "enumeration", "monte-carlo".
    public let method: String
}

/// Paired two-sided tests and multiple-comparison correction.
public enum PairedTests {
    /// Default rounds of the randomisation test: p has Monte-Carlo standard error at most
    /// sqrt(0.25 / 10,000) = 0.005.
    public static let defaultRounds = 10_000

    /// Paired t-test on the differences a - b: t = mean / (sd / sqrt(n)), ν = n - 1.
    /// p = 1 when all differences are zero; NaN-free for n >= 2.
    public static func tTest(_ a: [Double], _ b: [Double]) -> PairedTestResult {
        let d = differences(a, b)
        requireArgument(d.count >= 2, "a paired t-test needs at least 2 pairs, got \(d.count)")
        let summary = Summary(d)
        if summary.standardDeviation == 0 {
            return PairedTestResult(statistic: summary.mean == 0 ? 0 : .infinity * summary.mean.sign.factor,
                                    p: summary.mean == 0 ? 1 : 0, count: d.count, method: "t")
        }
        let t = summary.mean / (summary.standardDeviation / Double(d.count).squareRoot())
        return PairedTestResult(statistic: t, p: StudentT.twoSidedP(t, degreesOfFreedom: Double(d.count - 1)),
                                count: d.count, method: "t")
    }

    /// Wilcoxon signed-rank test on a - b. Zero differences are dropped (Wilcoxon's method, scipy's
    /// default `zero_method="wilcox"`), tied |d| get average ranks. p is exact (by counting all 2^n
    /// sign patterns with a dynamic programme) when n <= 50 and there are no ties, as scipy's
    /// `method="auto"`; otherwise the normal approximation with the tie-corrected variance
    /// n(n+1)(2n+1)/24 - Σ(t³ - t)/48 and no continuity correction. p = 1 when no pair differs.
    public static func wilcoxon(_ a: [Double], _ b: [Double]) -> PairedTestResult {
        let d = differences(a, b).filter { $0 != 0 }
        let n = d.count
        guard n > 0 else { return PairedTestResult(statistic: 0, p: 1, count: 0, method: "exact") }
        let order = (0..<n).sorted { abs(d[$0]) < abs(d[$1]) }
        var ranks = [Double](repeating: 0, count: n)
        var tieCorrection = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && abs(d[order[j + 1]]) == abs(d[order[i]]) { j += 1 }
            let average = Double(i + j + 2) / 2
            for m in i...j { ranks[order[m]] = average }
            let t = Double(j - i + 1)
            tieCorrection += t * t * t - t
            i = j + 1
        }
        let wPlus = (0..<n).reduce(0.0) { $0 + (d[$1] > 0 ? ranks[$1] : 0) }
        if n <= 50 && tieCorrection == 0 {
            // counts[s] = number of sign patterns whose positive ranks sum to s.
            let total = n * (n + 1) / 2
            var counts = [Double](repeating: 0, count: total + 1)
            counts[0] = 1
            for r in 1...n {
                for s in stride(from: total, through: r, by: -1) { counts[s] += counts[s - r] }
            }
            let w = Int(wPlus.rounded())
            let all = pow(2.0, Double(n))
            let lower = counts[0...w].reduce(0, +) / all
            let upper = counts[w...total].reduce(0, +) / all
            return PairedTestResult(statistic: wPlus, p: min(1, 2 * min(lower, upper)), count: n, method: "exact")
        }
        let nn = Double(n)
        let mean = nn * (nn + 1) / 4
        let variance = nn * (nn + 1) * (2 * nn + 1) / 24 - tieCorrection / 48
        let z = variance > 0 ? (wPlus - mean) / variance.squareRoot() : 0
        return PairedTestResult(statistic: wPlus, p: min(1, StandardNormal.twoSidedP(z)), count: n, method: "normal")
    }

    /// Paired randomisation (sign-flip permutation) test on the mean of a - b. When 2^n <= rounds,
    /// all 2^n sign patterns are enumerated (exact p); otherwise `rounds` random patterns from
    /// `rng` give p = (1 + #{|mean*| >= |mean|}) / (rounds + 1).
    public static func randomisation(
        _ a: [Double], _ b: [Double], rounds: Int = defaultRounds, rng: SeededRNG
    ) -> PairedTestResult {
        requireArgument(rounds >= 1, "rounds must be >= 1, got \(rounds)")
        let d = differences(a, b)
        let n = d.count
        requireArgument(n >= 1, "a randomisation test needs at least 1 pair")
        let observed = abs(d.reduce(0, +))
        // Sums equal in exact arithmetic can differ in the last bits; count them as extreme.
        let tolerance = 1e-9 * max(1, d.reduce(0) { $0 + abs($1) })
        let mean = d.reduce(0, +) / Double(n)
        if n < 62 && (1 << n) <= rounds {
            var extreme = 0
            for pattern in 0..<(1 << n) {
                var sum = 0.0
                for i in 0..<n { sum += (pattern >> i) & 1 == 1 ? -d[i] : d[i] }
                if abs(sum) >= observed - tolerance { extreme += 1 }
            }
            return PairedTestResult(statistic: mean, p: Double(extreme) / Double(1 << n), count: n, method: "enumeration")
        }
        var rng = rng
        var extreme = 0
        for _ in 0..<rounds {
            var sum = 0.0
            var bits: UInt64 = 0
            for i in 0..<n {
                if i % 64 == 0 { bits = rng.next() }
                sum += bits & 1 == 1 ? -d[i] : d[i]
                bits >>= 1
            }
            if abs(sum) >= observed - tolerance { extreme += 1 }
        }
        return PairedTestResult(statistic: mean, p: Double(1 + extreme) / Double(1 + rounds), count: n, method: "monte-carlo")
    }

    /// Holm's step-down adjustment of several p-values (family-wise error control): sorted
    /// ascending, p_(i) becomes max_{j<=i} min(1, (m - j + 1) p_(j)); returned in input order.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = (0..<m).sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (position, index) in order.enumerated() {
            running = max(running, min(1, Double(m - position) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    private static func differences(_ a: [Double], _ b: [Double]) -> [Double] {
        requireArgument(a.count == b.count, "paired samples differ in length: \(a.count) vs \(b.count)")
        return zip(a, b).map { $0 - $1 }
    }
}

private extension FloatingPointSign {
    var factor: Double { self == .minus ? -1 : 1 }
}
