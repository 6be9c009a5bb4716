extension SparseMatrix {
    /// Returns `self * dense`, shape `[rows, dense.cols]`.
    /// - Parameter dense: `[cols, n]`.
    /// - Complexity: O(nnz * n), parallel over rows.
    public func multiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        precondition(dense.rows == cols,
                     "sparse x dense: sparse [\(rows), \(cols)] needs dense with \(cols) rows, got \(dense.shape)")
        let n = dense.cols
        var result = Tensor(shape: [rows, n])
        result.withUnsafeMutableBufferPointer { out in
            dense.withUnsafeBufferPointer { d in
                rowPointers.withUnsafeBufferPointer { rp in
                    columnIndices.withUnsafeBufferPointer { ci in
                        values.withUnsafeBufferPointer { v in
                            let o = out.baseAddress!, dp = d.baseAddress!
                            Parallel.forEachChunk(rows, threads: threads, minimumChunk: 16) { range in
                                for r in range {
                                    let target = o + r * n
                                    for e in rp[r]..<rp[r + 1] {
                                        let scale = v[e]
                                        let source = dp + Int(ci[e]) * n
                                        for j in 0..<n { target[j] += scale * source[j] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Returns `selfᵀ * dense`, shape `[cols, dense.cols]`.
    /// - Parameter dense: `[rows, n]`.
    public func transposedMultiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        precondition(dense.rows == rows,
                     "sparseᵀ x dense: sparse [\(rows), \(cols)] needs dense with \(rows) rows, got \(dense.shape)")
        return transposed().multiply(dense, threads: threads)
    }
}
