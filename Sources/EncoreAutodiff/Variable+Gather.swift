// Gathers and scatters. Each gather's backward is the matching scatter-add, and vice versa.

extension Variable {
    /// Rows `indices` of a `[m, n]` matrix as `[indices.count, n]` (repeats allowed); the gradient
    /// is scatter-added back.
    public func gatherRows(_ indices: [Int]) -> Variable {
        let source = value
        return Variable.record(source.gatherRows(indices), inputs: [self]) { g in
            self.accumulate(Tensor.scatterAddRows(g, indices, rowCount: source.rows))
        }
    }

    /// Sums the rows of a `[k, n]` matrix into rows `indices` of a `[rowCount, n]` zero matrix.
    public func scatterRows(_ indices: [Int], rowCount: Int) -> Variable {
        requireShape(
            indices.count == value.rows, "scatterRows: \(indices.count) indices for value \(value.shape)")
        return Variable.record(Tensor.scatterAddRows(value, indices, rowCount: rowCount), inputs: [self]) { g in
            self.accumulate(g.gatherRows(indices))
        }
    }

    /// Columns `indices` of a `[m, n]` matrix as `[m, indices.count]`: e.g. a decoder weight
    /// `[hidden, items]` restricted to the items sampled for a batch (CDAE).
    public func gatherColumns(_ indices: [Int]) -> Variable {
        let (m, n) = (value.rows, value.cols)
        requireShape(
            indices.allSatisfy { $0 >= 0 && $0 < n },
            "gatherColumns: column \(indices.first { $0 < 0 || $0 >= n } ?? -1) is outside \(value.shape)")
        let k = indices.count
        var result = Tensor(uninitializedShape: [m, k])
        value.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { t in
                for i in 0..<m { for (j, c) in indices.enumerated() { t[i * k + j] = s[i * n + c] } }
            }
        }
        let shape = value.shape
        return Variable.record(result, inputs: [self]) { g in
            var grad = Tensor(shape: [m, n])
            g.withUnsafeBufferPointer { s in
                grad.withUnsafeMutableBufferPointer { t in
                    for i in 0..<m { for (j, c) in indices.enumerated() { t[i * n + c] += s[i * k + j] } }
                }
            }
            self.accumulate(grad.reshaped(shape))
        }
    }

    /// Elements `indices` of a tensor in row-major order, as `[indices.count]`: e.g. a per-item bias
    /// `[items]` at each entry's column (`bias.gatherElements(entries.columns)`); the gradient is
    /// scatter-added back.
    public func gatherElements(_ indices: [Int32]) -> Variable {
        let count = value.count
        requireShape(
            indices.allSatisfy { $0 >= 0 && Int($0) < count },
            "gatherElements: index \(indices.first { $0 < 0 || Int($0) >= count } ?? -1) is outside \(value.shape)")
        var result = Tensor(uninitializedShape: [indices.count])
        value.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { t in for (e, i) in indices.enumerated() { t[e] = s[Int(i)] } }
        }
        return Variable.record(result, inputs: [self]) { g in
            var grad = Tensor(shape: self.shape)
            g.withUnsafeBufferPointer { s in
                grad.withUnsafeMutableBufferPointer { t in for (e, i) in indices.enumerated() { t[Int(i)] += s[e] } }
            }
            self.accumulate(grad)
        }
    }

    /// The entries `(rows[e], columns[e])` of a `[rowCount, columnCount]` matrix as a vector `[E]`.
    public func gatherEntries(_ entries: EntryIndices) -> Variable {
        return Variable.record(Tensor.gatherEntries(value, entries), inputs: [self]) { g in
            self.accumulate(Tensor.scatterAddEntries(g, entries).reshaped(self.shape))
        }
    }

    /// Places a vector `[E]` at `entries` of a zero `[rowCount, columnCount]` matrix (duplicates add).
    public func scatterEntries(_ entries: EntryIndices) -> Variable {
        return Variable.record(Tensor.scatterAddEntries(value, entries), inputs: [self]) { g in
            self.accumulate(Tensor.gatherEntries(g, entries).reshaped(self.shape))
        }
    }
}

extension Tensor {
    /// `result[indices[i]] += rows[i]` into a `[rowCount, n]` zero matrix.
    static func scatterAddRows(_ rows: Tensor, _ indices: [Int], rowCount: Int) -> Tensor {
        requireShape(
            indices.count == rows.rows, "scatterRows: \(indices.count) indices for rows \(rows.shape)")
        let n = rows.cols
        var result = Tensor(shape: [rowCount, n])
        rows.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { t in
                for (i, index) in indices.enumerated() {
                    if index < 0 || index >= rowCount {
                        shapeCheckFailure("scatterRows: row \(index) outside [\(rowCount), \(n)]")
                    }
                    let target = t.baseAddress! + index &* n, source = s.baseAddress! + i &* n
                    for j in 0..<n { target[j] += source[j] }
                }
            }
        }
        return result
    }

    /// The values of a `[rowCount, columnCount]` matrix at `entries`, as `[E]`.
    public static func gatherEntries(_ matrix: Tensor, _ entries: EntryIndices) -> Tensor {
        requireShape(
            matrix.rows == entries.rowCount && matrix.cols == entries.columnCount,
            "gatherEntries: matrix \(matrix.shape) vs entries over [\(entries.rowCount), \(entries.columnCount)]")
        let n = matrix.cols
        var result = Tensor(uninitializedShape: [entries.count])
        matrix.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { t in
                for e in 0..<entries.count { t[e] = s[Int(entries.rows[e]) * n + Int(entries.columns[e])] }
            }
        }
        return result
    }

    /// A `[rowCount, columnCount]` zero matrix with `values[e]` added at each entry `e`.
    public static func scatterAddEntries(_ values: Tensor, _ entries: EntryIndices) -> Tensor {
        requireShape(
            values.count == entries.count, "scatterEntries: values \(values.shape) vs \(entries.count) entries")
        let n = entries.columnCount
        var result = Tensor(shape: [entries.rowCount, n])
        values.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { t in
                for e in 0..<entries.count { t[Int(entries.rows[e]) * n + Int(entries.columns[e])] += s[e] }
            }
        }
        return result
    }
}
