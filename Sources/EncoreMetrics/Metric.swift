/// One evaluation metric, named as in docs/metrics.md (`ndcg@10`, `recall_full@50`, `rmse`).
///
/// A metric is `Codable` as its name string, so specs and reports read `"metrics": ["ndcg@100"]`.
/// Libraries disagree on recall (÷|T| versus ÷min(k, |T|)); `definition` is the exact formula
/// used here, printed in every table footnote.
public struct Metric: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    /// The family of a metric, without its cut-off.
    public enum Kind: String, CaseIterable, Sendable {
        /// `precision@k` = |R_k ∩ T| / k.
        case precision
        /// `recall@k` = |R_k ∩ T| / min(k, |T|).
        case recall
        /// `recall_full@k` = |R_k ∩ T| / |T|.
        case recallFull = "recall_full"
        /// `ndcg@k` with binary gains.
        case ndcg
        /// `map@k` = (1 / min(k, |T|)) Σ_{r ≤ k} precision@r · rel_r.
        case map
        /// `mrr@k` = 1 / rank of the first hit within k, else 0.
        case mrr
        /// `hit@k` = 1 if any hit within k.
        case hit
        /// `coverage@k` = distinct items in all top-k lists / items (one value, not per user).
        case coverage
        /// Root mean squared error over test ratings.
        case rmse
        /// Mean absolute error over test ratings.
        case mae

        /// Whether this family is a ranking metric with a cut-off `@k`.
        public var isRanking: Bool { self != .rmse && self != .mae }
    }

    /// The family.
    public let kind: Kind
    /// The cut-off for ranking metrics; `nil` for `rmse` and `mae`.
    public let k: Int?

    /// Creates a metric.
    /// - Precondition: `k >= 1` for ranking kinds, `k == nil` for rating kinds.
    public init(_ kind: Kind, k: Int? = nil) {
        if kind.isRanking {
            requireArgument(k.map { $0 >= 1 } ?? false, "\(kind.rawValue) needs a cut-off k >= 1, got \(String(describing: k))")
        } else {
            requireArgument(k == nil, "\(kind.rawValue) takes no cut-off, got k = \(k!)")
        }
        self.kind = kind
        self.k = k
    }

    /// Parses a metric name such as `"ndcg@100"` or `"rmse"`.
    /// - Throws: `MetricsError.unknownMetric` listing the valid names when `name` is not one.
    public init(parsing name: String) throws {
        let parts = name.split(separator: "@", omittingEmptySubsequences: false)
        guard let kind = Kind(rawValue: String(parts[0])), parts.count <= 2 else {
            throw MetricsError.unknownMetric(name)
        }
        if kind.isRanking {
            guard parts.count == 2, let k = Int(parts[1]), k >= 1, String(k) == parts[1] else {
                throw MetricsError.unknownMetric(name)
            }
            self.init(kind, k: k)
        } else {
            guard parts.count == 1 else { throw MetricsError.unknownMetric(name) }
            self.init(kind)
        }
    }

    /// The length of the top-k list on data with `items` items: `k` capped at the item count (a
    /// list cannot hold more items than exist); nil for rmse and mae. The value of the metric is
    /// unchanged by the cap: ranks past the item count hold no item.
    public func listLength(items: Int) -> Int? { k.map { Self.cap($0, items: items) } }

    /// `k` capped at `items` (at least 1).
    static func cap(_ k: Int, items: Int) -> Int { max(1, min(k, items)) }

    /// Parses several names, e.g. from a spec's `metrics` list.
    /// - Throws: `MetricsError.unknownMetric` for the first invalid name.
    public static func parse(_ names: [String]) throws -> [Metric] {
        try names.map { try Metric(parsing: $0) }
    }

    /// Every valid name pattern, as listed in error messages.
    public static let validNames: [String] = Kind.allCases.map { $0.isRanking ? "\($0.rawValue)@k" : $0.rawValue }

    /// The canonical name (`"recall_full@20"`).
    public var name: String { k.map { "\(kind.rawValue)@\($0)" } ?? kind.rawValue }

    /// The canonical name.
    public var description: String { name }

    /// Whether this is a ranking metric (evaluated by `RankingEvaluator`).
    public var isRanking: Bool { kind.isRanking }

    /// Whether a larger value is better: every ranking metric; not the rating errors (rmse, mae).
    public var higherIsBetter: Bool { kind.isRanking }

    /// The direction of any value named in a result or a curve: a metric name parses and takes
    /// its own direction; other names are lower-is-better when they are errors or losses (`mse`,
    /// `loss`, `train_loss`, ...) and higher-is-better otherwise.
    public static func lowerIsBetter(named name: String) -> Bool {
        if let metric = try? Metric(parsing: name) { return !metric.higherIsBetter }
        let base = name.lowercased().split(separator: "@").first.map(String.init) ?? name.lowercased()
        return ["rmse", "mae", "mse"].contains(base) || base.hasSuffix("loss")
    }

    /// The exact formula, for table footnotes (T = targets, R_k = top-k after excluding history).
    public var definition: String {
        switch kind {
        case .precision: return "precision@k = |R_k ∩ T| / k"
        case .recall: return "recall@k = |R_k ∩ T| / min(k, |T|)"
        case .recallFull: return "recall_full@k = |R_k ∩ T| / |T|"
        case .ndcg: return "ndcg@k = DCG@k / IDCG@k, binary gains, DCG@k = Σ_{r≤k} rel_r / log2(r+1), IDCG@k = Σ_{r≤min(k,|T|)} 1 / log2(r+1)"
        case .map: return "map@k = (1 / min(k, |T|)) Σ_{r≤k} precision@r · rel_r"
        case .mrr: return "mrr@k = 1 / rank of the first hit within k, else 0"
        case .hit: return "hit@k = 1 if |R_k ∩ T| > 0, else 0"
        case .coverage: return "coverage@k = distinct items in all top-k lists / items"
        case .rmse: return "rmse = sqrt(mean((clip(prediction) - rating)^2)), predictions clipped to the rating range"
        case .mae: return "mae = mean(|clip(prediction) - rating|), predictions clipped to the rating range"
        }
    }

    /// The footnote text for a table over `metrics`: one definition per family, plus the
    /// conventions shared by all ranking metrics.
    public static func footnote(for metrics: [Metric]) -> String {
        var seen = Set<Kind>()
        var lines: [String] = []
        for metric in metrics where seen.insert(metric.kind).inserted { lines.append(metric.definition) }
        if metrics.contains(where: \.isRanking) {
            lines.append("R_k: top-k over all items after excluding the user's history; ties broken by lower item index; users with empty T skipped.")
        }
        return lines.joined(separator: "\n")
    }

    /// Orders by family (declaration order), then by cut-off.
    public static func < (a: Metric, b: Metric) -> Bool {
        let ia = Kind.allCases.firstIndex(of: a.kind)!, ib = Kind.allCases.firstIndex(of: b.kind)!
        return ia != ib ? ia < ib : (a.k ?? 0) < (b.k ?? 0)
    }

    /// Decodes from the name string.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        do {
            try self.init(parsing: name)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    /// Encodes as the name string.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Errors from user input to the metrics module (metric names, output files).
public enum MetricsError: Error, CustomStringConvertible, Equatable {
    /// A metric name that is not one of `Metric.validNames`.
    case unknownMetric(String)
    /// A file could not be written (path, reason).
    case io(path: String, reason: String)

    /// Whether the CLI should report this as a usage error (64) rather than an I/O error (74).
    public var isUsageError: Bool {
        if case .unknownMetric = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .unknownMetric(let name):
            return "unknown metric '\(name)'; valid metrics: \(Metric.validNames.joined(separator: ", ")) (k a positive integer)"
        case .io(let path, let reason):
            return "cannot write '\(path)': \(reason)"
        }
    }
}
