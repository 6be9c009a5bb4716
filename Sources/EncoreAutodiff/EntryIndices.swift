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
        requireShape(rows.count <= Int(Int32.max), "EntryIndices: \(rows.count) entries exceed Int32 numbering")
        requireShape(
            EntryIndices.allBelow(rows, rowCount) && EntryIndices.allBelow(columns, columnCount),
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
        requireShape(sparse.rows <= Int(Int32.max), "EntryIndices(nonzerosOf:): \(sparse.shape) has too many rows for Int32")
        var rows = [Int32](repeating: 0, count: sparse.nonzeroCount)
        // CSR row pointers are nondecreasing from 0 to `nonzeroCount` (checked by SparseMatrix),
        // so every write lands inside `rows`.
        rows.withUnsafeMutableBufferPointer { target in
            sparse.rowPointers.withUnsafeBufferPointer { pointers in
                guard let t = target.baseAddress else { return }
                for r in 0..<sparse.rows {
                    let tag = Int32(r)
                    for e in pointers[r]..<pointers[r &+ 1] { t[e] = tag }
                }
            }
        }
        self.init(rows: rows, columns: sparse.columnIndices, rowCount: sparse.rows, columnCount: sparse.cols)
    }

    /// Counting sort of entry numbers by key (stable). Keys already in order, as the rows of
    /// entries built row by row are, skip the scatter: the order is the identity.
    private static func group(_ keys: [Int32], buckets: Int) -> ([Int], [Int32]) {
        // Keys were checked to lie in `0..<buckets` by `init`; the counts fit in `Int`.
        var starts = [Int](repeating: 0, count: buckets + 1)
        var ordered = true
        keys.withUnsafeBufferPointer { k in
            starts.withUnsafeMutableBufferPointer { sp in
                let s = sp.baseAddress!
                var previous: Int32 = 0
                for key in k {
                    s[Int(key) &+ 1] &+= 1
                    if key < previous { ordered = false }
                    previous = key
                }
                for b in 0..<buckets { s[b &+ 1] &+= s[b] }
            }
        }
        if ordered { return (starts, Array(0..<Int32(keys.count))) }
        var next = starts
        let order = [Int32](unsafeUninitializedCapacity: keys.count) { o, initialized in
            keys.withUnsafeBufferPointer { k in
                next.withUnsafeMutableBufferPointer { np in
                    let n = np.baseAddress!, out = o.baseAddress!
                    for e in 0..<k.count {
                        let key = Int(k[e])
                        out[n[key]] = Int32(truncatingIfNeeded: e)
                        n[key] &+= 1
                    }
                }
            }
            initialized = keys.count
        }
        return (starts, order)
    }

    /// Whether every value lies in `0..<bound`.
    private static func allBelow(_ values: [Int32], _ bound: Int) -> Bool {
        values.withUnsafeBufferPointer { v in
            var outside = false
            for value in v where value < 0 || Int(value) >= bound { outside = true }
            return !outside
        }
    }
}
