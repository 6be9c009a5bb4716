import Foundation

/// A plotting area on a canvas: the rectangle and the two axes that map data into it.
struct PlotPanel {
    /// The plotting rectangle (inside the axes), in canvas units.
    let left: Double, top: Double, width: Double, height: Double
    /// The horizontal and vertical axes.
    let xAxis: PlotAxis, yAxis: PlotAxis

    /// The canvas x of a data x.
    func x(_ value: Double) -> Double { left + xAxis.fraction(value) * width }
    /// The canvas y of a data y (up is larger).
    func y(_ value: Double) -> Double { top + (1 - yAxis.fraction(value)) * height }
}

extension SVGCanvas {
    /// Draws a panel's frame, light grid lines at the ticks, tick labels, axis titles and a
    /// panel title above it.
    mutating func drawAxes(_ panel: PlotPanel, title: String, xTitle: String, yTitle: String, verticalGrid: Bool = true) {
        for tick in panel.yAxis.ticks {
            let y = panel.y(tick)
            line(panel.left, y, panel.left + panel.width, y, stroke: "#e3e3e3")
            line(panel.left - 5, y, panel.left, y, stroke: "#444")
            text(panel.yAxis.label(tick), panel.left - 8, y + 4, size: 11, anchor: "end", fill: "#444")
        }
        for tick in panel.xAxis.ticks {
            let x = panel.x(tick)
            if verticalGrid { line(x, panel.top, x, panel.top + panel.height, stroke: "#efefef") }
            line(x, panel.top + panel.height, x, panel.top + panel.height + 5, stroke: "#444")
            text(panel.xAxis.label(tick), x, panel.top + panel.height + 18, size: 11, anchor: "middle", fill: "#444")
        }
        line(panel.left, panel.top + panel.height, panel.left + panel.width, panel.top + panel.height, stroke: "#444")
        line(panel.left, panel.top, panel.left, panel.top + panel.height, stroke: "#444")
        text(title, panel.left + panel.width / 2, panel.top - 12, size: 14, anchor: "middle", weight: "bold")
        text(xTitle, panel.left + panel.width / 2, panel.top + panel.height + 38, size: 12, anchor: "middle")
        let middle = panel.top + panel.height / 2
        text(yTitle, panel.left - 52, middle, size: 12, anchor: "middle", rotate: -90)
    }

    /// Draws a legend of line swatches (solid, or dashed for reference lines), wrapping into
    /// rows within `width`; returns the height used.
    @discardableResult
    mutating func drawLegend(_ items: [LegendItem], left: Double, top: Double, width: Double) -> Double {
        var x = left, y = top + 10
        for item in items {
            let itemWidth = 34 + Self.textWidth(item.label, size: 12)
            if x > left, x + itemWidth > left + width {
                x = left
                y += 20
            }
            line(x, y - 4, x + 22, y - 4, stroke: item.color, width: item.dashed ? 2 : 3, dash: item.dashed ? "5 3" : nil)
            text(item.label, x + 28, y, size: 12)
            x += itemWidth + 12
        }
        return y - top + 10
    }

    /// A slightly generous estimate of the width of `text` in Helvetica or Arial of `size` (no
    /// font metrics in a standalone SVG writer): per character 0.3 em for narrow ones, 0.55 em
    /// for lower case, 0.7 em for capitals, digits and anything else.
    static func textWidth(_ text: String, size: Double) -> Double {
        let ems = text.reduce(0.0) { total, character in
            if "iljtf.,:;'|!() ".contains(character) { return total + 0.3 }
            return total + (character.isLowercase ? 0.55 : 0.7)
        }
        return ems * size
    }
}

/// One legend entry: a label and its line style.
struct LegendItem {
    /// The text.
    var label: String
    /// The line colour.
    var color: String
    /// Whether the swatch is dashed (a reference line).
    var dashed: Bool = false
}
