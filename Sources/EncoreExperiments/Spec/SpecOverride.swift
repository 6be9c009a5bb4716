/// One `--set KEY.PATH=VALUE` override, applied to the spec's JSON tree before validation.
///
/// The path is dot-separated keys with array indices as `[2]` or `.2`
/// (`models[0].config.hidden_units`, `models.0.config.hidden_units`). VALUE is read as JSON when
/// it parses (`3`, `[1,2]`, `true`, `"x"`, `{"a":1}`), else as a plain string
/// (`../data/u.data`). Missing objects along the path are created; array indices must exist.
public struct SpecOverride: Sendable, Equatable {
    /// One step of the path.
    public enum Segment: Sendable, Equatable {
        /// An object key, or a bare number that indexes when it meets an array (`models.0`).
        case key(String)
        /// A bracketed array index (`[0]`).
        case index(Int)
    }

    /// The argument as given, for messages.
    public let argument: String
    /// The path.
    public let segments: [Segment]
    /// The value to set.
    public let value: JSONValue

    /// Parses `KEY.PATH=VALUE`.
    /// - Throws: `SpecError` (exit 64) when there is no `=`, the path is empty or malformed.
    public init(parsing argument: String) throws(SpecError) {
        self.argument = argument
        let bad = { (why: String) in SpecError(source: "--set", problems: [SpecProblem(path: "--set \(argument)", expected: why, found: "\"\(argument)\"")]) }
        guard let equals = argument.firstIndex(of: "=") else { throw bad("KEY.PATH=VALUE") }
        let pathText = String(argument[..<equals])
        let valueText = String(argument[argument.index(after: equals)...])
        var segments: [Segment] = []
        for part in pathText.split(separator: ".", omittingEmptySubsequences: false) {
            let bracket = part.firstIndex(of: "[") ?? part.endIndex
            guard bracket != part.startIndex else { throw bad("a path of non-empty keys like models[0].config.hidden_units") }
            segments.append(.key(String(part[..<bracket])))
            var rest = part[bracket...]
            while !rest.isEmpty {
                guard rest.first == "[", let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0 else {
                    throw bad("array indices like [0]")
                }
                segments.append(.index(index))
                rest = rest[rest.index(after: close)...]
            }
        }
        guard !segments.isEmpty else { throw bad("a path of non-empty keys like models[0].config.hidden_units") }
        self.segments = segments
        self.value = (try? JSONParser.parse(valueText)) ?? .string(valueText)
    }

    /// The `--data-dir DIR` shorthand: `dataset.data_dir` set to DIR, always as a string (a
    /// folder named `2024` stays a path).
    public static func dataDirectory(_ path: String) -> SpecOverride {
        SpecOverride(argument: "dataset.data_dir=\(path)", segments: [.key("dataset"), .key("data_dir")], value: .string(path))
    }

    private init(argument: String, segments: [Segment], value: JSONValue) {
        self.argument = argument
        self.segments = segments
        self.value = value
    }

    /// The `--threads N` shorthand: `threads=N`.
    public static func threads(_ text: String) -> SpecOverride {
        // "threads=" + text always parses: a number stays a number, anything else a string that fails validation.
        try! SpecOverride(parsing: "threads=\(text)")
    }

    /// Applies the override to `root`; a problem when the path runs through a non-container or
    /// past the end of an array.
    func apply(to root: inout JSONValue) -> SpecProblem? {
        apply(to: &root, segments[...], walked: JSONPath.root)
    }

    private func apply(to node: inout JSONValue, _ rest: ArraySlice<Segment>, walked: JSONPath) -> SpecProblem? {
        guard let segment = rest.first else {
            node = value
            return nil
        }
        let problem = { (expected: String, found: String) in SpecProblem(path: "--set \(argument)", expected: expected, found: found) }
        if case .array(var items) = node {
            let index: Int
            switch segment {
            case .index(let i): index = i
            case .key(let text):
                guard let i = Int(text), i >= 0 else { return problem("an index into the array at \(walked)", "key \"\(text)\"") }
                index = i
            }
            guard index < items.count else { return problem("an index below \(items.count) at \(walked)", "\(index)") }
            if let failure = apply(to: &items[index], rest.dropFirst(), walked: walked.index(index)) { return failure }
            node = .array(items)
            return nil
        }
        guard case .key(let key) = segment else { return problem("an array at \(walked)", node == .null ? "nothing" : node.typeName) }
        var pairs: [(key: String, value: JSONValue)]
        switch node {
        case .object(let existing): pairs = existing
        case .null: pairs = []
        default: return problem("an object at \(walked)", node.typeName)
        }
        let slot = pairs.firstIndex { $0.key == key } ?? { pairs.append((key, .null)); return pairs.count - 1 }()
        if let failure = apply(to: &pairs[slot].value, rest.dropFirst(), walked: walked.key(key)) { return failure }
        node = .object(pairs)
        return nil
    }
}
