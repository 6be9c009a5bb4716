import Foundation

/// The split text format (version 1), one record per line, values separated by single spaces:
///
///     encore-split 1
///     items <itemCount>
///     rating-range <low> <high>        (or: rating-range none)
///     train <rows> <nnz>
///     train-users <u0> <u1> ...        (dataset user index of each train row)
///     <row> <item> <value>             (nnz lines, rows ascending, items ascending)
///     train-order <rows>               (optional: each row's items in time order, below)
///     validation ...                   (an evaluation block, below)
///     test ...                         (an evaluation block)
///
/// An evaluation block is either `<part> ratings <n>` followed by `n` lines `<row> <item> <rating>`,
/// or `<part> ranking <n>` followed by `users ...`, `training-rows ...`, `history <nnz>` with its
/// triples and `targets <nnz>` with its triples, then optionally `history-order <n>`. An order
/// block has one line per row, `<row> <item> <item> ...`, the items earliest first (protocols that
/// keep time order write it; a split without it reads as unordered). Floats use Swift's shortest
/// round-trip form, so the same split always writes the same bytes.
extension Split {
    /// Writes the split in the text format above (atomically).
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(textRepresentation().utf8), to: url)
    }

    /// The split in the text format.
    public func textRepresentation() -> String {
        var out = "encore-split 1\nitems \(trainingData.itemCount)\n"
        if let range = trainingData.ratingRange { out += "rating-range \(range.lowerBound) \(range.upperBound)\n" } else { out += "rating-range none\n" }
        let train = trainingData.train
        out += "train \(train.rows) \(train.nonzeroCount)\n"
        out += "train-users" + trainingData.trainUsers.map { " \($0)" }.joined() + "\n"
        Self.appendTriples(train, to: &out)
        if let sequences = trainingData.trainSequences { Self.appendOrder(sequences, keyword: "train-order", to: &out) }
        Self.append(trainingData.validation, part: "validation", to: &out)
        Self.append(test, part: "test", to: &out)
        return out
    }

    private static func appendTriples(_ m: SparseMatrix, to out: inout String) {
        for r in 0..<m.rows {
            for e in m.rowPointers[r]..<m.rowPointers[r + 1] { out += "\(r) \(m.columnIndices[e]) \(m.values[e])\n" }
        }
    }

    private static func appendOrder(_ sequences: InteractionSequences, keyword: String, to out: inout String) {
        out += "\(keyword) \(sequences.rows)\n"
        for r in 0..<sequences.rows { out += "\(r)" + sequences[r].map { " \($0)" }.joined() + "\n" }
    }

    private static func append(_ data: EvaluationData, part: String, to out: inout String) {
        switch data {
        case let .ratings(p):
            out += "\(part) ratings \(p.count)\n"
            for k in 0..<p.count { out += "\(p.users[k]) \(p.items[k]) \(p.ratings[k])\n" }
        case let .ranking(t):
            out += "\(part) ranking \(t.users.count)\n"
            out += "users" + t.users.map { " \($0)" }.joined() + "\n"
            out += "training-rows" + t.trainingRows.map { " \($0)" }.joined() + "\n"
            out += "history \(t.history.nonzeroCount)\n"
            appendTriples(t.history, to: &out)
            out += "targets \(t.targets.nonzeroCount)\n"
            appendTriples(t.targets, to: &out)
            if let sequences = t.historySequences { appendOrder(sequences, keyword: "history-order", to: &out) }
        }
    }

    /// Reads a split written by `write(to:)`.
    /// - Throws: `DataError.unreadableFile`, or `.badFormat` with the line that does not fit.
    public static func read(from url: URL) throws -> Split {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DataError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        return try parse(text, file: url.path)
    }

    /// Parses text in the split format; `file` names its source in errors.
    /// - Throws: `DataError.badFormat` with the line that does not fit.
    public static func parse(_ text: String, file: String) throws -> Split {
        var reader = SplitTextReader(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), file: file)
        return try reader.split()
    }
}

/// Parses the split text format line by line, with line numbers for errors.
struct SplitTextReader {
    let lines: [String]
    let file: String
    var index = 0

    init(lines: [String], file: String) {
        self.lines = lines
        self.file = file
    }

    func fail(_ reason: String) -> DataError { .badFormat(file: file, line: index, reason: reason) }

    mutating func fields(_ keyword: String) throws -> [Substring] {
        guard index < lines.count else { throw fail("file ends early; expected '\(keyword)'") }
        let f = lines[index].split(separator: " ")
        index += 1
        guard f.first.map(String.init) == keyword else { throw fail("expected '\(keyword)', found '\(lines[index - 1])'") }
        return Array(f.dropFirst())
    }

    func number<T: LosslessStringConvertible>(_ s: Substring, _ what: String) throws -> T {
        guard let v = T(String(s)) else { throw fail("\(what) '\(s)' is not a number") }
        return v
    }

    mutating func triples(rows: Int, cols: Int, count: Int) throws -> SparseMatrix {
        var b = CSRBuilder(rows: rows, cols: cols, capacity: count)
        for _ in 0..<count {
            guard index < lines.count else { throw fail("file ends inside a matrix") }
            let f = lines[index].split(separator: " ")
            index += 1
            guard f.count == 3 else { throw fail("expected '<row> <item> <value>', found '\(lines[index - 1])'") }
            let r: Int = try number(f[0], "row"), c: Int = try number(f[1], "item"), v: Float = try number(f[2], "value")
            guard r >= 0 && r < rows && c >= 0 && c < cols else { throw fail("entry (\(r), \(c)) outside [\(rows), \(cols)]") }
            b.append(row: Int32(r), col: Int32(c), value: v)
        }
        return b.build()
    }

    /// An optional order block `<keyword> <rows>`: nil when the next line is not one. Each row
    /// must hold exactly the items of `matrix`'s row (as a multiset when items repeat).
    mutating func order(_ keyword: String, matching matrix: SparseMatrix) throws -> InteractionSequences? {
        guard index < lines.count, lines[index].split(separator: " ").first.map(String.init) == keyword else { return nil }
        let head = try fields(keyword)
        let rows: Int = try number(head.first ?? "", "rows")
        guard rows == matrix.rows else { throw fail("\(keyword) has \(rows) rows, its matrix \(matrix.rows)") }
        var sequences: [[Int32]] = []
        for r in 0..<rows {
            guard index < lines.count else { throw fail("file ends inside \(keyword)") }
            let f = lines[index].split(separator: " ")
            index += 1
            guard let first = f.first, Int(String(first)) == r else { throw fail("expected '\(r) <item> ...' in \(keyword)") }
            let items: [Int32] = try f.dropFirst().map { try number($0, "item") }
            let expected = Set(matrix.columnIndices[matrix.rowPointers[r]..<matrix.rowPointers[r + 1]])
            guard Set(items) == expected else { throw fail("\(keyword) row \(r) does not hold the items of its matrix row") }
            sequences.append(items)
        }
        return InteractionSequences(sequences)
    }

    mutating func evaluation(_ part: String, items: Int) throws -> EvaluationData {
        let head = try fields(part)
        guard head.count == 2, let n = Int(head[1]) else { throw fail("expected '\(part) ratings|ranking <n>'") }
        if head[0] == "ratings" {
            var p = RatingPairs(users: [], items: [], ratings: [])
            for _ in 0..<n {
                guard index < lines.count else { throw fail("file ends inside rating pairs") }
                let f = lines[index].split(separator: " ")
                index += 1
                guard f.count == 3 else { throw fail("expected '<row> <item> <rating>'") }
                p.users.append(try number(f[0], "row")); p.items.append(try number(f[1], "item")); p.ratings.append(try number(f[2], "rating"))
            }
            return .ratings(p)
        }
        guard head[0] == "ranking" else { throw fail("unknown evaluation kind '\(head[0])'") }
        let users: [Int] = try fields("users").map { try number($0, "user") }
        let rows: [Int] = try fields("training-rows").map { try number($0, "row") }
        guard users.count == n, rows.count == n else { throw fail("expected \(n) users and training rows") }
        let h = try fields("history"), history = try triples(rows: n, cols: items, count: try number(h.first ?? "", "count"))
        let t = try fields("targets"), targets = try triples(rows: n, cols: items, count: try number(t.first ?? "", "count"))
        let sequences = try order("history-order", matching: history)
        return .ranking(RankingTargets(history: history, targets: targets, users: users, trainingRows: rows,
                                       historySequences: sequences))
    }

    mutating func split() throws -> Split {
        guard try fields("encore-split") == ["1"] else { throw fail("unsupported split format version") }
        let itemFields = try fields("items")
        let items: Int = try number(itemFields.first ?? "", "items")
        let range = try fields("rating-range")
        var ratingRange: ClosedRange<Float>?
        if range != ["none"] {
            guard range.count == 2, let lo = Float(String(range[0])), let hi = Float(String(range[1])), lo <= hi else { throw fail("bad rating range") }
            ratingRange = lo...hi
        }
        let t = try fields("train")
        guard t.count == 2 else { throw fail("expected 'train <rows> <nnz>'") }
        let rows: Int = try number(t[0], "rows"), nnz: Int = try number(t[1], "nnz")
        let trainUsers: [Int] = try fields("train-users").map { try number($0, "user") }
        guard trainUsers.count == rows else { throw fail("expected \(rows) train users, found \(trainUsers.count)") }
        let train = try triples(rows: rows, cols: items, count: nnz)
        let trainSequences = try order("train-order", matching: train)
        let validation = try evaluation("validation", items: items)
        let test = try evaluation("test", items: items)
        return Split(trainingData: TrainingData(train: train, trainUsers: trainUsers, validation: validation,
                                                ratingRange: ratingRange, itemCount: items, trainSequences: trainSequences),
                     test: test)
    }
}
