extension Tensor {
    /// The inverse of a symmetric positive-definite matrix, through its Cholesky factor.
    ///
    /// `a⁻¹ = L⁻ᵀ·L⁻¹`: a blocked Cholesky (n³/3), a blocked triangular inverse (n³/3) and the
    /// symmetric product `Xᵀ·X` of the lower-triangular `X = L⁻¹` (n³/3), every block a GEMM
    /// that skips the known zero blocks: n³ multiply-adds in all, half of an LU-based inverse.
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

    /// Replaces a symmetric positive-definite matrix by its inverse, in its own storage: the only
    /// other `[n, n]` buffer is the inverse of the factor (plus a copy when the storage is
    /// shared, as for any mutation). The arithmetic of `inverseSPD`, so the same bits.
    /// - Parameter threads: the most threads to use (`nil`: all cores).
    /// - Throws: `NotPositiveDefiniteError` naming the failing pivot; the matrix then holds a
    ///   partial factor, not the input.
    /// - Precondition: the matrix is `[n, n]`; only its lower triangle is read.
    public mutating func formInverseSPD(threads: Int? = nil) throws {
        requireShape(rank == 2 && rows == cols, "formInverseSPD: needs a square matrix, got \(shape)")
        let n = rows
        guard n > 0 else { return }
        var inverseFactor = Tensor(shape: [n, n])
        try withUnsafeMutableBufferPointer { w in
            try Cholesky.factorInPlace(w.baseAddress!, n: n, threads: threads)
            inverseFactor.withUnsafeMutableBufferPointer { x in
                SPDInverse.invertLowerBlocked(w.baseAddress!, into: x.baseAddress!, n: n, threads: threads)
                // The factor is no longer read: its storage takes the result.
                SPDInverse.lowerGram(x.baseAddress!, into: w.baseAddress!, n: n, threads: threads)
            }
        }
    }
}

/// The blocked steps of `Tensor.inverseSPD` on raw `[n, n]` row-major buffers.
enum SPDInverse {
    /// `x = l⁻¹` for the lower triangle of `l`; `x` must be zero on entry (stays zero above).
    ///
    /// By block rows: `X[I,I] = L[I,I]⁻¹`, then `X[I, 0..<is] = -X[I,I] · (L[I, 0..<is] · X[0..<is, 0..<is])`,
    /// the inner product taken per column block `J` over rows `J.start ..< is` only (X is lower).
    static func invertLowerBlocked(
        _ l: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, n: Int, threads: Int?
    ) {
        let nb = Cholesky.blockSize
        let product = UnsafeMutablePointer<Float>.allocate(capacity: max(1, nb * n))
        defer { product.deallocate() }
        var rowStart = 0
        while rowStart < n {
            let rows = min(nb, n - rowStart)
            Cholesky.invertLower(l + rowStart * n + rowStart, ld: n, order: rows, into: x + rowStart * n + rowStart, ldx: n)
            if rowStart > 0 {
                var colStart = 0
                while colStart < rowStart {
                    let cols = min(nb, rowStart - colStart)
                    GEMM.multiply(
                        transposeA: false, transposeB: false, m: rows, n: cols, k: rowStart - colStart,
                        alpha: 1, a: l + rowStart * n + colStart, lda: n, b: x + colStart * n + colStart, ldb: n,
                        beta: 0, c: product + colStart, ldc: rowStart, threads: threads)
                    colStart += cols
                }
                GEMM.multiply(
                    transposeA: false, transposeB: false, m: rows, n: rowStart, k: rows, alpha: -1,
                    a: x + rowStart * n + rowStart, lda: n, b: product, ldb: rowStart,
                    beta: 0, c: x + rowStart * n, ldc: n, threads: threads)
            }
            rowStart += rows
        }
    }

    /// `y = xᵀ·x` for lower-triangular `x`: the lower block rows by GEMM over the nonzero rows of
    /// `x` only, then mirrored so `y` is exactly symmetric.
    static func lowerGram(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, n: Int, threads: Int?) {
        let nb = Cholesky.blockSize
        var rowStart = 0
        while rowStart < n {
            let rows = min(nb, n - rowStart)
            // Y[I, 0..<ie] = X[is..<n, I]ᵀ · X[is..<n, 0..<ie]  (X[t, I] = 0 for t < is).
            GEMM.multiply(
                transposeA: true, transposeB: false, m: rows, n: rowStart + rows, k: n - rowStart, alpha: 1,
                a: x + rowStart * n + rowStart, lda: n, b: x + rowStart * n, ldb: n,
                beta: 0, c: y + rowStart * n, ldc: n, threads: threads)
            rowStart += rows
        }
        mirrorLowerToUpper(y, n: n)
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
