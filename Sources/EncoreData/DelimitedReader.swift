import Foundation

/// Reads delimited ratings files by scanning bytes directly (no per-line `String`).
public enum DelimitedReader {
    /// Reads `url` in `format` into a dataset named `name`.
    ///
    /// Users and items are remapped to dense indices in the order of their original IDs
    /// (numerically when the IDs are integers). With a rating column the data is explicit and
    /// `ratingRange` is the observed range; without one every line is an implicit 1.
    /// - Parameter skipBadLines: skip malformed lines (counted in the report) instead of throwing.
    /// - Throws: `DataError.unreadableFile`, `.malformedLine` (file, line, text), `.empty`.
    public static func read(
        _ url: URL, format: DelimitedFormat, name: String? = nil, skipBadLines: Bool = false
    ) throws -> (Dataset, LoadReport) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw DataError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return try parse(data, format: format, file: url.path, name: name ?? url.deletingPathExtension().lastPathComponent,
                         skipBadLines: skipBadLines)
    }

    /// Parses `data` (the bytes of a file called `file`, for messages). See `read`.
    public static func parse(
        _ data: Data, format: DelimitedFormat, file: String, name: String, skipBadLines: Bool = false
    ) throws -> (Dataset, LoadReport) {
        var parser = LineParser(format: format, file: file, skipBadLines: skipBadLines)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            try parser.run(raw.bindMemory(to: UInt8.self))
        }
        guard !parser.users.isEmpty else { throw DataError.empty(what: "\(file) holds no ratings") }
        let dataset = parser.finish(name: name)
        return (dataset, parser.report)
    }
}

/// Interns ID fields: integers without leading zeros in an `Int64` table, anything else as text.
struct IDTable {
    var numeric: [Int64: Int32] = [:]
    var text: [String: Int32] = [:]
    var ids: [String] = []
    var numericValue: [Int64?] = []

    mutating func index(_ field: UnsafeBufferPointer<UInt8>) -> Int32 {
        if let value = Self.plainInteger(field) {
            if let found = numeric[value] { return found }
            let id = Int32(ids.count)
            numeric[value] = id
            ids.append(String(value))
            numericValue.append(value)
            return id
        }
        let string = String(bytes: field, encoding: .utf8) ?? String(bytes: field, encoding: .isoLatin1) ?? ""
        if let found = text[string] { return found }
        let id = Int32(ids.count)
        text[string] = id
        ids.append(string)
        numericValue.append(nil)
        return id
    }

    static func plainInteger(_ field: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !field.isEmpty, field.count <= 18 else { return nil }
        if field.count > 1 && field[0] == UInt8(ascii: "0") { return nil }
        var value: Int64 = 0
        for byte in field {
            let digit = byte &- 48
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }

    /// The permutation that orders IDs (integers by value first, then text), and its inverse.
    func sortedOrder() -> (order: [Int], rank: [Int32]) {
        let order = ids.indices.sorted { a, b in
            switch (numericValue[a], numericValue[b]) {
            case let (x?, y?): return x < y
            case (.some, .none): return true
            case (.none, .some): return false
            case (.none, .none): return ids[a] < ids[b]
            }
        }
        var rank = [Int32](repeating: 0, count: ids.count)
        for (r, i) in order.enumerated() { rank[i] = Int32(r) }
        return (order, rank)
    }
}
