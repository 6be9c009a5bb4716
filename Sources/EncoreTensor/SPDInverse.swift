extension Tensor {
    /// The inverse of a symmetric positive-definite matrix, through its Cholesky factor.
    ///
    /// `a⁻¹ = L⁻ᵀ·L⁻¹`: a blocked Cholesky, a blocked triangular inverse and the symmetric
    /// product `Xᵀ·X` of the lower-triangular `X = L⁻¹`, n³/3 flops each (n³/6 multiply-adds),
    /// every block a GEMM that skips the known zero blocks: n³ flops in all, half of an LU-based
    /// inverse.
    /// - Parameters:
    ///   - a: `[n, n]`, symmetric positive definite; only the lower triangle is read.
    ///   - threads: the most threads to use (`nil`: all cores).
    /// - Returns: `[n, n]`, exactly symmetric.
    /// - Throws: `NotPositiveDefiniteError` naming the failing pivot.
    public static func inverseSPD(_ a: Tensor, threads: Int? = nil) throws -> Tensor {
        requireShape(a.rank == 2 && a.rows == a.cols, "inverseSPD: needs a square matrix, got \(a.shape)")
        var result = a
        try result.formInverseSPD(threads: threads)
        return result
    }

    /// Replaces a symmetric positive-definite matrix by its inverse, in its own storage: every step
    /// runs in place, with workspace of `128 x n` floats (plus a copy of the matrix when its
    /// storage is shared, as for any mutation). `inverseSPD` is this on a copy.
    /// - Parameter threads: the most threads to use (`nil`: all cores).
    /// - Throws: `NotPositiveDefiniteError` naming the failing pivot; the matrix then holds a
    ///   partial factor, not the input.
    /// - Precondition: the matrix is `[n, n]`; only its lower triangle is read.
    public mutating func formInverseSPD(threads: Int? = nil) throws {
        requireShape(rank == 2 && rows == cols, "formInverseSPD: needs a square matrix, got \(shape)")
        let n = rows
        guard n > 0 else { return }
        try withUnsafeMutableBufferPointer { w in
            try Cholesky.factorInPlace(w.baseAddress!, n: n, threads: threads)
            SPDInverse.invertLowerInPlace(w.baseAddress!, n: n, threads: threads)
            SPDInverse.lowerGramInPlace(w.baseAddress!, n: n, threads: threads)
        }
    }
}

/// The blocked steps of `Tensor.inverseSPD` on raw `[n, n]` row-major buffers.
enum SPDInverse {
    /// Replaces the lower-triangular factor `L` in the lower triangle of `w` by `X = L⁻¹`, block row
    /// by block row: with the rows above already `X`,
    /// `X[I, 0..<is] = -X[I,I] · (L[I, 0..<is] · X[0..<is, 0..<is])` (the inner product per column
    /// block `J` over rows `J.start ..< is` only: X is lower) and `X[I,I] = L[I,I]⁻¹`. Block row `I`
    /// still holds `L` while its product is formed, so the result overwrites it; the diagonal blocks
    /// get zeros above their diagonal, the rest of the upper triangle is left as it was.
    static func invertLowerInPlace(_ w: UnsafeMutablePointer<Float>, n: Int, threads: Int?) {
        let nb = Cholesky.blockSize
        let product = UnsafeMutablePointer<Float>.allocate(capacity: max(1, nb * n))
        let diagonal = UnsafeMutablePointer<Float>.allocate(capacity: nb * nb)
        defer { product.deallocate(); diagonal.deallocate() }
        var rowStart = 0
        while rowStart < n {
            let rows = min(nb, n - rowStart)
            // The column blocks' products are independent, each at most 128 x 128 (too narrow to
            // split well inside GEMM: one 96-row lane and one 32-row lane), so the threads take
            // whole blocks, round robin (block J's depth falls with J), each product on one thread.
            let blocks = (rowStart + nb - 1) / nb
            let lanes = min(Parallel.resolve(threads), blocks)
            let operands = UncheckedSendableBox((w, product))
            Parallel.forEachChunk(lanes, threads: lanes) { chunk in
                let (w, product) = operands.value
                for lane in chunk {
                    for block in stride(from: lane, to: blocks, by: lanes) {
                        let colStart = block * nb
                        GEMM.multiply(
                            transposeA: false, transposeB: false, m: rows, n: min(nb, rowStart - colStart),
                            k: rowStart - colStart, alpha: 1, a: w + rowStart * n + colStart, lda: n,
                            b: w + colStart * n + colStart, ldb: n, beta: 0, c: product + colStart, ldc: rowStart,
                            threads: 1)
                    }
                }
            }
            Cholesky.invertLower(w + rowStart * n + rowStart, ld: n, order: rows, into: diagonal, ldx: rows)
            for i in 0..<rows {
                (w + (rowStart + i) * n + rowStart).update(from: diagonal + i * rows, count: rows)
            }
            if rowStart > 0 {
                GEMM.multiply(
                    transposeA: false, transposeB: false, m: rows, n: rowStart, k: rows, alpha: -1,
                    a: w + rowStart * n + rowStart, lda: n, b: product, ldb: rowStart,
                    beta: 0, c: w + rowStart * n, ldc: n, threads: threads)
            }
            rowStart += rows
        }
    }

    /// Replaces `X` (lower-triangular, as `invertLowerInPlace` leaves it) by `Xᵀ·X`, exactly
    /// symmetric. Block row `I` of the product reads only rows `is..<n` of `X`
    /// (`Y[I, 0..<ie] = X[is..<n, I]ᵀ · X[is..<n, 0..<ie]`, as `X[t, I] = 0` for `t < is`), so going
    /// down the block rows each result overwrites rows no later block reads.
    static func lowerGramInPlace(_ w: UnsafeMutablePointer<Float>, n: Int, threads: Int?) {
        let nb = Cholesky.blockSize
        let block = UnsafeMutablePointer<Float>.allocate(capacity: max(1, nb * n))
        defer { block.deallocate() }
        var rowStart = 0
        while rowStart < n {
            let rows = min(nb, n - rowStart)
            let width = rowStart + rows
            GEMM.multiply(
                transposeA: true, transposeB: false, m: rows, n: width, k: n - rowStart, alpha: 1,
                a: w + rowStart * n + rowStart, lda: n, b: w + rowStart * n, ldb: n,
                beta: 0, c: block, ldc: width, threads: threads)
            for i in 0..<rows { (w + (rowStart + i) * n).update(from: block + i * width, count: width) }
            rowStart += rows
        }
        mirrorLowerToUpper(w, n: n)
    }

    /// Copies the strict lower triangle onto the upper one, in 32 x 32 tiles for the cache.
    static func mirrorLowerToUpper(_ y: UnsafeMutablePointer<Float>, n: Int) {
        let tile = 32
        for i0 in stride(from: 0, to: n, by: tile) {
            for j0 in stride(from: i0, to: n, by: tile) {
                for i in i0..<min(i0 + tile, n) {
                    for j in max(j0, i + 1)..<max(max(j0, i + 1), min(j0 + tile, n)) { y[i * n + j] = y[j * n + i] }
                }
            }
        }
    }
}
