import Foundation

/// `curves.svg`: two panels side by side, the validation metric per epoch and the training loss
/// per epoch, one line per model label, and a shared legend underneath. The selected epoch
/// (epochs to best) is marked with a ring on the validation line; models without epochs (closed
/// form) are horizontal dashed lines at their validation value. Each panel's vertical range is
/// robust (`PlotAxis.init(values:core:)`): values far beyond the settled part of the curves are
/// cut at the panel's edge and marked with a triangle there.
public enum CurvesPlot {
    /// One line of the plot.
    public struct Series: Sendable, Hashable {
        /// The legend text.
        public var label: String
        /// The per-epoch points (validation may be nil on epochs that skipped it).
        public var curve: [CurvePoint]
        /// The selected epoch, marked on the validation line.
        public var bestEpoch: Int?
        /// A closed-form model's validation value, drawn as a horizontal reference line across
        /// the validation panel; `curve` is not drawn when it is set.
        public var reference: Double?
        /// The line colour (`PlotColors`).
        public var color: String

        /// Creates a series.
        public init(label: String, curve: [CurvePoint], bestEpoch: Int?, reference: Double? = nil, color: String) {
            self.label = label
            self.curve = curve
            self.bestEpoch = bestEpoch
            self.reference = reference
            self.color = color
        }
    }

    /// How far beyond the settled values an axis reaches, in spans of them (`PlotAxis`).
    static let reach = 1.0

    /// One series per table row: for a gradient model the lowest seed's run at the chosen grid
    /// point (curves of different seeds stop at different epochs, so they are not averaged); for
    /// a closed-form model (no run with a selected epoch, at most one curve point) a reference
    /// line at the lowest seed's validation value. Rows with neither are left out.
    public static func series(from table: ResultTable, colors: PlotColors) -> [Series] {
        table.rows.compactMap { row in
            let color = colors.color(row.label)
            if row.runs.allSatisfy({ $0.epochsToBest == nil && $0.curve.count <= 1 }) {
                guard let run = row.runs.first,
                      let value = run.validation[table.context.selectionMetric] ?? run.curve.first?.validation,
                      value.isFinite else { return nil }
                return Series(label: row.label, curve: [], bestEpoch: nil, reference: value, color: color)
            }
            guard let run = row.runs.first(where: { !$0.curve.isEmpty }) else { return nil }
            return Series(label: row.label, curve: run.curve, bestEpoch: run.epochsToBest, color: color)
        }
    }

    /// The SVG document. Losses are drawn on a log scale when they are all positive and span
    /// more than 20x (models' losses differ in scale); non-finite losses are left out.
    /// - Parameters:
    ///   - title: the heading (the experiment, and its setting in a comparison spec).
    ///   - subtitle: smaller text under the heading (the dataset), on at most two lines.
    ///   - withoutCurves: labels of models with neither a curve nor a validation value, named
    ///     in a note under the legend.
    public static func svg(series: [Series], validationMetric: String, title: String, subtitle: String? = nil,
                           withoutCurves: [String] = []) -> String {
        let panelWidth = 390.0, panelHeight = 300.0, gap = 110.0, marginLeft = 80.0
        let width = marginLeft + 2 * panelWidth + gap + 30
        let subtitleLines = subtitle.map { Array(SVGCanvas.wrap($0, width: width - 60, size: 12).prefix(2)) } ?? []
        let top = 70.0 + 15 * Double(subtitleLines.count)
        var canvas = SVGCanvas(width: width, height: 0)
        let curves = series.filter { $0.reference == nil }, references = series.filter { $0.reference != nil }
        let epochs = curves.flatMap { $0.curve.map { Double($0.epoch) } }
        let xAxis = PlotAxis(values: epochs.isEmpty ? [1, 2] : [1] + epochs)

        let validationAxis = PlotAxis(values: curves.flatMap { $0.curve.compactMap(\.validation) } + references.compactMap(\.reference),
                                      core: curves.flatMap(settledValidation) + references.compactMap(\.reference), reach: reach)
        let validationPanel = PlotPanel(left: marginLeft, top: top, width: panelWidth, height: panelHeight,
                                        xAxis: xAxis, yAxis: validationAxis)
        let losses = curves.flatMap { $0.curve.map(\.loss) }.filter { $0.isFinite }
        let lossAxis = PlotAxis(values: losses, core: curves.flatMap { settled($0.curve.map(\.loss).filter { $0.isFinite }) },
                                reach: reach, allowLog: true)
        let lossPanel = PlotPanel(left: marginLeft + panelWidth + gap, top: top, width: panelWidth, height: panelHeight,
                                  xAxis: xAxis, yAxis: lossAxis)

        canvas.text(title, width / 2, 28, size: 17, anchor: "middle", weight: "bold")
        for (index, line) in subtitleLines.enumerated() {
            canvas.text(line, width / 2, 48 + 15 * Double(index), size: 12, anchor: "middle", fill: "#555")
        }
        canvas.drawAxes(validationPanel, title: "Validation \(validationMetric)", xTitle: "Epoch", yTitle: validationMetric)
        canvas.drawAxes(lossPanel, title: "Training loss", xTitle: "Epoch",
                        yTitle: lossAxis.logarithmic ? "Loss (log scale)" : "Loss")
        canvas.clipRectangle(id: "encore-validation-panel", validationPanel.left, validationPanel.top, panelWidth, panelHeight)
        canvas.clipRectangle(id: "encore-loss-panel", lossPanel.left, lossPanel.top, panelWidth, panelHeight)

        for line in references {
            let y = validationPanel.y(line.reference!)
            canvas.line(validationPanel.left, y, validationPanel.left + panelWidth, y, stroke: line.color, width: 2, dash: "7 4")
        }
        var validationClipped: [(label: String, color: String, stretches: [ClippedStretch])] = []
        var lossClipped: [(label: String, color: String, stretches: [ClippedStretch])] = []
        for line in curves {
            let validation = line.curve.compactMap { point in point.validation.map { (epoch: point.epoch, value: $0) } }
            let beyond = canvas.drawCurve(validation, in: validationPanel, color: line.color, clip: "encore-validation-panel")
            if !beyond.isEmpty { validationClipped.append((line.label, line.color, beyond)) }
            if let best = line.bestEpoch, let point = validation.first(where: { $0.epoch == best }), validationAxis.contains(point.value) {
                canvas.circle(validationPanel.x(Double(best)), validationPanel.y(point.value), radius: 5, fill: "white", stroke: line.color)
            }
            let loss = line.curve.filter { $0.loss.isFinite && (!lossAxis.logarithmic || $0.loss > 0) }.map { (epoch: $0.epoch, value: $0.loss) }
            let lossBeyond = canvas.drawCurve(loss, in: lossPanel, color: line.color, clip: "encore-loss-panel")
            if !lossBeyond.isEmpty { lossClipped.append((line.label, line.color, lossBeyond)) }
        }
        canvas.drawClipMarkers(validationClipped.flatMap { entry in entry.stretches.map { ($0, entry.color) } }, in: validationPanel)
        canvas.drawClipMarkers(lossClipped.flatMap { entry in entry.stretches.map { ($0, entry.color) } }, in: lossPanel)
        if series.isEmpty {
            canvas.text("No training curves recorded", width / 2, top + panelHeight / 2, size: 14, anchor: "middle", fill: "#888")
        } else if losses.isEmpty {
            canvas.text("No training loss (closed-form models only)", lossPanel.left + panelWidth / 2, top + panelHeight / 2,
                        size: 13, anchor: "middle", fill: "#888")
        }

        let legendTop = top + panelHeight + 58
        let items = series.map { LegendItem(label: $0.label, color: $0.color, dashed: $0.reference != nil) }
        let legendHeight = canvas.drawLegend(items, left: marginLeft, top: legendTop, width: width - marginLeft - 20)
        var notes: [String] = []
        if curves.contains(where: { $0.bestEpoch != nil }) { notes.append("Rings mark the epoch selected on validation.") }
        if !references.isEmpty {
            notes.append("Dashed lines: models trained in closed form (no epochs), at their validation \(validationMetric).")
        }
        if let note = clippingNote(validation: validationClipped, loss: lossClipped) { notes.append(note) }
        if !withoutCurves.isEmpty { notes.append("No curve or validation value: " + withoutCurves.joined(separator: ", ") + ".") }
        var y = legendTop + legendHeight + 14
        for line in notes.flatMap({ SVGCanvas.wrap($0, width: width - marginLeft - 20, size: 11) }) {
            canvas.text(line, marginLeft, y, size: 11, fill: "#666")
            y += 15
        }
        canvas.height = y + (notes.isEmpty ? 14 : 0)
        return canvas.render(title: subtitle.map { "\(title) (\($0))" } ?? title)
    }

    /// The note on clipped values: how many, and each model's most extreme per stretch and panel.
    private static func clippingNote(validation: [(label: String, color: String, stretches: [ClippedStretch])],
                                     loss: [(label: String, color: String, stretches: [ClippedStretch])]) -> String? {
        let clipped = (validation + loss).reduce(0) { $0 + $1.stretches.reduce(0) { $0 + $1.count } }
        guard clipped > 0 else { return nil }
        func extremes(_ entries: [(label: String, color: String, stretches: [ClippedStretch])]) -> String {
            entries.map { entry in
                entry.label + " " + entry.stretches.map { String(format: "%.4g", $0.extreme) }.joined(separator: ", ")
            }.joined(separator: "; ")
        }
        var parts: [String] = []
        if !validation.isEmpty { parts.append("validation " + extremes(validation)) }
        if !loss.isEmpty { parts.append("loss " + extremes(loss)) }
        return "Triangles on a panel's edge: \(clipped) value\(clipped == 1 ? "" : "s") beyond the axis, clipped so that "
            + "the settled curves fill the panel (the most extreme: " + parts.joined(separator: "; ") + ")."
    }

    /// The settled part of a curve, which the axis shows whole: every value after the first
    /// tenth of the points and after the first point; all of a curve of fewer than five points.
    static func settled(_ values: [Double]) -> [Double] {
        values.count < 5 ? values : Array(values[max(1, values.count / 10)...])
    }

    /// A series' settled validation values and its selected epoch's value.
    private static func settledValidation(_ line: Series) -> [Double] {
        let values = line.curve.compactMap(\.validation)
        let best = line.bestEpoch.flatMap { epoch in line.curve.first { $0.epoch == epoch }?.validation }
        return settled(values) + (best.map { [$0] } ?? [])
    }
}
