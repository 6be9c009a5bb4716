/// One problem found in an experiment spec: where, what was expected, what was found.
///
/// Printed as one line: `models[2].config.hidden_units: expected an integer >= 1, found "500"`.
public struct SpecProblem: Sendable, Equatable, CustomStringConvertible {
    /// The JSON path (`models[2].config.hidden_units`), `$` for the whole spec, `--set X` for a
    /// bad override, or `line L, column C` for a syntax error.
    public let path: String
    /// What the validator expected there.
    public let expected: String
    /// What it found (JSON text of the value, `nothing` for a missing key).
    public let found: String

    /// Creates a problem.
    public init(path: String, expected: String, found: String) {
        self.path = path
        self.expected = expected
        self.found = found
    }

    /// `path: expected ..., found ...`.
    public var description: String { "\(path): expected \(expected), found \(found)" }
}

/// A spec that failed to parse or validate; carries every problem. Exit code 64.
public struct SpecError: ExitCodeError, Equatable {
    /// Where the spec came from (a file path, or `<spec>`).
    public let source: String
    /// Every problem, in the order found (one line each).
    public let problems: [SpecProblem]

    /// Creates the error.
    public init(source: String, problems: [SpecProblem]) {
        self.source = source
        self.problems = problems
    }

    public var exitCode: ExitCode { .usage }

    /// A header line and one indented line per problem.
    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "spec \(source) has \(count):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// A JSON path under construction: `models[2].config.hidden_units`.
struct JSONPath: Sendable, CustomStringConvertible {
    /// The path text; empty for the root.
    let text: String

    static let root = JSONPath(text: "")

    /// The path of `key` inside this object (keys that are not plain words are quoted).
    func key(_ key: String) -> JSONPath {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" || $0 == "@" }
        if plain { return JSONPath(text: text.isEmpty ? key : "\(text).\(key)") }
        return JSONPath(text: "\(text)[\(JSONValue.string(key).compactText)]")
    }

    /// The path of element `index` of this array.
    func index(_ index: Int) -> JSONPath { JSONPath(text: "\(text)[\(index)]") }

    var description: String { text.isEmpty ? "$" : text }
}

/// Collects problems without repeats (a key shared by several merged settings is reported once).
struct ProblemList {
    private(set) var problems: [SpecProblem] = []

    mutating func add(_ path: JSONPath, expected: String, found: String) {
        add(SpecProblem(path: path.description, expected: expected, found: found))
    }

    mutating func add(_ path: JSONPath, expected: String, found value: JSONValue?) {
        add(path, expected: expected, found: value?.excerpt ?? "nothing")
    }

    mutating func add(_ problem: SpecProblem) {
        if !problems.contains(problem) { problems.append(problem) }
    }

    var isEmpty: Bool { problems.isEmpty }
}
