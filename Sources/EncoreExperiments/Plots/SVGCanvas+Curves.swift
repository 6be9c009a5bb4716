import Foundation

/// A stretch of consecutive curve points beyond a panel's axis.
struct ClippedStretch {
    /// The canvas x of its most extreme point.
    var x: Double
    /// Whether it lies above the axis (else below).
    var above: Bool
    /// Its most extreme value.
    var extreme: Double
    /// Its points.
    var count: Int
}

extension SVGCanvas {
    /// Draws one curve in `panel`, cut at the panel's edges (clip path `clip`), and a dot for a
    /// single point. Returns the stretches of consecutive points beyond the axis, for
    /// `drawClipMarkers`.
    mutating func drawCurve(_ points: [(epoch: Int, value: Double)], in panel: PlotPanel, color: String, clip: String) -> [ClippedStretch] {
        let positions = points.map { (x: panel.x(Double($0.epoch)), y: panel.y($0.value)) }
        polyline(positions, stroke: color, clip: clip)
        if points.count == 1, panel.yAxis.contains(points[0].value) { circle(positions[0].x, positions[0].y, radius: 3, fill: color) }
        var stretches: [ClippedStretch] = []
        var previousIndex = -2
        for (index, point) in points.enumerated() where !panel.yAxis.contains(point.value) {
            let above = panel.yAxis.fraction(point.value) > 1
            if previousIndex == index - 1, let last = stretches.last, last.above == above {
                stretches[stretches.count - 1].count += 1
                if above ? point.value > last.extreme : point.value < last.extreme {
                    stretches[stretches.count - 1].extreme = point.value
                    stretches[stretches.count - 1].x = positions[index].x
                }
            } else {
                stretches.append(ClippedStretch(x: positions[index].x, above: above, extreme: point.value, count: 1))
            }
            previousIndex = index
        }
        return stretches
    }

    /// Draws a triangle on the panel's edge for each stretch (pointing outwards, in its curve's
    /// colour), moved sideways where it would cover another marker on the same edge.
    mutating func drawClipMarkers(_ markers: [(stretch: ClippedStretch, color: String)], in panel: PlotPanel) {
        var placed: [(x: Double, above: Bool)] = []
        for (stretch, color) in markers {
            var x = max(panel.left + 6, stretch.x)
            while placed.contains(where: { $0.above == stretch.above && abs($0.x - x) < 11 }) { x += 11 }
            placed.append((x, stretch.above))
            let edge = stretch.above ? panel.top : panel.top + panel.height, inward = stretch.above ? 1.0 : -1.0
            polygon([(x, edge + inward), (x - 5, edge + 9 * inward), (x + 5, edge + 9 * inward)], fill: color, stroke: "white")
        }
    }

    /// `text` broken at spaces into lines of about `width` (estimated as in `textWidth`).
    static func wrap(_ text: String, width: Double, size: Double) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = current.isEmpty ? String(word) : current + " " + String(word)
            if !current.isEmpty, textWidth(candidate, size: size) > width {
                lines.append(current)
                current = String(word)
            } else {
                current = candidate
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
