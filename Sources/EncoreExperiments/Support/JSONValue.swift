import Foundation

/// Any JSON value, kept exactly as written: model configs, grid points and spec fragments.
///
/// Numbers are held as `Double` (JSON has one number type); `integerValue` recovers integers.
/// Encoding sorts object keys only through the encoder's `outputFormatting`, so pair it with
/// `.sortedKeys` where a stable text is wanted (hashes, run IDs).
public enum JSONValue: Sendable, Hashable, Codable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// Any JSON number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object; key order is not significant.
    case object([String: JSONValue])

    /// Decodes any JSON value.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes the value as the JSON it stands for.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The number as an `Int` when it is integral and in range, else nil.
    public var integerValue: Int? {
        guard case .number(let value) = self, value.rounded() == value, abs(value) < 9.0e15 else { return nil }
        return Int(value)
    }

    /// The object's entries, or nil when the value is not an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Compact JSON text with sorted keys: a canonical form for hashing and comparing.
    public var canonicalText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A short human-readable form: `lr=0.001, hidden=[600]` for objects, the JSON text otherwise.
    public var shortDescription: String {
        switch self {
        case .object(let entries):
            return entries.keys.sorted().map { "\($0)=\(entries[$0]!.shortDescription)" }.joined(separator: ", ")
        case .string(let value): return value
        case .number(let value): return integerValue.map(String.init) ?? "\(value)"
        default: return canonicalText
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// `nil` literal: `.null`.
    public init(nilLiteral: ()) { self = .null }
    /// Boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// Integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// String literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// Dictionary literal; a repeated key keeps the last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
