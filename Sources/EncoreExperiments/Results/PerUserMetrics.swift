import Foundation

/// One run's per-user test metrics: `[users]` values per metric, aligned with `userIDs`.
/// Stored as `runs/<run_id>/per_user.csv` (`user,<metric>,...`, one row per test user) so that
/// significance tests can pair users across models and outside tools can recompute means.
public struct PerUserMetrics: Sendable, Hashable {
    /// The test users' original IDs, one per row.
    public var userIDs: [String]
    /// The metric names in column order.
    public var metricNames: [String]
    /// Each metric's `[users]` values, aligned with `userIDs`.
    public var values: [String: [Double]]

    /// Creates per-user metrics.
    /// - Precondition: every metric in `metricNames` has exactly `userIDs.count` values.
    public init(userIDs: [String], metricNames: [String], values: [String: [Double]]) {
        for name in metricNames {
            requireArgument(values[name]?.count == userIDs.count,
                         "PerUserMetrics: metric \(name) has \(values[name]?.count ?? 0) values for \(userIDs.count) users")
        }
        self.userIDs = userIDs
        self.metricNames = metricNames
        self.values = values
    }

    /// The values of `metric` keyed by user ID, or nil when the metric is absent.
    public func byUser(_ metric: String) -> [String: Double]? {
        guard let column = values[metric] else { return nil }
        return Dictionary(zip(userIDs, column), uniquingKeysWith: { first, _ in first })
    }

    /// The CSV text: a header `user,<metric>,...` then one row per user. Values carry single
    /// precision (ranking metrics are computed in `Float`, rating errors come from `Float`
    /// predictions) and are written at it: the shortest form that reads back as the same `Float`
    /// (`0.2`, not the `0.20000000298023224` of its widening to `Double`); NaN is written `nan`.
    public var csv: String {
        var text = (["user"] + metricNames).map(FileSupport.csvField).joined(separator: ",") + "\n"
        for (row, user) in userIDs.enumerated() {
            text += FileSupport.csvField(user)
            for name in metricNames {
                let value = values[name]![row]
                text += "," + (value.isNaN ? "nan" : "\(Float(value))")
            }
            text += "\n"
        }
        return text
    }

    /// Parses the text written by `csv`.
    /// - Throws: `ResultStoreError.corrupt` naming `path` and the line when a row is malformed.
    public static func parse(_ text: String, path: String) throws -> PerUserMetrics {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard !lines.isEmpty else { throw ResultStoreError.corrupt(path: path, reason: "empty file") }
        let header = CSV.splitRow(lines.removeFirst())
        guard header.first == "user" else {
            throw ResultStoreError.corrupt(path: path, reason: "line 1: the first column must be 'user'")
        }
        let names = Array(header.dropFirst())
        var users: [String] = []
        var columns = [[Double]](repeating: [], count: names.count)
        for (index, line) in lines.enumerated() {
            let fields = CSV.splitRow(line)
            guard fields.count == header.count else {
                throw ResultStoreError.corrupt(path: path, reason: "line \(index + 2): \(fields.count) fields, expected \(header.count)")
            }
            users.append(fields[0])
            for column in 0..<names.count {
                let field = fields[column + 1]
                guard let value = field == "nan" ? Double.nan : Double(field) else {
                    throw ResultStoreError.corrupt(path: path, reason: "line \(index + 2): '\(field)' is not a number")
                }
                columns[column].append(value)
            }
        }
        return PerUserMetrics(userIDs: users, metricNames: names,
                              values: Dictionary(uniqueKeysWithValues: zip(names, columns)))
    }
}

/// Reading back the CSV written with `FileSupport.csvField` (the per-user files and `table.csv`).
enum CSV {
    /// Splits one line into fields, undoing `FileSupport.csvField`'s quoting (no line breaks
    /// inside fields).
    static func splitRow(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
