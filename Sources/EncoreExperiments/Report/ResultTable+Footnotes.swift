import Foundation

extension ResultTable {
    /// The resource columns after the metric columns, in order.
    public static let resourceHeaders = ["Train (s)", "Eval (s)", "Epochs to best", "Parameters", "Peak memory (MB)"]

    /// The description of the significance test, as printed in the footnotes.
    public var significanceNote: String {
        var note = "\(Self.significanceMark): the column's best model is significantly better than this row "
            + "(two-sided paired t-test over test users: each user's difference is averaged over the seeds both models ran, "
            + "users paired by ID within a seed; Holm-corrected over the comparisons in the column; alpha = \(Self.alpha))."
        if !significanceTested { note += " Some comparisons lacked per-user values and were not tested." }
        return note
    }

    /// The footnotes, one plain-text paragraph each (renderers escape them).
    public var footnotes: [String] {
        var notes: [String] = []
        let seeds = Set(rows.flatMap { $0.runs.map(\.seed) }).sorted()
        let lower = metrics.filter(MetricDirection.lowerIsBetter)
        let direction = lower.isEmpty ? "higher is better for every metric"
            : lower.count == metrics.count ? "lower is better for every metric"
            : "lower is better for \(lower.joined(separator: ", ")), higher for the others"
        notes.append("Values are mean ± sample sd over seeds (\(seeds.map(String.init).joined(separator: ", "))); "
            + "the best mean of each column is in bold; \(direction).")
        let chosen = rows.map { row in
            "\(row.label) (\(row.model)): \(row.gridPoint.shortDescription.nonEmpty ?? "no grid")"
        }
        notes.append("Grid points chosen by mean validation \(context.selectionMetric): " + chosen.joined(separator: "; ") + ".")
        notes += warnings.map { "Warning: " + $0 }
        notes += definitionNotes
        notes += (context.notes ?? []).map { $0.hasSuffix(".") ? $0 : $0 + "." }
        if !context.protocolDescription.isEmpty { notes.append("Protocol: \(context.protocolDescription)") }
        if !context.datasetDescription.isEmpty { notes.append("Dataset after preprocessing: \(context.datasetDescription)") }
        notes.append(significanceNote)
        notes.append("Times are means over seeds; peak memory is the largest over seeds, in MB (10^6 bytes).")
        if !failures.isEmpty {
            notes.append("Failed runs: " + failures.map { "\($0.label) seed \($0.seed) (\($0.runID)): \($0.reason)" }.joined(separator: "; ") + ".")
        }
        return notes
    }

    /// One note per distinct definition (`recall@20, recall@50: recall@k = ...`), then the
    /// conventions `EncoreMetrics` states for ranking metrics when the columns parse as metrics.
    var definitionNotes: [String] {
        var order: [String] = []
        var names: [String: [String]] = [:]
        for metric in metrics {
            let definition = context.metricDefinitions[metric] ?? "definition not recorded"
            if names[definition] == nil { order.append(definition) }
            names[definition, default: []].append(metric)
        }
        var notes = order.map { "\(names[$0]!.joined(separator: ", ")): \($0)." }
        if let parsed = try? Metric.parse(metrics) {
            let definitions = Set(parsed.map(\.definition))
            notes += Metric.footnote(for: parsed).split(separator: "\n").map(String.init).filter { !definitions.contains($0) }
        }
        return notes
    }

    /// A metric value with 4 decimals (`0.4123`), `–` for NaN.
    static func formatMetric(_ value: Double) -> String {
        value.isNaN ? "–" : String(format: "%.4f", value)
    }

    /// The resource cells of a row, as plain text, in `resourceHeaders` order.
    static func resourceCells(_ row: Row) -> [String] {
        let epochs: String
        if let value = row.epochsToBest {
            epochs = value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
        } else {
            epochs = "–"
        }
        return [
            String(format: "%.1f", row.trainSeconds), String(format: "%.2f", row.evalSeconds), epochs,
            row.parameters.map(groupedThousands) ?? "–",
            row.peakMemoryBytes.map { String(format: "%.1f", Double($0) / 1e6) } ?? "–",
        ]
    }

    /// `1234567` as `1,234,567`.
    static func groupedThousands(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }
}

extension String {
    /// Nil when empty, else the string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
