import Foundation

/// The statistics the tables and plots use, as forwards to `EncoreMetrics` (`Summary`,
/// `PairedTests`, `StudentT`): the one place the outputs are coupled to the statistics code.
/// Unlike `Summary`, the mean of no values is NaN here, so an empty cell renders as `–`.
enum ReportStatistics {
    /// The arithmetic mean; NaN for no values.
    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : Summary(values).mean
    }

    /// The sample standard deviation (n - 1); 0 for one value, NaN for none.
    static func standardDeviation(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : Summary(values).standardDeviation
    }

    /// The half-width of the two-sided 95% Student-t interval of the mean; 0 for fewer than two values.
    static func confidenceHalfWidth95(_ values: [Double]) -> Double {
        Summary(values, confidence: 0.95).halfWidth
    }

    /// The two-sided p-value of the paired t-test on `differences` (H0: mean difference 0).
    /// Identical pairs (all differences 0) give 1; a constant non-zero difference gives 0.
    static func pairedTTestPValue(differences: [Double]) -> Double {
        guard differences.count > 1 else { return 1 }
        return PairedTests.tTest(differences, [Double](repeating: 0, count: differences.count)).p
    }

    /// Holm's step-down adjustment of `pValues` (same order, each capped at 1).
    static func holmAdjusted(_ pValues: [Double]) -> [Double] {
        PairedTests.holm(pValues)
    }

    /// The `p` quantile of Student's t.
    static func studentTQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        StudentT.quantile(p, degreesOfFreedom: nu)
    }
}

/// Whether smaller values of a metric are better.
enum MetricDirection {
    /// True for error metrics and losses (`Metric.lowerIsBetter(named:)`).
    static func lowerIsBetter(_ metric: String) -> Bool { Metric.lowerIsBetter(named: metric) }

    /// Whether `a` is better than `b` for `metric` (NaN is never better).
    static func isBetter(_ a: Double, than b: Double, metric: String) -> Bool {
        if a.isNaN { return false }
        if b.isNaN { return true }
        return lowerIsBetter(metric) ? a < b : a > b
    }
}
