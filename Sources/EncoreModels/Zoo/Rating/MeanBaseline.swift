import Foundation

/// The settings of the mean baselines (`global-mean`, `user-mean`, `item-mean`).
public struct MeanBaselineConfig: Codable, Sendable, Equatable {
    /// Shrinkage `beta` towards the global mean: a user's (item's) mean is
    /// `(sum + beta * globalMean) / (count + beta)`. Default 0: the plain mean. Ignored by
    /// `global-mean`.
    public var shrinkage: Float

    /// The default: no shrinkage.
    public static let defaults = MeanBaselineConfig(shrinkage: 0)

    /// One sentence per snake_case key.
    public static let help: [String: String] = [
        "shrinkage": "Pseudo-count pulling each user/item mean towards the global mean (0: plain mean).",
    ]
}

extension ConfigChecks {
    /// The rule of `user-mean` and `item-mean`: a shrinkage >= 0.
    static func shrinkage(_ config: MeanBaselineConfig) -> ConfigChecks {
        var checks = ConfigChecks()
        checks.nonNegative("shrinkage", config.shrinkage)
        return checks
    }
}

/// What the three mean baselines share: the closed-form fit and the fallback rules.
enum MeanBaseline {
    /// Per-group means of the training ratings, grouped by row (`byItem == false`) or column;
    /// groups without ratings are nil (predicted as the global mean and counted as fallbacks).
    static func means(_ train: SparseMatrix, byItem: Bool, shrinkage: Float, globalMean: Float) -> [Float?] {
        let groups = byItem ? train.cols : train.rows
        var sums = [Double](repeating: 0, count: groups), counts = [Int](repeating: 0, count: groups)
        for r in 0..<train.rows {
            for e in train.rowPointers[r]..<train.rowPointers[r + 1] {
                let g = byItem ? Int(train.columnIndices[e]) : r
                sums[g] += Double(train.values[e])
                counts[g] += 1
            }
        }
        return (0..<groups).map { g in
            counts[g] == 0 ? nil
                : Float((sums[g] + Double(shrinkage) * Double(globalMean)) / (Double(counts[g]) + Double(shrinkage)))
        }
    }

    /// Predictions from per-user or per-item means (`nil`: the global mean, a fallback).
    static func predict(_ means: [Float?], keys: [Int32], globalMean: Float) -> RatingPredictions {
        var fallbacks = 0
        let values = keys.map { key -> Float in
            let k = Int(key)
            if k >= 0, k < means.count, let m = means[k] { return m }
            fallbacks += 1
            return globalMean
        }
        return RatingPredictions(values: values, fallbacks: fallbacks)
    }
}
