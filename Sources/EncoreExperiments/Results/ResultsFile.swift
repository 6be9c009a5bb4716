import Foundation

/// Where and how the results were produced: the `provenance` object of `results.json`.
public struct Provenance: Sendable, Codable, Hashable {
    /// `EncoreCLI.version`.
    public var packageVersion: String
    /// `git rev-parse HEAD` of the working directory, when it is a git checkout.
    public var gitCommit: String?
    /// The compiler that built the binary (`Swift 6.3`).
    public var toolchain: String
    /// The CPU model (`/proc/cpuinfo` on Linux, `machdep.cpu.brand_string` on macOS).
    public var cpu: String
    /// The worker threads used.
    public var threads: Int
    /// The operating system and version.
    public var os: String
    /// The command line, arguments joined by spaces.
    public var commandLine: String
    /// When the experiment started, ISO 8601 in UTC.
    public var startedAt: String

    /// Creates a provenance record.
    public init(
        packageVersion: String, gitCommit: String?, toolchain: String, cpu: String, threads: Int, os: String,
        commandLine: String, startedAt: String
    ) {
        self.packageVersion = packageVersion
        self.gitCommit = gitCommit
        self.toolchain = toolchain
        self.cpu = cpu
        self.threads = threads
        self.os = os
        self.commandLine = commandLine
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case toolchain, cpu, threads, os
        case packageVersion = "package_version"
        case gitCommit = "git_commit"
        case commandLine = "command_line"
        case startedAt = "started_at"
    }
}

/// The texts a table needs besides the numbers, stored in `results.json` as `context` so that
/// `encore table DIR` can rebuild the tables without the spec.
public struct TableContext: Sendable, Codable, Hashable {
    /// The experiment name (the table's caption).
    public var experiment: String
    /// The protocol in one or two sentences (`Strong generalization: 600 validation and 600 test users, ...`).
    public var protocolDescription: String
    /// The dataset after preprocessing (`ML-1M, ratings >= 4: 6,038 users, 3,533 items, 575,281 interactions`).
    public var datasetDescription: String
    /// The test metrics in column order.
    public var metrics: [String]
    /// Each metric's definition, by metric name (from `EncoreMetrics`' `Metric.definition`).
    public var metricDefinitions: [String: String]
    /// The validation metric used to select epochs and grid points (`ndcg@100`).
    public var selectionMetric: String
    /// The test metric plotted in `summary.svg`; nil means the selection metric when it is
    /// among `metrics`, else the first of `metrics`.
    public var mainMetric: String?
    /// Notes on how the numbers were computed, one footnote each (a metric whose cut-off was
    /// capped at the item count); nil when there are none.
    public var notes: [String]?

    /// Creates a context.
    public init(
        experiment: String, protocolDescription: String, datasetDescription: String, metrics: [String],
        metricDefinitions: [String: String], selectionMetric: String, mainMetric: String? = nil, notes: [String]? = nil
    ) {
        self.experiment = experiment
        self.protocolDescription = protocolDescription
        self.datasetDescription = datasetDescription
        self.metrics = metrics
        self.metricDefinitions = metricDefinitions
        self.selectionMetric = selectionMetric
        self.mainMetric = mainMetric
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case experiment, metrics, notes
        case protocolDescription = "protocol"
        case datasetDescription = "dataset"
        case metricDefinitions = "metric_definitions"
        case selectionMetric = "selection_metric"
        case mainMetric = "main_metric"
    }

    /// Each metric's definition from `EncoreMetrics` (`Metric.definition`), keyed by name: the
    /// value for `metricDefinitions`.
    public static func definitions(for metrics: [Metric]) -> [String: String] {
        Dictionary(metrics.map { ($0.name, $0.definition) }, uniquingKeysWith: { first, _ in first })
    }

    /// The metric plotted in `summary.svg`.
    public var plottedMetric: String {
        mainMetric ?? (metrics.contains(selectionMetric) ? selectionMetric : metrics.first ?? selectionMetric)
    }
}

/// One evaluation setting of a comparison spec (models with different data or protocol): its
/// table folder, the labels evaluated under it and its table texts. `encore table` uses it to
/// rebuild one table per setting from merged shards.
public struct SettingContext: Sendable, Codable, Hashable {
    /// The folder of the setting's tables inside the results directory (`setting-2-rating-holdout`).
    public var folder: String
    /// The model labels evaluated under this setting.
    public var labels: [String]
    /// The setting's table texts.
    public var context: TableContext

    /// Creates a setting context.
    public init(folder: String, labels: [String], context: TableContext) {
        self.folder = folder
        self.labels = labels
        self.context = context
    }
}

/// The whole of `results.json`: the experiment's identity, every run, and provenance.
public struct ResultsFile: Sendable, Codable, Hashable {
    /// The spec's `name`.
    public var experiment: String
    /// SHA-256 (hex) of the canonical spec; a store refuses records of another spec.
    public var specSHA256: String
    /// SHA-256 (hex) of the data after preprocessing.
    public var dataSHA256: String
    /// The table texts; nil in files written without them (then tables use bare metric names).
    public var context: TableContext?
    /// Every finished run (ok or failed), in the order they finished.
    public var runs: [RunRecord]
    /// The evaluation settings of a comparison spec (two or more); nil for a single setting.
    public var settings: [SettingContext]?
    /// Where and how the results were produced (of the latest process that wrote the file).
    public var provenance: Provenance
    /// The tables' warnings, as in their footnotes (`ResultTable.warnings`; for a comparison
    /// spec each starts with its setting's folder); written with the tables, nil before.
    public var warnings: [String]?

    /// Creates a results file.
    public init(
        experiment: String, specSHA256: String, dataSHA256: String, context: TableContext? = nil,
        runs: [RunRecord] = [], provenance: Provenance, settings: [SettingContext]? = nil, warnings: [String]? = nil
    ) {
        self.settings = settings
        self.experiment = experiment
        self.specSHA256 = specSHA256
        self.dataSHA256 = dataSHA256
        self.context = context
        self.runs = runs
        self.provenance = provenance
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case experiment, context, runs, provenance, settings, warnings
        case specSHA256 = "spec_sha256"
        case dataSHA256 = "data_sha256"
    }

    /// Pretty-printed JSON with sorted keys (stable diffs). A loss that turned NaN or infinite
    /// (a failed run's curve) is written as the string `"nan"`, `"inf"` or `"-inf"`.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Decodes `results.json` text (the inverse of `encoded()`).
    public static func decode(_ data: Data) throws -> ResultsFile {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(ResultsFile.self, from: data)
    }
}
