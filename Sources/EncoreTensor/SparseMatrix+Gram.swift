extension SparseMatrix {
    /// The Gram matrix `selfᵀ·self`, shape `[cols, cols]` (item-item co-occurrence for EASE).
    ///
    /// A symmetric rank-k update straight from CSR: every row adds `v_i·v_j` for each pair of its
    /// entries with `j <= i` to the lower triangle, which is then mirrored. Threads own disjoint
    /// ranges of output rows of equal work, so results do not depend on the thread count.
    /// - Parameter threads: the most threads to use (`nil`: all cores).
    /// - Returns: `[cols, cols]`, exactly symmetric.
    /// - Complexity: O(sum over rows of nnz(row)²) / 2, plus O(cols²) to zero and mirror.
    public func gram(threads: Int? = nil) -> Tensor {
        var result = Tensor(shape: [cols, cols])
        guard cols > 0 && nonzeroCount > 0 else { return result }
        // work[i]: pairs written into output row i (entry at position q in its row adds q + 1).
        var work = [Int](repeating: 0, count: cols)
        for r in 0..<rows {
            for (q, e) in (rowPointers[r]..<rowPointers[r + 1]).enumerated() { work[Int(columnIndices[e])] += q + 1 }
        }
        let parts = max(1, min(Parallel.resolve(threads), cols))
        var bounds = [0]
        let total = work.reduce(0, +)
        var running = 0
        for i in 0..<cols {
            running += work[i]
            if bounds.count < parts && running * parts >= total * bounds.count { bounds.append(i + 1) }
        }
        while bounds.count <= parts { bounds.append(cols) }
        bounds[parts] = cols
        let n = cols
        result.withUnsafeMutableBufferPointer { out in
            rowPointers.withUnsafeBufferPointer { rp in
                columnIndices.withUnsafeBufferPointer { ci in
                    values.withUnsafeBufferPointer { v in
                        let shared = UncheckedSendableBox((out.baseAddress!, rp, ci, v, bounds))
                        Parallel.forEachChunk(parts, threads: parts) { chunk in
                            let (g, rp, ci, v, bounds) = shared.value
                            for part in chunk {
                                let low = Int32(bounds[part]), high = Int32(bounds[part + 1])
                                for r in 0..<(rp.count - 1) {
                                    let start = rp[r], end = rp[r + 1]
                                    for e in start..<end {
                                        let i = ci[e]
                                        if i < low { continue }
                                        if i >= high { break }
                                        let target = g + Int(i) * n
                                        let scale = v[e]
                                        for f in start...e { target[Int(ci[f])] += scale * v[f] }
                                    }
                                }
                            }
                        }
                        SPDInverse.mirrorLowerToUpper(out.baseAddress!, n: n)
                    }
                }
            }
        }
        return result
    }
}
