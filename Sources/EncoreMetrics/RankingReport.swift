/// The result of a full-ranking evaluation.
///
/// `perUser[name][i]` is the value of metric `name` for user `evaluatedUsers[i]` (a row index of
/// the evaluated matrices); `coverage@k` has no per-user value and sits in `coverage` (and `means`).
public struct RankingReport: Sendable, Codable, Equatable {
    /// The metrics evaluated, in order.
    public let metrics: [Metric]
    /// Metric name -> one value per evaluated user, aligned with `evaluatedUsers`.
    public let perUser: [String: [Float]]
    /// Row indices of the users evaluated (those with at least one target), increasing.
    public let evaluatedUsers: [Int]
    /// Users skipped because their target set T was empty.
    public let skippedUsers: Int
    /// `coverage@k` name -> distinct items in all top-k lists / items.
    public let coverage: [String: Double]
    /// Metric name -> mean over evaluated users (coverage: its single value); 0 when no user
    /// was evaluated.
    public let means: [String: Double]

    /// Creates a report and computes the means (in Double).
    public init(
        metrics: [Metric], perUser: [String: [Float]], evaluatedUsers: [Int], skippedUsers: Int,
        coverage: [String: Double]
    ) {
        for (name, values) in perUser {
            requireArgument(
                values.count == evaluatedUsers.count,
                "perUser[\(name)] has \(values.count) values for \(evaluatedUsers.count) users")
        }
        self.metrics = metrics
        self.perUser = perUser
        self.evaluatedUsers = evaluatedUsers
        self.skippedUsers = skippedUsers
        self.coverage = coverage
        var means = coverage
        for (name, values) in perUser {
            means[name] = values.isEmpty ? 0 : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        }
        self.means = means
    }

    /// The per-user values of `metric` as Doubles (for `Statistics`); empty for coverage.
    public func values(_ metric: Metric) -> [Double] {
        (perUser[metric.name] ?? []).map(Double.init)
    }

    /// The summary (mean, sd, 95% CI) over users of `metric`.
    public func summary(_ metric: Metric) -> Summary {
        Summary(values(metric))
    }
}
