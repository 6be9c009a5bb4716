import Foundation

extension JSONValue: Hashable {
    /// Hashes the canonical text, consistent with `==` (object key order ignored).
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalText) }
}

extension JSONValue: Codable {
    /// Decodes any JSON value; integers stay `.int`, object keys are sorted (the decoder does
    /// not expose the written order).
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value.keys.sorted().map { ($0, value[$0]!) })
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes the value (object keys as the encoder orders them).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let pairs):
            try container.encode(Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
        }
    }

    /// The compact JSON text as bytes (model configs are handed to the registry this way).
    public var data: Data { Data(compactText.utf8) }

    /// The number as an integer when it has no fractional part.
    public var integerValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int(value)
        default: return nil
        }
    }

    /// The entries of an object as a dictionary, or nil.
    public var objectValue: [String: JSONValue]? {
        guard let pairs = objectPairs else { return nil }
        return Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// Text for table cells and run names: `key=value, ...` for objects (keys sorted), strings
    /// unquoted, numbers that are not integers with at most 4 significant digits
    /// (`lambda=523.1`, `dropout=0.1235`, `rate=1.5e-5`; records keep the exact value).
    public var shortDescription: String {
        switch self {
        case .object(let pairs):
            return pairs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.shortDescription)" }.joined(separator: ", ")
        case .string(let value): return value
        case .double(let value): return Self.readable(value)
        default: return compactText
        }
    }

    /// `value` with at most 4 significant digits, without trailing zeros, in exponent form
    /// below 1e-4 and from 1e4 on (`523.1`, `0.01235`, `1.235e4`, `1e-5`).
    static func readable(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let text = String(format: "%.4g", value)
        guard let e = text.firstIndex(of: "e") else { return text }
        // "1.235e+04" -> "1.235e4", "1e-05" -> "1e-5".
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        return "\(text[..<e])e\(exponent)"
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A double.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// An integer.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object with keys in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { ($0.0, $0.1) }) }
}
