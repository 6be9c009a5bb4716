import Foundation

/// A parsed JSON value that keeps what the spec validator needs and `JSONSerialization` loses:
/// integers apart from doubles apart from booleans, and the key order of objects.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written without fraction or exponent that fits in `Int`.
    case int(Int)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; keys in the order written (duplicate keys are rejected by the parser).
    case object([(key: String, value: JSONValue)])

    /// Compares objects as key-value sets (order ignored), everything else structurally.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { pair in y.first { $0.key == pair.key }?.value == pair.value }
        default: return false
        }
    }

    /// The value of `key` when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    /// The pairs of an object, or nil.
    public var objectPairs: [(key: String, value: JSONValue)]? {
        if case .object(let pairs) = self { return pairs }
        return nil
    }

    /// The string, or nil.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The integer, or nil (doubles are not converted).
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    /// The number as a double (integers converted), or nil.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    /// The boolean, or nil.
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// The elements of an array, or nil.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }

    /// A short human name of the type, for messages: `"an integer"`, `"a string"`.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Compact JSON text with keys in written order (`{"a":1,"b":[2,3]}`).
    public var compactText: String { render(sortKeys: false) }

    /// Canonical JSON text: keys sorted by their UTF-8 bytes, no whitespace, integers as
    /// written, doubles in Swift's shortest round-trip form. Equal values give equal text;
    /// the spec hash is computed from it.
    public var canonicalText: String { render(sortKeys: true) }

    /// Short text for messages: compact JSON, cut after 60 characters.
    public var excerpt: String {
        let text = compactText
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    private func render(sortKeys: Bool) -> String {
        var out = ""
        write(into: &out, sortKeys: sortKeys)
        return out
    }

    private func write(into out: inout String, sortKeys: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Self.format(d)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(into: &out, sortKeys: sortKeys)
            }
            out += "]"
        case .object(let pairs):
            let ordered = sortKeys ? pairs.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) } : pairs
            out += "{"
            for (index, pair) in ordered.enumerated() {
                if index > 0 { out += "," }
                Self.writeString(pair.key, into: &out)
                out += ":"
                pair.value.write(into: &out, sortKeys: sortKeys)
            }
            out += "}"
        }
    }

    /// Doubles with an integral value keep a `.0` so they read back as doubles.
    private static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        return "\(d)"
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
