import Foundation
import EncoreTensor

/// The comparison table of an experiment, computed once and rendered as Markdown, CSV and LaTeX.
///
/// One row per model label, at its chosen grid point: the one with the best mean validation
/// value of the selection metric over seeds (ties keep the first grid point recorded). One cell
/// per test metric: mean ± sd over seeds. Per column, the best mean is marked `isBest`; a row
/// whose cell the best row beats significantly is marked `significantlyWorse` (see
/// `significanceNote`).
public struct ResultTable: Sendable {
    /// One metric of one row.
    public struct Cell: Sendable, Hashable {
        /// The mean over seeds of the run means.
        public var mean: Double
        /// The sample standard deviation over seeds (0 for one seed).
        public var standardDeviation: Double
        /// The seed values the mean is over.
        public var values: [Double]
        /// Whether this is the column's best mean (every row tied for best is marked).
        public var isBest: Bool = false
        /// Whether the column's best row is significantly better than this row.
        public var significantlyWorse: Bool = false
        /// The Holm-adjusted p-value of best versus this row; nil for the best row or without per-user data.
        public var adjustedPValue: Double?
    }

    /// One model label at its chosen grid point.
    public struct Row: Sendable {
        /// The spec's label.
        public var label: String
        /// The registered model name.
        public var model: String
        /// The chosen grid point.
        public var gridPoint: JSONValue
        /// The mean validation value of the selection metric at the chosen grid point.
        public var selectionValue: Double
        /// The ok runs of the chosen grid point, by ascending seed.
        public var runs: [RunRecord]
        /// Cells by metric name.
        public var cells: [String: Cell]
        /// Mean train seconds over the runs.
        public var trainSeconds: Double
        /// Mean evaluation seconds over the runs.
        public var evalSeconds: Double
        /// Mean epochs to best, nil when no run reports it.
        public var epochsToBest: Double?
        /// Parameters (of the first run reporting it).
        public var parameters: Int?
        /// The largest peak memory over the runs, in bytes.
        public var peakMemoryBytes: Int?
        /// What may make the row misleading (`ResultWarnings`), each sentence starting with the label.
        public var warnings: [String] = []
    }

    /// A run that failed, for the footnotes.
    public struct Failure: Sendable, Hashable {
        /// Label, run ID, seed and reason.
        public var label: String, runID: String, seed: Int, reason: String
    }

    /// The significance level.
    public static let alpha = 0.05
    /// The mark put on a cell the best row beats significantly.
    public static let significanceMark = "†"

    /// The texts of the table.
    public var context: TableContext
    /// The test metrics, in column order.
    public var metrics: [String]
    /// The rows, in the order labels first appear in the results.
    public var rows: [Row]
    /// Failed runs, in recorded order.
    public var failures: [Failure]
    /// Whether per-user values existed for every significance comparison.
    public var significanceTested: Bool
    /// Every row's warnings, in row order: printed as footnotes, recorded in `results.json`.
    public var warnings: [String] { rows.flatMap(\.warnings) }

    /// Computes the table from merged results.
    /// - Parameter context: overrides `results.file.context`; when both are nil, metrics are
    ///   the test metrics found, sorted, and the selection metric is the first validation metric.
    public init(results: MergedResults, context: TableContext? = nil) {
        let file = results.file
        let okRuns = file.runs.filter { $0.status == .ok }
        let found = Set(okRuns.flatMap { $0.test.keys })
        let resolved = context ?? file.context ?? TableContext(
            experiment: file.experiment, protocolDescription: "", datasetDescription: "", metrics: found.sorted(),
            metricDefinitions: [:], selectionMetric: okRuns.first?.validation.keys.sorted().first ?? found.sorted().first ?? "")
        self.context = resolved
        self.metrics = resolved.metrics.filter { found.contains($0) } + found.subtracting(resolved.metrics).sorted()
        self.failures = file.runs.filter { $0.status == .failed }.map {
            Failure(label: $0.label, runID: $0.runID, seed: $0.seed, reason: $0.failure ?? "no reason recorded")
        }
        var labels: [String] = []
        for run in okRuns where !labels.contains(run.label) { labels.append(run.label) }
        self.rows = labels.map { label in
            var row = Self.chooseRow(runs: okRuns.filter { $0.label == label }, selection: resolved.selectionMetric)
            row.warnings = ResultWarnings.row(row, runs: file.runs)
            return row
        }
        self.significanceTested = true
        markBestAndSignificance(perUser: results.perUser)
    }

    private static func chooseRow(runs: [RunRecord], selection: String) -> Row {
        var points: [String] = []
        for run in runs where !points.contains(run.gridPoint.canonicalText) { points.append(run.gridPoint.canonicalText) }
        var chosen = points[0], chosenScore = Double.nan
        for point in points {
            let score = ReportStatistics.mean(runs.filter { $0.gridPoint.canonicalText == point }.compactMap { $0.validation[selection] })
            if MetricDirection.isBetter(score, than: chosenScore, metric: selection) { chosen = point; chosenScore = score }
        }
        let selected = runs.filter { $0.gridPoint.canonicalText == chosen }.sorted { $0.seed < $1.seed }
        var cells: [String: Cell] = [:]
        for metric in Set(selected.flatMap { $0.test.keys }) {
            let values = selected.compactMap { $0.test[metric] }
            cells[metric] = Cell(mean: ReportStatistics.mean(values),
                                 standardDeviation: ReportStatistics.standardDeviation(values), values: values)
        }
        let epochs = selected.compactMap { $0.epochsToBest }.map(Double.init)
        return Row(
            label: selected[0].label, model: selected[0].model, gridPoint: selected[0].gridPoint, selectionValue: chosenScore,
            runs: selected, cells: cells, trainSeconds: Elapsed.recorded(ReportStatistics.mean(selected.map(\.trainSeconds))),
            evalSeconds: Elapsed.recorded(ReportStatistics.mean(selected.map(\.evalSeconds))),
            epochsToBest: epochs.isEmpty ? nil : ReportStatistics.mean(epochs),
            parameters: selected.compactMap(\.parameters).first, peakMemoryBytes: selected.compactMap(\.peakMemoryBytes).max())
    }

    private mutating func markBestAndSignificance(perUser: [String: PerUserMetrics]) {
        for metric in metrics {
            let candidates = rows.indices.filter { rows[$0].cells[metric].map { !$0.mean.isNaN } ?? false }
            guard var best = candidates.first else { continue }
            for index in candidates where MetricDirection.isBetter(rows[index].cells[metric]!.mean, than: rows[best].cells[metric]!.mean, metric: metric) {
                best = index
            }
            let bestMean = rows[best].cells[metric]!.mean
            for index in candidates where rows[index].cells[metric]!.mean == bestMean { rows[index].cells[metric]!.isBest = true }
            var compared: [Int] = [], pValues: [Double] = []
            for index in candidates where !rows[index].cells[metric]!.isBest {
                if let differences = Self.userDifferences(better: rows[best], worse: rows[index], metric: metric, perUser: perUser) {
                    compared.append(index)
                    pValues.append(ReportStatistics.pairedTTestPValue(differences: differences))
                } else {
                    significanceTested = false
                }
            }
            for (index, adjusted) in zip(compared, ReportStatistics.holmAdjusted(pValues)) {
                rows[index].cells[metric]!.adjustedPValue = adjusted
                rows[index].cells[metric]!.significantlyWorse = adjusted < Self.alpha
            }
        }
    }

    /// Per user, the advantage of `better` over `worse` (positive = better), averaged over the
    /// seeds both rows ran; users are paired by ID within a seed. Nil without per-user data.
    static func userDifferences(better: Row, worse: Row, metric: String, perUser: [String: PerUserMetrics]) -> [Double]? {
        let sign = MetricDirection.lowerIsBetter(metric) ? -1.0 : 1.0
        var sums: [String: (total: Double, count: Int)] = [:]
        var pairedSeeds = 0
        for run in better.runs {
            guard let other = worse.runs.first(where: { $0.seed == run.seed }),
                  let a = perUser[run.runID]?.byUser(metric), let b = perUser[other.runID]?.byUser(metric) else { continue }
            pairedSeeds += 1
            for (user, value) in a {
                guard let otherValue = b[user], !value.isNaN, !otherValue.isNaN else { continue }
                sums[user, default: (0, 0)].total += sign * (value - otherValue)
                sums[user, default: (0, 0)].count += 1
            }
        }
        guard pairedSeeds > 0, sums.count > 1 else { return nil }
        return sums.keys.sorted().map { sums[$0]!.total / Double(sums[$0]!.count) }
    }
}
