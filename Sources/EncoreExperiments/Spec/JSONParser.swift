/// A strict JSON (RFC 8259) parser producing `JSONValue`, with line and column in its errors.
///
/// Strict means: no comments, no trailing commas, no duplicate keys in one object, no
/// non-finite numbers; whole-input only (trailing text is an error).
public enum JSONParser {
    /// A syntax error at a 1-based line and column (columns count Unicode scalars).
    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        /// 1-based line.
        public let line: Int
        /// 1-based column.
        public let column: Int
        /// What was wrong (`expected ',' or '}' after an object value, found '"'`).
        public let message: String
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Parses `text` as one JSON value.
    /// - Throws: `SyntaxError` at the first problem.
    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.index < parser.scalars.count { throw parser.error("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        func error(_ message: String) -> SyntaxError {
            var line = 1, column = 1
            for scalar in scalars[..<min(index, scalars.count)] {
                if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
            }
            return SyntaxError(line: line, column: column, message: message)
        }

        var current: String { index < scalars.count ? "'\(scalars[index])'" : "the end of the input" }

        mutating func skipWhitespace() {
            while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
        }

        mutating func parseValue(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth < 512 else { throw error("nesting deeper than 512 levels") }
            guard index < scalars.count else { throw error("expected a value, found the end of the input") }
            switch scalars[index] {
            case "{": return try parseObject(depth: depth)
            case "[": return try parseArray(depth: depth)
            case "\"": return .string(try parseString())
            case "t": try literal("true"); return .bool(true)
            case "f": try literal("false"); return .bool(false)
            case "n": try literal("null"); return .null
            case "-", "0"..."9": return try parseNumber()
            default: throw error("expected a value, found \(current)")
            }
        }

        mutating func literal(_ word: String) throws(SyntaxError) {
            let start = index
            for expected in word.unicodeScalars {
                guard index < scalars.count, scalars[index] == expected else {
                    index = start
                    throw error("expected '\(word)'")
                }
                index += 1
            }
        }

        mutating func parseObject(depth: Int) throws(SyntaxError) -> JSONValue {
            index += 1
            var pairs: [(key: String, value: JSONValue)] = []
            skipWhitespace()
            if index < scalars.count, scalars[index] == "}" { index += 1; return .object(pairs) }
            while true {
                skipWhitespace()
                guard index < scalars.count, scalars[index] == "\"" else { throw error("expected a string key, found \(current)") }
                let keyStart = index
                let key = try parseString()
                if pairs.contains(where: { $0.key == key }) {
                    index = keyStart
                    throw error("duplicate key \"\(key)\" in one object")
                }
                skipWhitespace()
                guard index < scalars.count, scalars[index] == ":" else { throw error("expected ':' after a key, found \(current)") }
                index += 1
                skipWhitespace()
                pairs.append((key, try parseValue(depth: depth + 1)))
                skipWhitespace()
                guard index < scalars.count else { throw error("expected ',' or '}', found the end of the input") }
                if scalars[index] == "," { index += 1; continue }
                if scalars[index] == "}" { index += 1; return .object(pairs) }
                throw error("expected ',' or '}' after an object value, found \(current)")
            }
        }

        mutating func parseArray(depth: Int) throws(SyntaxError) -> JSONValue {
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < scalars.count, scalars[index] == "]" { index += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < scalars.count else { throw error("expected ',' or ']', found the end of the input") }
                if scalars[index] == "," { index += 1; continue }
                if scalars[index] == "]" { index += 1; return .array(items) }
                throw error("expected ',' or ']' after an array element, found \(current)")
            }
        }

        mutating func parseString() throws(SyntaxError) -> String {
            index += 1
            var out = String.UnicodeScalarView()
            while true {
                guard index < scalars.count else { throw error("unterminated string") }
                let scalar = scalars[index]
                if scalar == "\"" { index += 1; return String(out) }
                if scalar.value < 0x20 { throw error("control character U+\(String(scalar.value, radix: 16)) inside a string (escape it)") }
                if scalar != "\\" { out.append(scalar); index += 1; continue }
                index += 1
                guard index < scalars.count else { throw error("unterminated escape") }
                let escape = scalars[index]
                index += 1
                switch escape {
                case "\"": out.append("\""); case "\\": out.append("\\"); case "/": out.append("/")
                case "b": out.append("\u{8}"); case "f": out.append("\u{C}"); case "n": out.append("\n")
                case "r": out.append("\r"); case "t": out.append("\t")
                case "u":
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard index + 1 < scalars.count, scalars[index] == "\\", scalars[index + 1] == "u" else { throw error("unpaired surrogate in \\u escape") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid low surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let decoded = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    out.append(decoded)
                default:
                    index -= 1
                    throw error("invalid escape '\\\(escape)'")
                }
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= scalars.count else { throw error("expected four hex digits after \\u") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Int(String(scalars[index]), radix: 16) else { throw error("expected four hex digits after \\u") }
                code = code * 16 + UInt32(digit)
                index += 1
            }
            return code
        }

        mutating func parseNumber() throws(SyntaxError) -> JSONValue {
            let start = index
            var integral = true
            if scalars[index] == "-" { index += 1 }
            guard index < scalars.count, ("0"..."9").contains(scalars[index]) else { throw error("expected a digit, found \(current)") }
            if scalars[index] == "0" {
                index += 1
                if index < scalars.count, ("0"..."9").contains(scalars[index]) { throw error("leading zeros are not allowed in numbers") }
            } else {
                while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            }
            if index < scalars.count, scalars[index] == "." {
                integral = false
                index += 1
                guard index < scalars.count, ("0"..."9").contains(scalars[index]) else { throw error("expected a digit after '.', found \(current)") }
                while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            }
            if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
                integral = false
                index += 1
                if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
                guard index < scalars.count, ("0"..."9").contains(scalars[index]) else { throw error("expected a digit in the exponent, found \(current)") }
                while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[start..<index])
            if integral, let value = Int(text) { return .int(value) }
            guard let value = Double(text), value.isFinite else {
                index = start
                throw error("number \(text) is out of range")
            }
            return .double(value)
        }
    }
}
