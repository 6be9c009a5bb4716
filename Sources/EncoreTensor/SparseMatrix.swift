/// A sparse matrix in compressed sparse row (CSR) form.
///
/// Row `r` holds the entries `rowPointers[r] ..< rowPointers[r + 1]` of `columnIndices` and
/// `values`; column indices within a row are strictly increasing (no duplicates).
/// An interaction matrix is `[users, items]`.
public struct SparseMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// `rows + 1` offsets into `columnIndices` / `values`; `rowPointers[0] == 0`.
    public let rowPointers: [Int]
    /// Column of each stored entry, increasing within a row.
    public let columnIndices: [Int32]
    /// Value of each stored entry.
    public let values: [Float]

    /// How to combine entries given more than once for the same (row, column).
    public enum DuplicatePolicy: Sendable {
        /// Add the values.
        case sum
        /// Keep the value given last in the input order.
        case keepLast
        /// Keep the largest value.
        case max
    }

    /// The number of stored entries.
    public var nonzeroCount: Int { values.count }
    /// The shape `[rows, cols]`.
    public var shape: [Int] { [rows, cols] }

    /// Creates a matrix from raw CSR arrays, checking every invariant.
    /// - Precondition: pointers are monotone, indices in range and increasing within each row.
    public init(rows: Int, cols: Int, rowPointers: [Int], columnIndices: [Int32], values: [Float]) {
        let op = "SparseMatrix(rows:cols:rowPointers:columnIndices:values:)"
        requireShape(rows >= 0 && cols >= 0, "\(op): shape must be non-negative, got [\(rows), \(cols)]")
        requireShape(
            rowPointers.count == rows + 1 && rowPointers.first == 0 && rowPointers.last == values.count,
            "\(op): [\(rows), \(cols)] needs \(rows + 1) row pointers from 0 to \(values.count), got \(rowPointers.count)")
        requireShape(
            columnIndices.count == values.count,
            "\(op): \(columnIndices.count) column indices but \(values.count) values")
        for r in 0..<rows {
            if rowPointers[r] > rowPointers[r + 1] { shapeCheckFailure("\(op): row pointers decrease at row \(r)") }
            var previous: Int32 = -1
            for e in rowPointers[r]..<rowPointers[r + 1] {
                let c = columnIndices[e]
                if c <= previous || Int(c) >= cols {
                    shapeCheckFailure("\(op): row \(r): column \(c) out of order or outside [0, \(cols))")
                }
                previous = c
            }
        }
        self.rows = rows
        self.cols = cols
        self.rowPointers = rowPointers
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Trusted initialiser for kernels that produce valid CSR by construction.
    init(unchecked rows: Int, cols: Int, rowPointers: [Int], columnIndices: [Int32], values: [Float]) {
        self.rows = rows
        self.cols = cols
        self.rowPointers = rowPointers
        self.columnIndices = columnIndices
        self.values = values
    }

    /// An empty `[rows, cols]` matrix.
    public init(rows: Int, cols: Int) {
        requireShape(rows >= 0 && cols >= 0, "SparseMatrix(rows:cols:): shape must be non-negative, got [\(rows), \(cols)]")
        self.init(unchecked: rows, cols: cols, rowPointers: Array(repeating: 0, count: rows + 1),
                  columnIndices: [], values: [])
    }

    /// Builds a matrix from (row, column, value) triples in any order.
    /// - Parameters:
    ///   - rows: number of rows; every triple's row must be in `0..<rows`.
    ///   - cols: number of columns; every triple's column must be in `0..<cols`.
    ///   - duplicates: how repeated (row, column) pairs combine (default: keep the last).
    /// - Complexity: O(nnz + rows) with a counting sort by row, then a sort within each row.
    public init(
        rows: Int, cols: Int, triples: [(row: Int, col: Int, value: Float)],
        duplicates: DuplicatePolicy = .keepLast
    ) {
        requireShape(
            rows >= 0 && cols >= 0,
            "SparseMatrix(rows:cols:triples:): shape must be non-negative, got [\(rows), \(cols)]")
        var counts = [Int](repeating: 0, count: rows + 1)
        for t in triples {
            if t.row < 0 || t.row >= rows || t.col < 0 || t.col >= cols {
                shapeCheckFailure(
                    "SparseMatrix(rows:cols:triples:): triple (\(t.row), \(t.col)) outside shape [\(rows), \(cols)]")
            }
            counts[t.row + 1] += 1
        }
        for r in 0..<rows { counts[r + 1] += counts[r] }
        var next = counts
        // Stable placement keeps input order within a row, which `keepLast` relies on.
        var order = [Int](repeating: 0, count: triples.count)
        for (i, t) in triples.enumerated() {
            order[next[t.row]] = i
            next[t.row] += 1
        }
        var pointers = [Int](repeating: 0, count: rows + 1)
        var columns: [Int32] = []
        var values: [Float] = []
        columns.reserveCapacity(triples.count)
        values.reserveCapacity(triples.count)
        for r in 0..<rows {
            let slice = order[counts[r]..<counts[r + 1]].sorted {
                let a = triples[$0].col, b = triples[$1].col
                return a != b ? a < b : $0 < $1
            }
            var lastColumn = -1
            for i in slice {
                let t = triples[i]
                if t.col == lastColumn {
                    switch duplicates {
                    case .sum: values[values.count - 1] += t.value
                    case .keepLast: values[values.count - 1] = t.value
                    case .max: values[values.count - 1] = Swift.max(values[values.count - 1], t.value)
                    }
                } else {
                    columns.append(Int32(t.col))
                    values.append(t.value)
                    lastColumn = t.col
                }
            }
            pointers[r + 1] = values.count
        }
        self.init(unchecked: rows, cols: cols, rowPointers: pointers, columnIndices: columns, values: values)
    }

    /// Builds a sparse matrix from the nonzero entries of a dense `[rows, cols]` tensor.
    public init(dense: Tensor) {
        requireShape(dense.rank == 2, "SparseMatrix(dense:): needs a matrix, got shape \(dense.shape)")
        var pointers = [0]
        var columns: [Int32] = []
        var values: [Float] = []
        for r in 0..<dense.rows {
            for c in 0..<dense.cols where dense[r, c] != 0 {
                columns.append(Int32(c))
                values.append(dense[r, c])
            }
            pointers.append(values.count)
        }
        self.init(unchecked: dense.rows, cols: dense.cols, rowPointers: pointers, columnIndices: columns,
                  values: values)
    }

    /// The column indices of row `r`.
    @inlinable public func columns(ofRow r: Int) -> ArraySlice<Int32> {
        requireShape(r >= 0 && r < rows, "SparseMatrix.columns(ofRow:): row \(r) outside \(shape)")
        return columnIndices[rowPointers[r]..<rowPointers[r + 1]]
    }

    /// The values of row `r`.
    @inlinable public func values(ofRow r: Int) -> ArraySlice<Float> {
        requireShape(r >= 0 && r < rows, "SparseMatrix.values(ofRow:): row \(r) outside \(shape)")
        return values[rowPointers[r]..<rowPointers[r + 1]]
    }

    /// The number of stored entries in row `r`.
    @inlinable public func count(ofRow r: Int) -> Int {
        requireShape(r >= 0 && r < rows, "SparseMatrix.count(ofRow:): row \(r) outside \(shape)")
        return rowPointers[r + 1] - rowPointers[r]
    }

    /// The stored value at (row, col), or nil if not stored. O(log row length).
    public func value(row: Int, col: Int) -> Float? {
        requireShape(
            row >= 0 && row < rows && col >= 0 && col < cols,
            "SparseMatrix.value(row:col:): (\(row), \(col)) outside \(shape)")
        var low = rowPointers[row], high = rowPointers[row + 1]
        let target = Int32(col)
        while low < high {
            let mid = (low + high) / 2
            if columnIndices[mid] < target { low = mid + 1 } else { high = mid }
        }
        return low < rowPointers[row + 1] && columnIndices[low] == target ? values[low] : nil
    }

    /// The transpose `[cols, rows]`. O(nnz + rows + cols).
    public func transposed() -> SparseMatrix {
        // Column indices lie in `0..<cols` and row pointers are valid CSR (checked on
        // construction), so every index below is in bounds and no count overflows.
        var counts = [Int](repeating: 0, count: cols + 1)
        columnIndices.withUnsafeBufferPointer { source in
            counts.withUnsafeMutableBufferPointer { countBuffer in
                let n = countBuffer.baseAddress!
                for c in source { n[Int(c) &+ 1] &+= 1 }
                for c in 0..<cols { n[c &+ 1] &+= n[c] }
            }
        }
        var next = counts
        let (newColumns, newValues) = buildEntries(count: nonzeroCount) { pointers, cs, vs, ct, vt in
            next.withUnsafeMutableBufferPointer { nextBuffer in
                let n = nextBuffer.baseAddress!
                for r in 0..<rows {
                    let tag = Int32(r)
                    for e in pointers[r]..<pointers[r &+ 1] {
                        let c = Int(cs[e]), slot = n[c]
                        ct[slot] = tag
                        vt[slot] = vs[e]
                        n[c] = slot &+ 1
                    }
                }
            }
        }
        return SparseMatrix(unchecked: cols, cols: rows, rowPointers: counts, columnIndices: newColumns,
                            values: newValues)
    }

    /// Rows `range` as a new `[range.count, cols]` matrix.
    public func rows(_ range: Range<Int>) -> SparseMatrix {
        requireShape(
            range.lowerBound >= 0 && range.upperBound <= rows,
            "SparseMatrix.rows(_:): row range \(range) out of bounds for \(shape)")
        return gatherRows(Array(range))
    }

    /// The given rows, in order, as a new `[indices.count, cols]` matrix (a mini-batch).
    public func gatherRows(_ indices: [Int]) -> SparseMatrix {
        let rowCount = rows
        if let bad = indices.first(where: { $0 < 0 || $0 >= rowCount }) {
            shapeCheckFailure("SparseMatrix.gatherRows: row \(bad) out of bounds for \(shape)")
        }
        // Indices were checked above and the row pointers are valid CSR, so every copy below
        // stays inside its arrays and the running total never exceeds `nonzeroCount` per index.
        var pointers = [Int](repeating: 0, count: indices.count + 1)
        rowPointers.withUnsafeBufferPointer { source in
            pointers.withUnsafeMutableBufferPointer { target in
                let (s, t) = (source.baseAddress!, target.baseAddress!)
                for (i, r) in indices.enumerated() { t[i &+ 1] = t[i] + (s[r &+ 1] &- s[r]) }
            }
        }
        let total = pointers[indices.count]
        let (newColumns, newValues) = buildEntries(count: total) { s, cs, vs, ct, vt in
            var offset = 0
            for r in indices {
                let start = s[r], n = s[r &+ 1] &- start
                (ct + offset).update(from: cs + start, count: n)
                (vt + offset).update(from: vs + start, count: n)
                offset &+= n
            }
        }
        return SparseMatrix(unchecked: indices.count, cols: cols, rowPointers: pointers,
                            columnIndices: newColumns, values: newValues)
    }

    /// New column-index and value arrays of `count` entries, filled by `body` from this matrix's
    /// raw CSR arrays: it gets the row pointers, column indices and values to read and the new
    /// columns and values to write, as base pointers. Not called when either side is empty.
    /// The callers' own checks keep every index in bounds.
    private func buildEntries(
        count: Int,
        _ body: (
            _ rowPointers: UnsafePointer<Int>, _ columns: UnsafePointer<Int32>, _ values: UnsafePointer<Float>,
            _ newColumns: UnsafeMutablePointer<Int32>, _ newValues: UnsafeMutablePointer<Float>
        ) -> Void
    ) -> (columns: [Int32], values: [Float]) {
        var newColumns = [Int32](repeating: 0, count: count)
        var newValues = [Float](repeating: 0, count: count)
        guard count > 0 && nonzeroCount > 0 else { return (newColumns, newValues) }
        rowPointers.withUnsafeBufferPointer { pointers in
            columnIndices.withUnsafeBufferPointer { columnSource in
                values.withUnsafeBufferPointer { valueSource in
                    newColumns.withUnsafeMutableBufferPointer { columnTarget in
                        newValues.withUnsafeMutableBufferPointer { valueTarget in
                            body(
                                pointers.baseAddress!, columnSource.baseAddress!, valueSource.baseAddress!,
                                columnTarget.baseAddress!, valueTarget.baseAddress!)
                        }
                    }
                }
            }
        }
        return (newColumns, newValues)
    }

    /// The same pattern with every stored value replaced by `transform(value)`.
    public func mapValues(_ transform: (Float) -> Float) -> SparseMatrix {
        SparseMatrix(unchecked: rows, cols: cols, rowPointers: rowPointers, columnIndices: columnIndices,
                     values: values.map(transform))
    }

    /// A dense `[rows, cols]` copy (for small matrices and tests).
    public func toDense() -> Tensor {
        var dense = Tensor(shape: [rows, cols])
        dense.withUnsafeMutableBufferPointer { d in
            for r in 0..<rows {
                for e in rowPointers[r]..<rowPointers[r + 1] { d[r * cols + Int(columnIndices[e])] = values[e] }
            }
        }
        return dense
    }

    /// Every stored entry as (row, column, value), row by row.
    public var triples: [(row: Int, col: Int, value: Float)] {
        var result: [(row: Int, col: Int, value: Float)] = []
        result.reserveCapacity(nonzeroCount)
        for r in 0..<rows {
            for e in rowPointers[r]..<rowPointers[r + 1] { result.append((r, Int(columnIndices[e]), values[e])) }
        }
        return result
    }
}
