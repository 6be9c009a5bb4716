/// Which rows and columns of a training matrix hold at least one rating. A rating model predicts
/// a (row, column) pair from what it learned only when both were seen in training; any other pair
/// gets the training mean and counts as a fallback (`RatingPredictions.fallbacks`). One rule for
/// every rating model.
struct SeenInTraining: Sendable {
    private var rows: [Bool] = []
    private var columns: [Bool] = []

    /// Nothing seen (before training).
    init() {}

    /// The rows and columns of `matrix` with a stored entry; `columns` widens the column range
    /// (columns past the matrix's are unseen).
    init(_ matrix: SparseMatrix, columns: Int? = nil) {
        rows = (0..<matrix.rows).map { matrix.count(ofRow: $0) > 0 }
        self.columns = [Bool](repeating: false, count: max(columns ?? matrix.cols, matrix.cols))
        for c in matrix.columnIndices { self.columns[Int(c)] = true }
    }

    /// The number of columns (the matrix's, or the wider count given).
    var columnCount: Int { columns.count }

    /// Whether row `r` holds a training entry (false outside the matrix).
    func row(_ r: Int) -> Bool { rows.indices.contains(r) && rows[r] }

    /// Whether column `c` holds a training entry (false outside the matrix).
    func column(_ c: Int) -> Bool { columns.indices.contains(c) && columns[c] }

    /// The distinct seen rows among `indices`, ascending, and for every row index of the matrix
    /// its position in that list (-1 for a row not asked for or unseen).
    func seenRows(among indices: [Int32]) -> (rows: [Int], slot: [Int]) {
        let needed = Set(indices.map(Int.init)).filter(row).sorted()
        var slot = [Int](repeating: -1, count: rows.count)
        for (k, r) in needed.enumerated() { slot[r] = k }
        return (needed, slot)
    }

    /// The position of row `r` in `slot` (from `seenRows(among:)`), nil for an unseen row.
    static func position(_ r: Int, in slot: [Int]) -> Int? {
        slot.indices.contains(r) && slot[r] >= 0 ? slot[r] : nil
    }
}
