import Foundation

/// `curves.svg`: two panels side by side, the validation metric per epoch and the training loss
/// per epoch, one line per model label, and a shared legend underneath. The selected epoch
/// (epochs to best) is marked with a ring on the validation line.
public enum CurvesPlot {
    /// One line of the plot.
    public struct Series: Sendable, Hashable {
        /// The legend text.
        public var label: String
        /// The per-epoch points (validation may be nil on epochs that skipped it).
        public var curve: [CurvePoint]
        /// The selected epoch, marked on the validation line.
        public var bestEpoch: Int?
        /// The palette index (the table row), so a model has one colour in every plot.
        public var colorIndex: Int

        /// Creates a series.
        public init(label: String, curve: [CurvePoint], bestEpoch: Int?, colorIndex: Int) {
            self.label = label
            self.curve = curve
            self.bestEpoch = bestEpoch
            self.colorIndex = colorIndex
        }
    }

    /// One series per table row with a curve: the lowest seed's run at the chosen grid point
    /// (curves of different seeds stop at different epochs, so they are not averaged).
    public static func series(from table: ResultTable) -> [Series] {
        table.rows.enumerated().compactMap { index, row in
            guard let run = row.runs.first(where: { !$0.curve.isEmpty }) else { return nil }
            return Series(label: row.label, curve: run.curve, bestEpoch: run.epochsToBest, colorIndex: index)
        }
    }

    /// The SVG document. Losses are drawn on a log scale when they are all positive and span
    /// more than 20x (models' losses differ in scale); non-finite losses are left out.
    /// - Parameter withoutCurves: labels of models that train without epochs (closed form),
    ///   named in a note under the legend.
    public static func svg(series: [Series], validationMetric: String, title: String, withoutCurves: [String] = []) -> String {
        let panelWidth = 390.0, panelHeight = 300.0, gap = 110.0, marginLeft = 80.0, top = 70.0
        let width = marginLeft + 2 * panelWidth + gap + 30
        var canvas = SVGCanvas(width: width, height: 0)
        let epochs = series.flatMap { $0.curve.map { Double($0.epoch) } }
        let xAxis = PlotAxis(values: epochs.isEmpty ? [1, 2] : [1] + epochs)
        let validations = series.flatMap { $0.curve.compactMap(\.validation) }
        let losses = series.flatMap { $0.curve.map(\.loss) }.filter { $0.isFinite }
        let validationPanel = PlotPanel(left: marginLeft, top: top, width: panelWidth, height: panelHeight,
                                        xAxis: xAxis, yAxis: PlotAxis(values: validations.isEmpty ? [0, 1] : validations))
        let lossAxis = PlotAxis(values: losses.isEmpty ? [0, 1] : losses, allowLog: true)
        let lossPanel = PlotPanel(left: marginLeft + panelWidth + gap, top: top, width: panelWidth, height: panelHeight,
                                  xAxis: xAxis, yAxis: lossAxis)
        canvas.text(title, width / 2, 28, size: 17, anchor: "middle", weight: "bold")
        canvas.drawAxes(validationPanel, title: "Validation \(validationMetric)", xTitle: "Epoch", yTitle: validationMetric)
        canvas.drawAxes(lossPanel, title: "Training loss", xTitle: "Epoch",
                        yTitle: lossAxis.logarithmic ? "Loss (log scale)" : "Loss")
        for line in series {
            let color = SVGCanvas.color(line.colorIndex)
            let validationPoints = line.curve.compactMap { point in
                point.validation.map { (x: validationPanel.x(Double(point.epoch)), y: validationPanel.y($0)) }
            }
            canvas.polyline(validationPoints, stroke: color)
            if validationPoints.count == 1 { canvas.circle(validationPoints[0].x, validationPoints[0].y, radius: 3, fill: color) }
            if let best = line.bestEpoch, let point = line.curve.first(where: { $0.epoch == best }), let value = point.validation {
                canvas.circle(validationPanel.x(Double(best)), validationPanel.y(value), radius: 5, fill: "white", stroke: color)
            }
            let lossPoints = line.curve.filter { $0.loss.isFinite && (!lossAxis.logarithmic || $0.loss > 0) }
                .map { (x: lossPanel.x(Double($0.epoch)), y: lossPanel.y($0.loss)) }
            canvas.polyline(lossPoints, stroke: color)
            if lossPoints.count == 1 { canvas.circle(lossPoints[0].x, lossPoints[0].y, radius: 3, fill: color) }
        }
        if series.isEmpty {
            canvas.text("No training curves recorded", width / 2, top + panelHeight / 2, size: 14, anchor: "middle", fill: "#888")
        }
        let legendTop = top + panelHeight + 58
        let legendHeight = canvas.drawLegend(series.map { ($0.label, $0.colorIndex) }, left: marginLeft, top: legendTop, width: width - marginLeft - 20)
        var note = "Rings mark the epoch selected on validation."
        if !withoutCurves.isEmpty { note += " No per-epoch curve (closed form): " + withoutCurves.joined(separator: ", ") + "." }
        canvas.text(note, marginLeft, legendTop + legendHeight + 14, size: 11, fill: "#666")
        canvas.height = legendTop + legendHeight + 28
        return canvas.render(title: title)
    }
}
