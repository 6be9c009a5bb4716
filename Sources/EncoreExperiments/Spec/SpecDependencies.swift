// The spec layer's only coupling to names owned by other modules. While EncoreMetrics'
// `Metric(parsing:)` and EncoreData's dataset registry are not on main, the two lists below
// mirror their contracts (DESIGN.md section 5; issue 3); once merged, these functions forward.

/// Metric names as specs write them (`ndcg@100`, `recall_full@20`, `rmse`).
enum SpecMetricName {
    /// Ranking families taking `@k` (DESIGN.md section 5).
    static let rankingFamilies = ["precision", "recall", "recall_full", "ndcg", "map", "mrr", "hit", "coverage"]
    /// Rating metrics (no cut-off).
    static let ratingMetrics = ["rmse", "mae"]

    /// What a valid name looks like, for messages.
    static let expected = "a metric name: " + rankingFamilies.map { "\($0)@k" }.joined(separator: ", ")
        + ", " + ratingMetrics.joined(separator: ", ") + " (k a positive integer)"

    /// The canonical name, or nil when `name` is not a metric.
    static func canonical(_ name: String) -> String? {
        if ratingMetrics.contains(name) { return name }
        let parts = name.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, rankingFamilies.contains(String(parts[0])),
              let k = Int(parts[1]), k >= 1, String(k) == parts[1] else { return nil }
        return name
    }

    /// Whether `name` is rmse or mae.
    static func isRating(_ name: String) -> Bool { ratingMetrics.contains(name) }
}

/// Dataset names a spec may use, with the file format each is read in.
enum SpecDatasetName {
    /// Name -> format of its ratings file (`ml-1m-implicit` is ML-1M's ratings >= 4).
    static let formats: [(name: String, format: DatasetSpec.FileFormat)] = [
        ("ml-100k", .movieLens100K), ("ml-1m", .movieLensDat), ("ml-1m-implicit", .movieLensDat),
        ("ml-10m", .movieLensDat), ("ml-20m", .movieLensCSV), ("ml-25m", .movieLensCSV),
        ("ml-latest-small", .movieLensCSV),
    ]

    /// Every name accepted in `dataset.name`, `synthetic` included.
    static var all: [String] { formats.map(\.name) + ["synthetic"] }
}
