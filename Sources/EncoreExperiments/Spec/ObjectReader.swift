import Foundation

/// Reads one JSON object of a spec: typed accessors that record a `SpecProblem` for a missing
/// required key, a wrong type or an out-of-range value, and `finish()` that reports every key
/// not in the object's key list (with a "did you mean" hint), so a typo never falls back to a
/// default.
///
/// `null` counts as absent: an optional key set to `null` takes its default. For settings merged
/// from a model entry's override onto the top-level ones, `origin` maps each key to the path
/// where it was written, so problems name the line the user must edit.
struct ObjectReader {
    let pairs: [(key: String, value: JSONValue)]
    let path: JSONPath
    let keys: [String]
    let origin: [String: JSONPath]

    /// Nil (with a problem recorded) when `value` is not an object.
    init?(_ value: JSONValue, at path: JSONPath, keys: [String], origin: [String: JSONPath] = [:], problems: inout ProblemList) {
        guard let pairs = value.objectPairs else {
            problems.add(path, expected: "an object", found: value)
            return nil
        }
        self.pairs = pairs
        self.path = path
        self.keys = keys
        self.origin = origin
    }

    /// The path of `key` as the user wrote it.
    func path(_ key: String) -> JSONPath { origin[key] ?? path.key(key) }

    /// The value of `key`, nil when absent or `null`.
    func value(_ key: String) -> JSONValue? {
        guard let value = pairs.first(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    /// Whether `key` is present with a non-null value.
    func has(_ key: String) -> Bool { value(key) != nil }

    func string(_ key: String, required: Bool = false, allowed: [String]? = nil, problems: inout ProblemList) -> String? {
        guard let value = value(key) else {
            if required { problems.add(path(key), expected: allowed.map(Self.oneOf) ?? "a string", found: nil) }
            return nil
        }
        guard let text = value.stringValue else {
            problems.add(path(key), expected: allowed.map(Self.oneOf) ?? "a string", found: value)
            return nil
        }
        if let allowed, !allowed.contains(text) {
            problems.add(path(key), expected: Self.oneOf(allowed), found: value)
            return nil
        }
        return text
    }

    func int(_ key: String, required: Bool = false, range: ClosedRange<Int> = Int.min...Int.max, problems: inout ProblemList) -> Int? {
        guard let value = value(key) else {
            if required { problems.add(path(key), expected: Self.describe(range), found: nil) }
            return nil
        }
        guard let number = value.intValue, range.contains(number) else {
            problems.add(path(key), expected: Self.describe(range), found: value)
            return nil
        }
        return number
    }

    /// A number (integers accepted) in `range`; `openLower` / `openUpper` exclude the bounds.
    func double(
        _ key: String, required: Bool = false, range: ClosedRange<Double>, openLower: Bool = false, openUpper: Bool = false,
        problems: inout ProblemList
    ) -> Double? {
        let expected = "a number " + Self.describe(range, openLower: openLower, openUpper: openUpper)
        guard let value = value(key) else {
            if required { problems.add(path(key), expected: expected, found: nil) }
            return nil
        }
        guard let number = value.doubleValue, range.contains(number),
              !(openLower && number == range.lowerBound), !(openUpper && number == range.upperBound) else {
            problems.add(path(key), expected: expected, found: value)
            return nil
        }
        return number
    }

    func bool(_ key: String, problems: inout ProblemList) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.boolValue else {
            problems.add(path(key), expected: "true or false", found: value)
            return nil
        }
        return flag
    }

    /// Reports every key outside `keys`, suggesting the nearest known key.
    func finish(problems: inout ProblemList) {
        for pair in pairs where !keys.contains(pair.key) {
            problems.add(path(pair.key), expected: "no such key" + Self.suggestion(for: pair.key, among: keys), found: "key \"\(pair.key)\"")
        }
    }

    /// Reports `key` as not applicable when present (`threshold` in explicit mode).
    func forbid(_ key: String, because reason: String, problems: inout ProblemList) {
        if let value = value(key) { problems.add(path(key), expected: "no \(key) \(reason)", found: value) }
    }

    static func oneOf(_ allowed: [String]) -> String {
        allowed.count == 1 ? "\"\(allowed[0])\"" : "one of " + allowed.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    static func describe(_ range: ClosedRange<Int>) -> String {
        switch (range.lowerBound, range.upperBound) {
        case (Int.min, Int.max): return "an integer"
        case (let low, Int.max): return "an integer >= \(low)"
        case (Int.min, let high): return "an integer <= \(high)"
        case (let low, let high): return "an integer in \(low)...\(high)"
        }
    }

    static func describe(_ range: ClosedRange<Double>, openLower: Bool, openUpper: Bool) -> String {
        let low = "\(openLower ? ">" : ">=") \(Self.short(range.lowerBound))"
        let high = "\(openUpper ? "<" : "<=") \(Self.short(range.upperBound))"
        if range.upperBound == .infinity { return low }
        return "\(low) and \(high)"
    }

    static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    /// `" (did you mean \"threshold\"?)"` when a known key is within two edits or differs only
    /// in case, dashes or underscores; empty otherwise.
    static func suggestion(for key: String, among keys: [String]) -> String {
        let normalized = key.lowercased().replacingOccurrences(of: "-", with: "_")
        let best = keys.map { ($0, editDistance(normalized, $0)) }.min { $0.1 < $1.1 }
        guard let (candidate, distance) = best, distance <= max(1, min(2, candidate.count / 3)) else {
            return "; known keys: " + keys.joined(separator: ", ")
        }
        return " (did you mean \"\(candidate)\"?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
