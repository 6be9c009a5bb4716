/// Each row's items in time order: the sequence view of an interaction matrix, for models that
/// read histories in order (SVAE). Stored like a CSR matrix without values: row `r` is
/// `items[offsets[r]..<offsets[r + 1]]`, earliest first.
///
/// Sequences are sorted by timestamp; interactions with equal timestamps keep the order of the
/// source file. A row holds the same items as the matching matrix row (one entry per
/// interaction, so without deduplication an item can repeat).
public struct InteractionSequences: Sendable, Equatable {
    /// `[rows + 1]` start of each row in `items`.
    public private(set) var offsets: [Int]
    /// All rows' items, concatenated.
    public private(set) var items: [Int32]

    /// Sequences from their concatenation.
    /// - Precondition: `offsets` starts at 0, never decreases and ends at `items.count`.
    public init(offsets: [Int], items: [Int32]) {
        precondition(offsets.first == 0 && offsets.last == items.count && zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 },
                     "InteractionSequences: offsets \(offsets.prefix(4))... do not cover \(items.count) items")
        self.offsets = offsets
        self.items = items
    }

    /// Sequences from one array per row.
    public init(_ rows: [[Int32]]) {
        var offsets = [0]
        offsets.reserveCapacity(rows.count + 1)
        var items: [Int32] = []
        for row in rows { items += row; offsets.append(items.count) }
        self.init(offsets: offsets, items: items)
    }

    /// Number of rows.
    public var rows: Int { offsets.count - 1 }

    /// The items of row `r`, earliest first.
    public subscript(r: Int) -> ArraySlice<Int32> { items[offsets[r]..<offsets[r + 1]] }

    /// The length of row `r`.
    public func count(ofRow r: Int) -> Int { offsets[r + 1] - offsets[r] }

    /// Rows `range` as new sequences.
    public func rows(_ range: Range<Int>) -> InteractionSequences {
        let base = offsets[range.lowerBound]
        return InteractionSequences(offsets: offsets[range.lowerBound...range.upperBound].map { $0 - base },
                                    items: Array(items[base..<offsets[range.upperBound]]))
    }

    /// The given rows, in order, as new sequences.
    public func gatherRows(_ indices: [Int]) -> InteractionSequences {
        InteractionSequences(indices.map { Array(self[$0]) })
    }

    /// Each row's items in ascending item order: the order-free reading of a CSR matrix, for
    /// histories that carry no time order.
    public init(orderOf matrix: SparseMatrix) {
        self.init(offsets: matrix.rowPointers, items: matrix.columnIndices)
    }
}
