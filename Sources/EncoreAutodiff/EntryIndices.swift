/// A list of (row, column) positions in an `[rows, columns]` matrix: the observed or sampled
/// entries at which a decoder is evaluated.
///
/// Besides the entry lists it keeps the entries grouped by row and by column (a counting sort
/// done once in `init`), so the backward passes of `sampledDot` and `gatherEntries` write each
/// output row from one thread without locks or `entries x hidden` temporaries.
public struct EntryIndices: Sendable, Equatable {
    /// Row of each entry, length `count`.
    public let rows: [Int32]
    /// Column of each entry, length `count`.
    public let columns: [Int32]
    /// The dense shape the positions index into: `[rowCount, columnCount]`.
    public let rowCount: Int, columnCount: Int
    /// Entries of row `r` are `rowOrder[rowStarts[r] ..< rowStarts[r + 1]]`.
    let rowStarts: [Int], rowOrder: [Int32]
    /// Entries of column `c` are `columnOrder[columnStarts[c] ..< columnStarts[c + 1]]`.
    let columnStarts: [Int], columnOrder: [Int32]

    /// The number of entries.
    public var count: Int { rows.count }

    /// Entries at explicit positions.
    /// - Precondition: equal lengths, every row in `0..<rowCount` and column in `0..<columnCount`.
    public init(rows: [Int32], columns: [Int32], rowCount: Int, columnCount: Int) {
        requireShape(rowCount >= 0 && columnCount >= 0, "EntryIndices: negative shape [\(rowCount), \(columnCount)]")
        requireShape(rows.count == columns.count, "EntryIndices: \(rows.count) rows vs \(columns.count) columns")
        requireShape(
            rows.allSatisfy { $0 >= 0 && Int($0) < rowCount } && columns.allSatisfy { $0 >= 0 && Int($0) < columnCount },
            "EntryIndices: a position lies outside [\(rowCount), \(columnCount)]")
        self.rows = rows
        self.columns = columns
        self.rowCount = rowCount
        self.columnCount = columnCount
        (rowStarts, rowOrder) = EntryIndices.group(rows, buckets: rowCount)
        (columnStarts, columnOrder) = EntryIndices.group(columns, buckets: columnCount)
    }

    /// The stored (nonzero) positions of a CSR matrix, in CSR order, so `sparse.values` are the
    /// matching targets.
    public init(nonzerosOf sparse: SparseMatrix) {
        var rows = [Int32](repeating: 0, count: sparse.nonzeroCount)
        for r in 0..<sparse.rows {
            for e in sparse.rowPointers[r]..<sparse.rowPointers[r + 1] { rows[e] = Int32(r) }
        }
        self.init(rows: rows, columns: sparse.columnIndices, rowCount: sparse.rows, columnCount: sparse.cols)
    }

    /// Counting sort of entry numbers by key (stable). Keys already in order, as the rows of
    /// entries built row by row are, skip the scatter: the order is the identity.
    private static func group(_ keys: [Int32], buckets: Int) -> ([Int], [Int32]) {
        var starts = [Int](repeating: 0, count: buckets + 1)
        var ordered = true
        var previous: Int32 = 0
        for key in keys {
            starts[Int(key) + 1] += 1
            if key < previous { ordered = false }
            previous = key
        }
        for b in 0..<buckets { starts[b + 1] += starts[b] }
        if ordered { return (starts, Array(0..<Int32(keys.count))) }
        var next = starts
        var order = [Int32](repeating: 0, count: keys.count)
        for (e, key) in keys.enumerated() {
            order[next[Int(key)]] = Int32(e)
            next[Int(key)] += 1
        }
        return (starts, order)
    }
}
