import Foundation

/// Writes an experiment's tables and plots: `table.md`, `table.csv`, `table.tex`, `curves.svg`
/// and `summary.svg`, each atomically.
public enum ReportWriter {
    /// The file names written, in order.
    public static let fileNames = ["table.md", "table.csv", "table.tex", "curves.svg", "summary.svg"]

    /// Computes the table from `results` and writes every output file into `directory`
    /// (created if needed).
    /// - Parameters:
    ///   - context: overrides the context stored in the results.
    ///   - setting: the evaluation setting's name, added to the plots' titles (comparison specs).
    ///   - colors: the label colours; by default assigned over every label in `results`.
    /// - Returns: the table (for printing) and the files written.
    /// - Throws: `ResultStoreError.io` when a file cannot be written.
    @discardableResult
    public static func write(_ results: MergedResults, to directory: URL, context: TableContext? = nil, setting: String? = nil,
                             colors: PlotColors? = nil) throws -> (table: ResultTable, files: [URL]) {
        let table = ResultTable(results: results, context: context)
        let title = setting.map { "\(table.context.experiment), \($0)" } ?? table.context.experiment
        let metric = table.context.plottedMetric
        let colors = colors ?? PlotColors(labels: results.file.runs.map(\.label))
        let curves = CurvesPlot.series(from: table, colors: colors)
        let summary = SummaryPlot.entries(from: table, metric: metric, perUser: results.perUser, colors: colors)
        let dataset = table.context.datasetDescription
        let contents = [
            table.markdown, table.csv, table.latex,
            CurvesPlot.svg(series: curves, validationMetric: table.context.selectionMetric, title: title,
                           subtitle: dataset.isEmpty ? nil : dataset,
                           withoutCurves: table.rows.map(\.label).filter { label in !curves.contains { $0.label == label } }),
            SummaryPlot.svg(entries: summary.entries, metric: metric, title: title, note: summary.note),
        ]
        var files: [URL] = []
        for (name, text) in zip(fileNames, contents) {
            let url = directory.appendingPathComponent(name)
            try AtomicFile.write(text, to: url)
            files.append(url)
        }
        return (table, files)
    }
}
