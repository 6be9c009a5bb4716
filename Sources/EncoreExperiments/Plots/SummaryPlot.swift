import Foundation

/// `summary.svg`: the main test metric per model as a dot with its 95% confidence interval as
/// an error bar, one horizontal row per model label (best at the top), the value and interval
/// printed at the right.
public enum SummaryPlot {
    /// One row of the plot.
    public struct Entry: Sendable, Hashable {
        /// The model label.
        public var label: String
        /// The point estimate.
        public var mean: Double
        /// The interval bounds (equal to `mean` when no interval could be computed).
        public var lower: Double, upper: Double
        /// The dot and bar colour (`PlotColors`), the label's colour in every plot.
        public var color: String

        /// Creates an entry.
        public init(label: String, mean: Double, lower: Double, upper: Double, color: String) {
            self.label = label
            self.mean = mean
            self.lower = lower
            self.upper = upper
            self.color = color
        }
    }

    /// Entries for `metric` from a table, best first, with a note saying what the intervals are:
    /// the Student-t 95% interval over seeds when a row has two or more seeds; with one seed,
    /// the interval over that run's test users (from its per-user values), else none.
    public static func entries(from table: ResultTable, metric: String, perUser: [String: PerUserMetrics],
                               colors: PlotColors) -> (entries: [Entry], note: String) {
        var kinds = Set<String>()
        var entries: [Entry] = []
        for row in table.rows {
            guard let cell = row.cells[metric], !cell.mean.isNaN else { continue }
            var halfWidth = 0.0
            if cell.values.count > 1 {
                halfWidth = ReportStatistics.confidenceHalfWidth95(cell.values)
                kinds.insert("over \(cell.values.count) seeds")
            } else if let users = perUser[row.runs[0].runID]?.values[metric]?.filter({ !$0.isNaN }), users.count > 1 {
                halfWidth = ReportStatistics.confidenceHalfWidth95(users)
                kinds.insert("over test users (one seed)")
            } else {
                kinds.insert("not available")
            }
            entries.append(Entry(label: row.label, mean: cell.mean, lower: cell.mean - halfWidth, upper: cell.mean + halfWidth,
                                 color: colors.color(row.label)))
        }
        entries.sort { MetricDirection.isBetter($0.mean, than: $1.mean, metric: metric) }
        return (entries, "95% Student-t intervals " + kinds.sorted().joined(separator: "; "))
    }

    /// The SVG document.
    public static func svg(entries: [Entry], metric: String, title: String, note: String) -> String {
        let labelWidth = max(110, Double(entries.map(\.label.count).max() ?? 0) * 7.5 + 24)
        let plotWidth = 520.0, valueWidth = 210.0, rowHeight = 34.0, top = 70.0
        let plotHeight = max(1, Double(entries.count)) * rowHeight
        let width = labelWidth + plotWidth + valueWidth
        var canvas = SVGCanvas(width: width, height: top + plotHeight + 86)
        let values = entries.flatMap { [$0.lower, $0.upper, $0.mean] }
        let panel = PlotPanel(left: labelWidth, top: top, width: plotWidth, height: plotHeight,
                              xAxis: PlotAxis(values: values.isEmpty ? [0, 1] : values),
                              yAxis: PlotAxis(values: [0, 1]))
        canvas.text(title, width / 2, 28, size: 17, anchor: "middle", weight: "bold")
        canvas.text("Test \(metric) per model, \(MetricDirection.lowerIsBetter(metric) ? "lower" : "higher") is better", width / 2, 50, size: 12, anchor: "middle", fill: "#444")
        for index in entries.indices where index % 2 == 0 {
            canvas.rect(labelWidth, top + Double(index) * rowHeight, plotWidth, rowHeight, fill: "#f5f5f5")
        }
        for tick in panel.xAxis.ticks {
            let x = panel.x(tick)
            canvas.line(x, top, x, top + plotHeight, stroke: "#e6e6e6")
            canvas.line(x, top + plotHeight, x, top + plotHeight + 5, stroke: "#444")
            canvas.text(panel.xAxis.label(tick), x, top + plotHeight + 18, size: 11, anchor: "middle", fill: "#444")
        }
        canvas.line(labelWidth, top + plotHeight, labelWidth + plotWidth, top + plotHeight, stroke: "#444")
        canvas.text("Test \(metric)", labelWidth + plotWidth / 2, top + plotHeight + 40, size: 12, anchor: "middle")
        for (index, entry) in entries.enumerated() {
            let y = top + (Double(index) + 0.5) * rowHeight
            let color = entry.color
            canvas.text(entry.label, labelWidth - 12, y + 4, size: 13, anchor: "end")
            if entry.upper > entry.lower {
                canvas.line(panel.x(entry.lower), y, panel.x(entry.upper), y, stroke: color, width: 2)
                canvas.line(panel.x(entry.lower), y - 7, panel.x(entry.lower), y + 7, stroke: color, width: 2)
                canvas.line(panel.x(entry.upper), y - 7, panel.x(entry.upper), y + 7, stroke: color, width: 2)
            }
            canvas.circle(panel.x(entry.mean), y, radius: 5, fill: color)
            let interval = entry.upper > entry.lower
                ? "\(ResultTable.formatMetric(entry.mean)) [\(ResultTable.formatMetric(entry.lower)), \(ResultTable.formatMetric(entry.upper))]"
                : ResultTable.formatMetric(entry.mean)
            canvas.text(interval, labelWidth + plotWidth + 14, y + 4, size: 12, fill: "#333")
        }
        if entries.isEmpty {
            canvas.text("No successful runs", labelWidth + plotWidth / 2, top + rowHeight / 2 + 4, size: 14, anchor: "middle", fill: "#888")
        }
        canvas.text(note + ".", labelWidth, top + plotHeight + 64, size: 11, fill: "#666")
        return canvas.render(title: title)
    }
}
