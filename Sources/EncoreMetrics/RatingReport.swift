import Foundation

/// Rating-prediction errors: `rmse` and `mae` over test ratings, predictions clipped to the range.
public struct RatingReport: Sendable, Codable, Equatable {
    /// Root mean squared error over all test ratings (0 when there are none).
    public let rmse: Double
    /// Mean absolute error over all test ratings (0 when there are none).
    public let mae: Double
    /// Number of test ratings.
    public let count: Int
    /// Test ratings predicted by a fallback (unknown user or item), counted by the caller.
    public let fallbacks: Int
    /// Number of predictions changed by clipping to the rating range.
    public let clipped: Int
    /// Signed error (clipped prediction - truth) of each rating, in input order.
    public let perRatingError: [Float]

    /// The value of `metric` (`rmse` or `mae`).
    public func value(_ metric: Metric) -> Double {
        switch metric.kind {
        case .rmse: return rmse
        case .mae: return mae
        default: preconditionFailure("RatingReport has no \(metric)")
        }
    }

    /// Per-user rmse or mae for the users `users[i]` of each rating, users in increasing order;
    /// for paired statistics between models over the same users.
    /// - Precondition: `users.count == count`.
    public func perUser(_ metric: Metric, users: [Int]) -> (users: [Int], values: [Double]) {
        requireArgument(users.count == count, "\(users.count) user indices for \(count) ratings")
        requireArgument(!metric.isRanking, "perUser(\(metric)) needs rmse or mae")
        var sums: [Int: (Double, Int)] = [:]
        for (i, user) in users.enumerated() {
            let e = Double(perRatingError[i])
            let term = metric.kind == .rmse ? e * e : abs(e)
            let old = sums[user] ?? (0, 0)
            sums[user] = (old.0 + term, old.1 + 1)
        }
        let ordered = sums.keys.sorted()
        let values = ordered.map { user -> Double in
            let (sum, n) = sums[user]!
            return metric.kind == .rmse ? (sum / Double(n)).squareRoot() : sum / Double(n)
        }
        return (ordered, values)
    }
}

/// Computes rmse and mae of `predictions` against `truth`.
/// - Parameters:
///   - predictions: one prediction per test rating.
///   - truth: the test ratings, same count.
///   - range: the rating range (e.g. `1...5`); predictions are clipped into it; `nil`: no clipping.
///   - fallbacks: how many of the predictions came from a fallback (unknown user or item).
/// - Precondition: equal counts; non-finite predictions are a model bug.
public func ratingReport(
    predictions: [Float], truth: [Float], range: ClosedRange<Float>?, fallbacks: Int
) -> RatingReport {
    requireArgument(predictions.count == truth.count, "\(predictions.count) predictions for \(truth.count) ratings")
    requireArgument(fallbacks >= 0 && fallbacks <= truth.count, "fallbacks \(fallbacks) out of 0...\(truth.count)")
    var squared = 0.0, absolute = 0.0, clipped = 0
    var errors = [Float](repeating: 0, count: truth.count)
    for i in 0..<truth.count {
        var p = predictions[i]
        requireArgument(p.isFinite, "prediction \(i) is \(p)")
        if let range {
            let c = min(max(p, range.lowerBound), range.upperBound)
            if c != p { clipped += 1 }
            p = c
        }
        let e = Double(p) - Double(truth[i])
        errors[i] = Float(e)
        squared += e * e
        absolute += abs(e)
    }
    let n = Double(max(1, truth.count))
    return RatingReport(
        rmse: truth.isEmpty ? 0 : (squared / n).squareRoot(), mae: truth.isEmpty ? 0 : absolute / n,
        count: truth.count, fallbacks: fallbacks, clipped: clipped, perRatingError: errors)
}
