import Foundation

/// A minimal SVG writer: shapes and text appended in drawing order, rendered as one standalone
/// document (`xmlns`, `viewBox`, white background). All text and attribute values are escaped.
struct SVGCanvas {
    /// The canvas width in user units (pixels at 100%).
    let width: Double
    /// The canvas height; may grow after drawing (legends that wrap), before `render`.
    var height: Double
    private var elements: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Escapes `& < > " '` for XML text and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A coordinate with at most two decimals.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        var element = "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\""
        if let dash { element += " stroke-dasharray=\"\(dash)\"" }
        elements.append(element + "/>")
    }

    /// A line through `points`; `dash` is an SVG dash pattern, `clip` the ID of a clip path
    /// (`clipRectangle`) that cuts the line at a panel's edges.
    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2, dash: String? = nil, clip: String? = nil) {
        guard points.count > 1 else { return }
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        var element = "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if let dash { element += " stroke-dasharray=\"\(dash)\"" }
        if let clip { element += " clip-path=\"url(#\(clip))\"" }
        elements.append(element + "/>")
    }

    /// A filled closed shape through `points` (markers), with an optional outline.
    mutating func polygon(_ points: [(x: Double, y: Double)], fill: String, stroke: String? = nil) {
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        var element = "<polygon points=\"\(list)\" fill=\"\(fill)\""
        if let stroke { element += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
        elements.append(element + "/>")
    }

    /// Defines a rectangular clip path named `id` for `polyline(clip:)`.
    mutating func clipRectangle(id: String, _ x: Double, _ y: Double, _ width: Double, _ height: Double) {
        elements.append("<defs><clipPath id=\"\(Self.escape(id))\"><rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\"/></clipPath></defs>")
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, stroke: String? = nil) {
        var element = "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\""
        if let stroke { element += " stroke=\"\(stroke)\" stroke-width=\"1.5\"" }
        elements.append(element + "/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, stroke: String? = nil) {
        var element = "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"\(fill)\""
        if let stroke { element += " stroke=\"\(stroke)\"" }
        elements.append(element + "/>")
    }

    /// Text anchored at (x, y) on its baseline; `rotate` turns it about that point (degrees).
    mutating func text(_ content: String, _ x: Double, _ y: Double, size: Double = 12, anchor: String = "start",
                       weight: String = "normal", fill: String = "#222", rotate: Double? = nil) {
        var element = "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\""
        if weight != "normal" { element += " font-weight=\"\(weight)\"" }
        if let rotate { element += " transform=\"rotate(\(Self.number(rotate)) \(Self.number(x)) \(Self.number(y)))\"" }
        elements.append(element + ">\(Self.escape(content))</text>")
    }

    /// The standalone document; `title` becomes the `<title>` element (accessible name).
    func render(title: String) -> String {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        text += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        text += "<title>\(Self.escape(title))</title>\n"
        text += "<rect x=\"0\" y=\"0\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"white\"/>\n"
        text += elements.joined(separator: "\n") + "\n</svg>\n"
        return text
    }
}
