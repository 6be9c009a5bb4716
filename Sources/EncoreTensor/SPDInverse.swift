import Dispatch

extension Tensor {
    /// The inverse of a symmetric positive-definite matrix, through its Cholesky factor.
    ///
    /// `a⁻¹ = L⁻ᵀ·L⁻¹`: a Cholesky factorisation, a triangular inverse and the symmetric
    /// product `Xᵀ·X` of the lower-triangular `X = L⁻¹`, n³/3 flops each (n³/6 multiply-adds),
    /// each recursive over halves so that nearly all of it runs as large GEMMs that skip the
    /// known zero blocks: n³ flops in all, half of an LU-based inverse.
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
    /// runs in place, with workspace of `128 x (n + 128)` floats (plus a copy of the matrix when
    /// its storage is shared, as for any mutation). `inverseSPD` is this on a copy.
    /// - Parameters:
    ///   - threads: the most threads to use (`nil`: all cores).
    ///   - phaseSeconds: called after each of the three steps with its name (`cholesky`,
    ///     `triangular_inverse`, `product`) and its wall-clock seconds, for `encore bench spd`.
    /// - Throws: `NotPositiveDefiniteError` naming the failing pivot; the matrix then holds a
    ///   partial factor, not the input.
    /// - Precondition: the matrix is `[n, n]`; only its lower triangle is read.
    public mutating func formInverseSPD(
        threads: Int? = nil, phaseSeconds: ((String, Double) -> Void)? = nil
    ) throws {
        requireShape(rank == 2 && rows == cols, "formInverseSPD: needs a square matrix, got \(shape)")
        let n = rows
        guard n > 0 else { return }
        try withUnsafeMutableBufferPointer { w in
            var start = DispatchTime.now()
            func lap(_ name: String) {
                guard let phaseSeconds else { return }
                phaseSeconds(name, Elapsed.seconds(since: start))
                start = DispatchTime.now()
            }
            try SPDInverse.withWorkspace(n: n, threads: threads) { steps in
                try steps.factor(w.baseAddress!, n, n, offset: 0, total: n)
                lap("cholesky")
                steps.invertLower(w.baseAddress!, n, n)
                lap("triangular_inverse")
                steps.lowerGram(w.baseAddress!, n, n)
                SPDInverse.mirrorLowerToUpper(w.baseAddress!, n: n)
                lap("product")
            }
        }
    }
}

/// The recursive steps of `Tensor.inverseSPD` on raw row-major buffers with a leading dimension.
///
/// Each step halves its triangle (at a multiple of `base` near the middle) and recurses, so nearly
/// all of its flops are GEMMs of about `n/2 x n/2 x n/2`, `n/4 x ...` and so on, which run at the
/// GEMM's large-shape rate. The earlier loop over 128-wide block rows made every product a
/// 128-row or 128-deep GEMM and reached about 63% of that rate at any order from 4,000 to 20,000.
/// Only triangles of at most `base` rows are solved directly: factored and inverted reading their
/// lower triangle only, and copied into a zero-padded buffer before any GEMM uses them, so no
/// step ever reads an upper triangle: the storage above the diagonal is scratch until the final
/// mirror.
struct SPDInverse {
    /// The order at or below which a triangle is solved directly.
    static let base = Cholesky.blockSize

    /// A `base x n` buffer: a direct step's whole other operand (`[<= base, < n]` or
    /// `[< n, <= base]`) is copied into it.
    let panel: UnsafeMutablePointer<Float>
    /// A `base x base` buffer: the zero-padded triangle of a direct step.
    let triangle: UnsafeMutablePointer<Float>
    let threads: Int?

    /// Runs `body` with the workspace of an order-`n` inverse (`base x (n + base)` floats).
    static func withWorkspace<R>(n: Int, threads: Int?, _ body: (SPDInverse) throws -> R) rethrows -> R {
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: max(1, base * n))
        let triangle = UnsafeMutablePointer<Float>.allocate(capacity: base * base)
        defer { panel.deallocate(); triangle.deallocate() }
        return try body(SPDInverse(panel: panel, triangle: triangle, threads: threads))
    }

    /// Where an order-`n` triangle (`n > base`) is split: `n/2` rounded up to a multiple of
    /// `base` (300 splits as 256 + 44), below `n`.
    static func split(_ n: Int) -> Int { min((n / 2 + base - 1) / base * base, n - 1) }

    /// `C = alpha·op(A)·op(B) + beta·C` with this inverse's thread count.
    private func gemm(
        _ transposeA: Bool, _ transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        GEMM.multiply(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
            b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
    }

    /// Copies the lower triangle of the order-`k` `t` into `triangle` (leading dimension `k`),
    /// zeros above the diagonal.
    private func loadLower(_ t: UnsafePointer<Float>, _ ldt: Int, _ k: Int) {
        for i in 0..<k {
            (triangle + i * k).update(from: t + i * ldt, count: i + 1)
            (triangle + i * k + i + 1).update(repeating: 0, count: k - i - 1)
        }
    }

    /// Copies the `rows x cols` matrix `b` into `panel` (leading dimension `cols`).
    private func loadPanel(_ b: UnsafePointer<Float>, _ ldb: Int, rows: Int, cols: Int) {
        for i in 0..<rows { (panel + i * cols).update(from: b + i * ldb, count: cols) }
    }

    /// The Cholesky factor `L` of the order-`n` `a` into its lower triangle (`a = L·Lᵀ`):
    /// `L11`, then `L21 = A21·L11⁻ᵀ`, `A22 -= L21·L21ᵀ` and `L22`. `offset` and `total` place the
    /// block in the whole matrix for the error message.
    func factor(_ a: UnsafeMutablePointer<Float>, _ ld: Int, _ n: Int, offset: Int, total: Int) throws {
        guard n > Self.base else {
            try Cholesky.factorBlock(a, ld: ld, order: n, offset: offset, total: total)
            return
        }
        let n1 = Self.split(n), n2 = n - n1
        try factor(a, ld, n1, offset: offset, total: total)
        solveRightLowerTransposed(a, ld, n1, a + n1 * ld, ld, rows: n2)
        rankUpdateLower(a + n1 * ld + n1, ld, n2, alpha: -1, a + n1 * ld, ld, depth: n1, transposed: false)
        try factor(a + n1 * ld + n1, ld, n2, offset: offset + n1, total: total)
    }

    /// `B ← B·L⁻ᵀ` for the `rows x k` `b` and the order-`k` lower-triangular `l`: `X1 = B1·L11⁻ᵀ`,
    /// `B2 -= X1·L21ᵀ`, `X2 = B2·L22⁻ᵀ`.
    func solveRightLowerTransposed(
        _ l: UnsafePointer<Float>, _ ldl: Int, _ k: Int, _ b: UnsafeMutablePointer<Float>, _ ldb: Int, rows: Int
    ) {
        guard k > Self.base else {
            Cholesky.invertLower(l, ld: ldl, order: k, into: triangle, ldx: k)
            loadPanel(b, ldb, rows: rows, cols: k)
            gemm(false, true, m: rows, n: k, k: k, alpha: 1, panel, k, triangle, k, beta: 0, b, ldb)
            return
        }
        let k1 = Self.split(k)
        solveRightLowerTransposed(l, ldl, k1, b, ldb, rows: rows)
        gemm(false, true, m: rows, n: k - k1, k: k1, alpha: -1, b, ldb, l + k1 * ldl, ldl, beta: 1, b + k1, ldb)
        solveRightLowerTransposed(l + k1 * ldl + k1, ldl, k - k1, b + k1, ldb, rows: rows)
    }

    /// The lower triangle of the order-`n` `c` plus `alpha·op(A)·op(A)ᵀ`, where `op(A)` is
    /// `[n, depth]`: `a` itself, or with `transposed` the `[depth, n]` `a`'s transpose. Direct
    /// blocks are computed whole: their upper triangles receive the same sums (scratch).
    func rankUpdateLower(
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ n: Int, alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, depth: Int, transposed: Bool
    ) {
        guard n > Self.base else {
            gemm(transposed, !transposed, m: n, n: n, k: depth, alpha: alpha, a, lda, a, lda, beta: 1, c, ldc)
            return
        }
        let n1 = Self.split(n)
        // Rows n1..<n of op(A): rows of a, or columns of a when transposed.
        let lower = transposed ? a + n1 : a + n1 * lda
        rankUpdateLower(c, ldc, n1, alpha: alpha, a, lda, depth: depth, transposed: transposed)
        gemm(transposed, !transposed, m: n - n1, n: n1, k: depth, alpha: alpha, lower, lda, a, lda, beta: 1, c + n1 * ldc, ldc)
        rankUpdateLower(c + n1 * ldc + n1, ldc, n - n1, alpha: alpha, lower, lda, depth: depth, transposed: transposed)
    }

    /// Replaces the order-`n` lower-triangular `L` by `X = L⁻¹` in place: `X11 = L11⁻¹`,
    /// `X22 = L22⁻¹`, then `X21 = -X22·(L21·X11)`, each product in place.
    func invertLower(_ l: UnsafeMutablePointer<Float>, _ ld: Int, _ n: Int) {
        guard n > Self.base else {
            Cholesky.invertLower(l, ld: ld, order: n, into: triangle, ldx: n)
            for i in 0..<n { (l + i * ld).update(from: triangle + i * n, count: i + 1) }
            return
        }
        let n1 = Self.split(n), n2 = n - n1
        let (x11, x21, x22) = (l, l + n1 * ld, l + n1 * ld + n1)
        invertLower(x11, ld, n1)
        invertLower(x22, ld, n2)
        multiplyRightLower(x21, ld, rows: n2, x11, ld, n1)
        multiplyLeftLower(x22, ld, n2, x21, ld, cols: n1, alpha: -1, transposed: false)
    }

    /// `B ← B·T` in place for the `rows x k` `b` and the order-`k` lower-triangular `t`:
    /// `B1 ← B1·T11 + B2·T21` (the first in place, then the GEMM), then `B2 ← B2·T22`.
    func multiplyRightLower(
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int, rows: Int, _ t: UnsafePointer<Float>, _ ldt: Int, _ k: Int
    ) {
        guard k > Self.base else {
            loadLower(t, ldt, k)
            loadPanel(b, ldb, rows: rows, cols: k)
            gemm(false, false, m: rows, n: k, k: k, alpha: 1, panel, k, triangle, k, beta: 0, b, ldb)
            return
        }
        let k1 = Self.split(k)
        multiplyRightLower(b, ldb, rows: rows, t, ldt, k1)
        gemm(false, false, m: rows, n: k1, k: k - k1, alpha: 1, b + k1, ldb, t + k1 * ldt, ldt, beta: 1, b, ldb)
        multiplyRightLower(b + k1, ldb, rows: rows, t + k1 * ldt + k1, ldt, k - k1)
    }

    /// `B ← alpha·op(T)·B` in place for the order-`k` lower-triangular `t` (`op(T)` is `T`, or
    /// with `transposed` the upper-triangular `Tᵀ`) and the `k x cols` `b`. Lower: `B2 ← T22·B2 +
    /// T21·B1`, then `B1 ← T11·B1`; upper: `B1 ← T11ᵀ·B1 + T21ᵀ·B2`, then `B2 ← T22ᵀ·B2`: each
    /// half is rewritten only after the other half has read it.
    func multiplyLeftLower(
        _ t: UnsafePointer<Float>, _ ldt: Int, _ k: Int, _ b: UnsafeMutablePointer<Float>, _ ldb: Int,
        cols: Int, alpha: Float, transposed: Bool
    ) {
        guard k > Self.base else {
            loadLower(t, ldt, k)
            loadPanel(b, ldb, rows: k, cols: cols)
            gemm(transposed, false, m: k, n: cols, k: k, alpha: alpha, triangle, k, panel, cols, beta: 0, b, ldb)
            return
        }
        let k1 = Self.split(k), k2 = k - k1
        let (t11, t21, t22) = (t, t + k1 * ldt, t + k1 * ldt + k1)
        let (b1, b2) = (b, b + k1 * ldb)
        if transposed {
            multiplyLeftLower(t11, ldt, k1, b1, ldb, cols: cols, alpha: alpha, transposed: true)
            gemm(true, false, m: k1, n: cols, k: k2, alpha: alpha, t21, ldt, b2, ldb, beta: 1, b1, ldb)
            multiplyLeftLower(t22, ldt, k2, b2, ldb, cols: cols, alpha: alpha, transposed: true)
        } else {
            multiplyLeftLower(t22, ldt, k2, b2, ldb, cols: cols, alpha: alpha, transposed: false)
            gemm(false, false, m: k2, n: cols, k: k1, alpha: alpha, t21, ldt, b1, ldb, beta: 1, b2, ldb)
            multiplyLeftLower(t11, ldt, k1, b1, ldb, cols: cols, alpha: alpha, transposed: false)
        }
    }

    /// Replaces the order-`n` lower-triangular `X` by the lower triangle of `Xᵀ·X` in place:
    /// `Y11 = X11ᵀ·X11 + X21ᵀ·X21`, `Y21 = X22ᵀ·X21`, `Y22 = X22ᵀ·X22`, in that order (each reads
    /// only blocks not yet rewritten).
    func lowerGram(_ x: UnsafeMutablePointer<Float>, _ ld: Int, _ n: Int) {
        guard n > Self.base else {
            loadLower(x, ld, n)
            gemm(true, false, m: n, n: n, k: n, alpha: 1, triangle, n, triangle, n, beta: 0, x, ld)
            return
        }
        let n1 = Self.split(n), n2 = n - n1
        let (x11, x21, x22) = (x, x + n1 * ld, x + n1 * ld + n1)
        lowerGram(x11, ld, n1)
        rankUpdateLower(x11, ld, n1, alpha: 1, x21, ld, depth: n2, transposed: true)
        multiplyLeftLower(x22, ld, n2, x21, ld, cols: n1, alpha: 1, transposed: true)
        lowerGram(x22, ld, n2)
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
