import Foundation

/// New users' histories, read from a file for `encore recommend --history FILE`.
///
/// One interaction per line, `user,item` (or `user,item,rating` for a model trained on explicit
/// ratings), separated by a tab when the line has one, else by commas (RFC 4180 quotes allowed),
/// else by spaces; further columns are ignored, so a ratings file `user,item,rating,timestamp` can
/// be given as it is. A first line whose first field is `user`, `user_id` or `user_id:token` is a
/// header; empty lines and lines starting with `#` are skipped. Lines of one user need not be
/// adjacent; their order is the history's time order (what sequence models read), and an item
/// given twice counts once, at its last line. Items the model does not know are skipped with a
/// warning naming the file and line.
public struct HistoryFile: Sendable {
    /// The users, in order of first appearance (those left with no known item are dropped).
    public var users: [String]
    /// `[users.count, items]`: each user's known items with their values (1 for implicit data).
    public var history: SparseMatrix
    /// Each user's known items in file order.
    public var sequences: InteractionSequences
    /// Lines skipped because their item is not one of the model's.
    public var skippedLines: Int

    /// Header first fields (compared in lower case).
    static let headerNames: Set<String> = ["user", "user_id", "user_id:token", "userid"]
    /// Unknown items reported one by one; the rest are counted.
    static let reportedUnknownItems = 10

    /// Reads `url`.
    /// - Parameters:
    ///   - itemColumns: the model's item column of each original item ID.
    ///   - itemCount: the model's number of items.
    ///   - explicit: whether the third column (the rating) is required and used as the value;
    ///     otherwise every value is 1.
    ///   - warn: receives one line per skipped item or user (`FILE:LINE: ...`).
    /// - Throws: `SavedModelError.io` (unreadable file), `.badHistory` (a line without user and
    ///   item, or without a rating for an explicit model), `.emptyHistory` (no user with a known item).
    public static func read(
        _ url: URL, itemColumns: [String: Int32], itemCount: Int, explicit: Bool, warn: (String) -> Void
    ) throws -> HistoryFile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SavedModelError.io(path: url.path, reason: "cannot read the history file: \(error.localizedDescription)")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let file = url.path
        var order: [String] = []
        var indexOfUser: [String: Int] = [:]
        var entries: [[(item: Int32, value: Float)]] = []
        var unknown = 0
        var sawContent = false
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
            let fields = Self.fields(line)
            if !sawContent {
                sawContent = true
                if let first = fields.first, headerNames.contains(first.lowercased()) { continue }
            }
            guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw SavedModelError.badHistory(
                    file: file, line: number, reason: "expected 'user,item'\(explicit ? ",rating" : ""), found '\(line.prefix(80))'")
            }
            var value: Float = 1
            if explicit {
                guard fields.count >= 3, let rating = Float(fields[2]), rating.isFinite else {
                    throw SavedModelError.badHistory(
                        file: file, line: number,
                        reason: "the model was trained on explicit ratings: expected 'user,item,rating', found '\(line.prefix(80))'")
                }
                value = rating
            }
            guard let column = itemColumns[fields[1]] else {
                unknown += 1
                if unknown <= reportedUnknownItems {
                    warn("\(file):\(number): item '\(fields[1])' is not one of the model's \(itemCount) items; skipped")
                }
                continue
            }
            let user = fields[0]
            let index: Int
            if let known = indexOfUser[user] {
                index = known
            } else {
                index = order.count
                indexOfUser[user] = index
                order.append(user)
                entries.append([])
            }
            entries[index].append((column, value))
        }
        if unknown > reportedUnknownItems {
            warn("\(file): \(unknown - reportedUnknownItems) more lines with items the model does not know; skipped")
        }
        var users: [String] = [], rows: [[(item: Int32, value: Float)]] = []
        for (user, list) in zip(order, entries) {
            // An item given twice counts once, at its last line.
            var seen = Set<Int32>()
            var kept: [(item: Int32, value: Float)] = []
            for entry in list.reversed() where seen.insert(entry.item).inserted { kept.append(entry) }
            users.append(user)
            rows.append(kept.reversed())
        }
        guard !users.isEmpty else {
            let reason = unknown > 0
                ? "no line has an item the model knows (\(unknown) lines skipped)"
                : "it holds no history (expected lines 'user,item')"
            throw SavedModelError.emptyHistory(file: file, reason: reason)
        }
        var triples: [(row: Int, col: Int, value: Float)] = []
        for (row, list) in rows.enumerated() { for entry in list { triples.append((row, Int(entry.item), entry.value)) } }
        return HistoryFile(
            users: users, history: SparseMatrix(rows: users.count, cols: itemCount, triples: triples),
            sequences: InteractionSequences(rows.map { $0.map(\.item) }), skippedLines: unknown)
    }

    /// The fields of a line: tab-separated when it has a tab, else comma-separated (RFC 4180
    /// quotes), else separated by runs of spaces; fields are trimmed of surrounding spaces.
    static func fields(_ line: Substring) -> [String] {
        func trimmed(_ field: some StringProtocol) -> String {
            String(field).trimmingCharacters(in: .whitespaces)
        }
        if line.contains("\t") { return line.split(separator: "\t", omittingEmptySubsequences: false).map(trimmed) }
        guard line.contains(",") else { return line.split(separator: " ").map(String.init) }
        var fields: [String] = [], current = "", quoted = false, wasQuoted = false
        var characters = line.makeIterator()
        var pending: Character?
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                } else {
                    current.append(character)
                }
            } else if character == "\"" && current.allSatisfy({ $0 == " " }) {
                quoted = true
                wasQuoted = true
                current = ""
            } else if wasQuoted && character == " " {
                continue
            } else if character == "," {
                fields.append(wasQuoted ? current : trimmed(current))
                current = ""
                wasQuoted = false
            } else {
                current.append(character)
            }
        }
        fields.append(wasQuoted ? current : trimmed(current))
        return fields
    }
}
