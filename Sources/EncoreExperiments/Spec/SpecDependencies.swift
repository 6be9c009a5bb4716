// The spec layer's only coupling to names owned by other modules: metric names (EncoreMetrics'
// `Metric`) and dataset names and formats (EncoreData's `DataCatalog`).

/// Metric names as specs write them (`ndcg@100`, `recall_full@20`, `rmse`).
enum SpecMetricName {
    /// What a valid name looks like, for messages.
    static let expected = "a metric name: " + Metric.validNames.joined(separator: ", ") + " (k a positive integer)"

    /// The canonical name, or nil when `name` is not a metric.
    static func canonical(_ name: String) -> String? { (try? Metric(parsing: name))?.name }

    /// Whether `name` is a rating metric (rmse, mae).
    static func isRating(_ name: String) -> Bool { (try? Metric(parsing: name)).map { !$0.isRanking } ?? false }

    /// The cut-off k of a ranking metric name, nil for rmse, mae or a name that is not a metric.
    static func cutoff(_ name: String) -> Int? { (try? Metric(parsing: name))?.k }

    /// What a cut-off must be, for messages.
    static let cutoffExpected = "a metric whose cut-off k is at most \(ExperimentSpec.maxCutoff) (a top-k list is capped at the item count anyway)"
}

/// Dataset names a spec may use.
enum SpecDatasetName {
    /// The generated dataset whose parameters a spec can set (`dataset.synthetic`).
    static let configurableSynthetic = "synthetic"

    /// Every name accepted in `dataset.name`: `DataCatalog.names` (MovieLens sets and the
    /// built-in synthetic ones).
    static var all: [String] { DataCatalog.names }
}
