/// One problem with a model config: which key, what was expected, what was found.
///
/// Spec validation turns it into a `SpecProblem` at the key's JSON path
/// (`models[2].config.hidden_units`); a model's `init` throws the same problems as
/// `ModelError.invalidConfig`, so a config is judged by one set of rules wherever it comes from.
public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The snake_case key, with an index for a list element (`encoder_sizes[1]`).
    public var key: String
    /// What the model expects there (`an integer >= 1`).
    public var expected: String
    /// What it found, as JSON text (`-1`).
    public var found: String

    /// Creates a problem.
    public init(key: String, expected: String, found: String) {
        self.key = key
        self.expected = expected
        self.found = found
    }

    /// The config key without an element index (`encoder_sizes` for `encoder_sizes[1]`).
    public var baseKey: String { String(key.prefix { $0 != "[" && $0 != "." }) }

    /// `key: expected ..., found ...`.
    public var description: String { "\(key): expected \(expected), found \(found)" }
}

/// Collects the problems of a config, one rule per call, for a model's `configProblems`.
///
/// ```swift
/// var checks = ConfigChecks()
/// checks.atLeast("hidden_units", config.hiddenUnits, 1)
/// checks.number("dropout", config.dropout, in: 0...1, openUpper: true)
/// return checks.problems
/// ```
public struct ConfigChecks: Sendable {
    /// Every problem found, in the order checked.
    public private(set) var problems: [ConfigProblem] = []

    /// A collection holding `problems` (none by default).
    public init(_ problems: [ConfigProblem] = []) { self.problems = problems }

    /// Records a problem unless `condition` holds.
    public mutating func require(_ condition: Bool, key: String, expected: String, found: String) {
        if !condition { problems.append(ConfigProblem(key: key, expected: expected, found: found)) }
    }

    /// An integer in `range` (`Int.max` as the upper bound means none).
    public mutating func integer(_ key: String, _ value: Int, in range: ClosedRange<Int>) {
        let expected = range.upperBound == .max ? "an integer >= \(range.lowerBound)" : "an integer in \(range.lowerBound)...\(range.upperBound)"
        require(range.contains(value), key: key, expected: expected, found: "\(value)")
    }

    /// An integer of at least `minimum`.
    public mutating func atLeast(_ key: String, _ value: Int, _ minimum: Int) {
        integer(key, value, in: minimum...Int.max)
    }

    /// A list of layer widths, each >= 1 (and the list non-empty unless `allowEmpty`).
    public mutating func sizes(_ key: String, _ values: [Int], allowEmpty: Bool = false) {
        require(allowEmpty || !values.isEmpty, key: key, expected: "a non-empty array of integers >= 1", found: "[]")
        for (index, value) in values.enumerated() { atLeast("\(key)[\(index)]", value, 1) }
    }

    /// A finite number in `range`; `openLower` / `openUpper` exclude the bounds.
    public mutating func number(
        _ key: String, _ value: Float, in range: ClosedRange<Float>, openLower: Bool = false, openUpper: Bool = false
    ) {
        let low = "\(openLower ? ">" : ">=") \(Self.short(range.lowerBound))"
        let high = "\(openUpper ? "<" : "<=") \(Self.short(range.upperBound))"
        let expected = range.upperBound == .greatestFiniteMagnitude ? "a number \(low)" : "a number \(low) and \(high)"
        let inside = value.isFinite && range.contains(value)
            && !(openLower && value == range.lowerBound) && !(openUpper && value == range.upperBound)
        require(inside, key: key, expected: expected, found: "\(value)")
    }

    /// A number > 0 (learning rates, regularisation weights that must not vanish).
    public mutating func positive(_ key: String, _ value: Float) {
        number(key, value, in: 0...Float.greatestFiniteMagnitude, openLower: true)
    }

    /// A number >= 0 (penalties, decays).
    public mutating func nonNegative(_ key: String, _ value: Float) {
        number(key, value, in: 0...Float.greatestFiniteMagnitude)
    }

    /// A probability in `[0, 1)` (dropout, corruption).
    public mutating func rate(_ key: String, _ value: Float) {
        number(key, value, in: 0...1, openUpper: true)
    }

    /// One of `allowed`.
    public mutating func oneOf(_ key: String, _ value: String, _ allowed: [String]) {
        require(allowed.contains(value), key: key, expected: Self.oneOf(allowed), found: Self.quoted(value))
    }

    /// `one of "a", "b"`.
    public static func oneOf(_ allowed: [String]) -> String {
        "one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    /// The value as a JSON string, cut after 60 characters.
    public static func quoted(_ value: String) -> String {
        value.count > 60 ? "\"\(value.prefix(57))...\"" : "\"\(value)\""
    }

    /// Throws the problems as one `ModelError.invalidConfig`, if any.
    public func check() throws {
        guard !problems.isEmpty else { return }
        throw ModelError.invalidConfig(problems.map(\.description).joined(separator: "; "))
    }

    private static func short(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : "\(value)"
    }
}
