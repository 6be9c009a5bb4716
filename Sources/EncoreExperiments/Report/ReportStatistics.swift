import Foundation

/// The statistics the tables and plots use. This is the one place coupled to statistics code:
/// when `EncoreMetrics` ships its statistics (mean/sd/95% CI, paired t-test, Holm), these
/// functions become one-line forwards to it.
enum ReportStatistics {
    /// The arithmetic mean; NaN for no values.
    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation (n - 1); 0 for one value, NaN for none.
    static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return values.isEmpty ? .nan : 0 }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    /// The half-width of the two-sided 95% Student-t interval of the mean; 0 for fewer than two values.
    static func confidenceHalfWidth95(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let n = Double(values.count)
        return studentTQuantile(0.975, degreesOfFreedom: n - 1) * standardDeviation(values) / n.squareRoot()
    }

    /// The two-sided p-value of the paired t-test on `differences` (H0: mean difference 0).
    /// Identical pairs (all differences 0) give 1; a constant non-zero difference gives 0.
    static func pairedTTestPValue(differences: [Double]) -> Double {
        let n = differences.count
        guard n > 1 else { return 1 }
        let m = mean(differences), sd = standardDeviation(differences)
        if sd == 0 { return m == 0 ? 1 : 0 }
        let t = m / (sd / Double(n).squareRoot())
        return 2 * studentTUpperTail(abs(t), degreesOfFreedom: Double(n - 1))
    }

    /// Holm's step-down adjustment of `pValues` (same order, each capped at 1).
    static func holmAdjusted(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: pValues.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(pValues.count - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// P(T > t) for Student's t with `degreesOfFreedom`, t >= 0.
    static func studentTUpperTail(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
    }

    /// The `p` quantile (p > 0.5) of Student's t, by bisection on the upper tail.
    static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        var low = 0.0, high = 1000.0
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if studentTUpperTail(middle, degreesOfFreedom: nu) > 1 - p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// I_x(a, b) by the continued fraction of Numerical Recipes (Lentz's method).
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logGammas + logPowers
        if x > (a + 1) / (a + b + 2) {
            return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a)
        }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...300 {
            let m = Double(m)
            let evenDenominator: Double = (a + 2 * m - 1) * (a + 2 * m)
            var numerator: Double = m * (b - m) * x / evenDenominator
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let oddDenominator: Double = (a + 2 * m) * (a + 2 * m + 1)
            numerator = -(a + m) * (a + b + m) * x / oddDenominator
            d = 1 + numerator * d; if abs(d) < tiny { d = tiny }
            c = 1 + numerator / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            result *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(logFront) * result / a
    }
}

/// Whether smaller values of a metric are better.
enum MetricDirection {
    /// True for error metrics (`rmse`, `mae`, `mse`, and any `...loss`).
    static func lowerIsBetter(_ metric: String) -> Bool {
        let base = metric.lowercased().split(separator: "@").first.map(String.init) ?? metric.lowercased()
        return ["rmse", "mae", "mse", "loss"].contains(base) || base.hasSuffix("loss")
    }

    /// Whether `a` is better than `b` for `metric` (NaN is never better).
    static func isBetter(_ a: Double, than b: Double, metric: String) -> Bool {
        if a.isNaN { return false }
        if b.isNaN { return true }
        return lowerIsBetter(metric) ? a < b : a > b
    }
}
