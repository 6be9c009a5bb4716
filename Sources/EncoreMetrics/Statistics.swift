import Foundation

/// Mean, sample standard deviation and a Student-t confidence interval of some values (per-user
/// metric values, or one mean per seed).
public struct Summary: Sendable, Codable, Equatable {
    /// Number of values.
    public let count: Int
    /// Arithmetic mean (0 for no values).
    public let mean: Double
    /// Sample standard deviation (n - 1 denominator; 0 for fewer than 2 values).
    public let standardDeviation: Double
    /// Half-width of the confidence interval: t_{1-α/2, n-1} · sd / sqrt(n) (0 for n < 2).
    public let halfWidth: Double
    /// The confidence level, e.g. 0.95.
    public let confidence: Double

    /// The interval `mean ± halfWidth`.
    public var interval: ClosedRange<Double> { (mean - halfWidth)...(mean + halfWidth) }

    /// Summarises `values`.
    public init(_ values: [Double], confidence: Double = 0.95) {
        requireArgument(confidence > 0 && confidence < 1, "confidence must be in (0, 1), got \(confidence)")
        count = values.count
        self.confidence = confidence
        guard !values.isEmpty else {
            mean = 0; standardDeviation = 0; halfWidth = 0
            return
        }
        let m = values.reduce(0, +) / Double(values.count)
        mean = m
        guard values.count >= 2 else {
            standardDeviation = 0; halfWidth = 0
            return
        }
        let ss = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        standardDeviation = (ss / Double(values.count - 1)).squareRoot()
        let t = StudentT.quantile(0.5 + confidence / 2, degreesOfFreedom: Double(values.count - 1))
        halfWidth = t * standardDeviation / Double(values.count).squareRoot()
    }
}

/// Student's t distribution, from the regularized incomplete beta function.
public enum StudentT {
    /// P(T <= t) for `degreesOfFreedom` ν > 0.
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        requireArgument(nu > 0, "degrees of freedom must be > 0, got \(nu)")
        if t.isNaN { return .nan }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        // P(|T| > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2)
        let tail = SpecialFunctions.regularizedIncompleteBeta(nu / 2, 0.5, nu / (nu + t * t))
        return t >= 0 ? 1 - tail / 2 : tail / 2
    }

    /// Two-sided p-value P(|T| >= |t|).
    public static func twoSidedP(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        if t.isNaN { return .nan }
        if t.isInfinite { return 0 }
        return SpecialFunctions.regularizedIncompleteBeta(nu / 2, 0.5, nu / (nu + t * t))
    }

    /// The p-quantile: the t with cdf(t) = p, by bisection to full Double precision.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        requireArgument(p > 0 && p < 1, "quantile needs p in (0, 1), got \(p)")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        var low = 0.0, high = 1.0
        while cdf(high, degreesOfFreedom: nu) < p { high *= 2 }
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if mid == low || mid == high { break }
            if cdf(mid, degreesOfFreedom: nu) < p { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }
}

/// The standard normal distribution.
public enum StandardNormal {
    /// P(Z <= z).
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }
    /// Two-sided p-value P(|Z| >= |z|).
    public static func twoSidedP(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }
}

/// Special functions behind the distributions.
public enum SpecialFunctions {
    /// The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1]
    /// (continued fraction, modified Lentz; Numerical Recipes 6.4), relative accuracy ~1e-14.
    public static func regularizedIncompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        requireArgument(a > 0 && b > 0, "incomplete beta needs a, b > 0, got \(a), \(b)")
        requireArgument(x >= 0 && x <= 1, "incomplete beta needs x in [0, 1], got \(x)")
        if x == 0 || x == 1 { return x }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        let front = exp(logFront)
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry
        // I_x(a, b) = 1 - I_{1-x}(b, a) otherwise.
        if x < (a + 1) / (a + b + 2) {
            return front * continuedFraction(a, b, x) / a
        }
        return 1 - front * continuedFraction(b, a, 1 - x) / b
    }

    private static func continuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var numerator = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return h
    }
}
