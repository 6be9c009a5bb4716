import Foundation

/// The byte-level scanner behind `DelimitedReader` and the `.inter` reader.
struct LineParser {
    let format: DelimitedFormat
    let file: String
    let skipBadLines: Bool
    let separator: [UInt8]
    var users = [Int32]()
    var items = [Int32]()
    var ratings = [Float]()
    var timestamps = [Int64]()
    var userTable = IDTable()
    var itemTable = IDTable()
    var report = LoadReport()

    init(format: DelimitedFormat, file: String, skipBadLines: Bool) {
        self.format = format
        self.file = file
        self.skipBadLines = skipBadLines
        separator = Array(format.separator.utf8)
    }

    mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        let estimate = bytes.count / 20
        users.reserveCapacity(estimate)
        items.reserveCapacity(estimate)
        ratings.reserveCapacity(estimate)
        timestamps.reserveCapacity(estimate)
        let newline = UInt8(ascii: "\n")
        var start = 0
        var lineNumber = 0
        let n = bytes.count
        // Skip a UTF-8 byte-order mark.
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        while start < n {
            var end = start
            while end < n && bytes[end] != newline { end += 1 }
            lineNumber += 1
            var stop = end
            if stop > start && bytes[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<stop])
            start = end + 1
            if line.isEmpty || (lineNumber == 1 && format.hasHeader) { continue }
            if let reason = parseLine(line) {
                let text = String(decoding: line, as: UTF8.self)
                if !skipBadLines {
                    throw DataError.malformedLine(file: file, line: lineNumber, text: text, reason: reason)
                }
                report.skippedLines += 1
                if report.firstSkipped == nil { report.firstSkipped = "\(file):\(lineNumber): \(text)" }
            } else {
                report.lines += 1
            }
        }
    }

    /// Parses one line; returns why it is malformed, or nil after appending it.
    private mutating func parseLine(_ line: UnsafeBufferPointer<UInt8>) -> String? {
        let maxColumn = format.maxColumn
        var fields = [UnsafeBufferPointer<UInt8>?](repeating: nil, count: maxColumn + 1)
        var column = 0
        var fieldStart = 0
        var i = 0
        let s0 = separator[0], sCount = separator.count
        while i <= line.count && column <= maxColumn {
            var atSeparator = false
            if i < line.count && line[i] == s0 {
                atSeparator = true
                if sCount > 1 {
                    if i + sCount > line.count { atSeparator = false } else {
                        for k in 1..<sCount where line[i + k] != separator[k] { atSeparator = false; break }
                    }
                }
            }
            if i == line.count || atSeparator {
                fields[column] = UnsafeBufferPointer(rebasing: line[fieldStart..<i])
                column += 1
                i += atSeparator ? sCount : 1
                fieldStart = i
            } else {
                i += 1
            }
        }
        guard column > maxColumn else {
            return "expected at least \(maxColumn + 1) fields separated by '\(format.separator)', found \(column)"
        }
        let userField = fields[format.userColumn]!, itemField = fields[format.itemColumn]!
        guard !userField.isEmpty else { return "empty user ID" }
        guard !itemField.isEmpty else { return "empty item ID" }
        var rating: Float = 1
        if let c = format.ratingColumn {
            guard let value = Self.parseFloat(fields[c]!), value.isFinite else { return "rating is not a number" }
            rating = value
        }
        var timestamp: Int64 = 0
        if let c = format.timestampColumn {
            guard let value = Self.parseTimestamp(fields[c]!) else { return "timestamp is not a number" }
            timestamp = value
        }
        users.append(userTable.index(userField))
        items.append(itemTable.index(itemField))
        ratings.append(rating)
        timestamps.append(timestamp)
        return nil
    }

    static func parseFloat(_ field: UnsafeBufferPointer<UInt8>) -> Float? {
        var i = 0
        var negative = false
        if i < field.count && (field[i] == UInt8(ascii: "-") || field[i] == UInt8(ascii: "+")) {
            negative = field[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: Int64 = 0
        var digits = 0, fractionDigits = 0
        var seenPoint = false
        while i < field.count {
            let byte = field[i]
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if byte &- 48 < 10 && digits < 17 {
                mantissa = mantissa * 10 + Int64(byte &- 48)
                digits += 1
                if seenPoint { fractionDigits += 1 }
            } else {
                // Exponents, long mantissas, "nan": fall back to the standard parser.
                return Float(String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces))
            }
            i += 1
        }
        guard digits > 0 else { return nil }
        var value = Double(mantissa)
        if fractionDigits > 0 { value /= pow(10, Double(fractionDigits)) }
        return Float(negative ? -value : value)
    }

    static func parseTimestamp(_ field: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let value = IDTable.plainInteger(field) { return value }
        guard let value = Double(String(decoding: field, as: UTF8.self).trimmingCharacters(in: .whitespaces)),
              value.isFinite, abs(value) < 9e18 else { return nil }
        return Int64(value)
    }

    /// Builds the dataset: dense indices in sorted original-ID order.
    func finish(name: String) -> Dataset {
        let (userOrder, userRank) = userTable.sortedOrder()
        let (itemOrder, itemRank) = itemTable.sortedOrder()
        var interactions = [Interaction]()
        interactions.reserveCapacity(users.count)
        var low = Float.infinity, high = -Float.infinity
        for k in users.indices {
            interactions.append(Interaction(user: userRank[Int(users[k])], item: itemRank[Int(items[k])],
                                            rating: ratings[k], timestamp: timestamps[k]))
            low = min(low, ratings[k])
            high = max(high, ratings[k])
        }
        let implicit = format.ratingColumn == nil
        return Dataset(
            name: name, interactions: interactions,
            userIDs: userOrder.map { userTable.ids[$0] }, itemIDs: itemOrder.map { itemTable.ids[$0] },
            isImplicit: implicit, ratingRange: implicit ? nil : low...high)
    }
}
