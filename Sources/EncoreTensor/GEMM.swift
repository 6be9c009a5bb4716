/// Single-precision general matrix multiply: `C = alpha * op(A) * op(B) + beta * C`.
///
/// `op(A)` is `[m, k]` (stored `[m, k]`, or `[k, m]` when `transposeA`), `op(B)` is `[k, n]`
/// (stored `[k, n]`, or `[n, k]` when `transposeB`), `C` is `[m, n]`. Leading dimensions are the
/// row strides of the stored matrices, so row ranges of larger matrices can be passed directly.
public enum GEMM {
    /// Computes `C = alpha * op(A) * op(B) + beta * C` on raw row-major buffers.
    /// - Parameters:
    ///   - transposeA: use Aᵀ (A stored `[k, m]`).
    ///   - transposeB: use Bᵀ (B stored `[n, k]`).
    ///   - m, n, k: the logical sizes; any may be 0.
    ///   - lda, ldb, ldc: row strides of the stored A, B and C.
    ///   - beta: 0 overwrites C without reading it (NaNs in C are not propagated).
    ///   - threads: the most threads to use (`nil`: all cores).
    public static func multiply(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int? = nil
    ) {
        guard m > 0 && n > 0 else { return }
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must be >= 0, got m=\(m) n=\(n) k=\(k)")
        if k == 0 || alpha == 0 {
            scaleOnly(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        let operands = GEMMOperands(
            transposeA: transposeA, transposeB: transposeB, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        // Tiny products stay on one thread: waking a second costs more than it saves.
        let requested = m * n * k < 96 * 96 * 96 ? 1 : Parallel.resolve(threads)
        // With enough rows for every thread (and `sharePackedB`), the threads share each packed B
        // block and split the rows (runSharingB). Otherwise they divide the larger output
        // dimension: on Linux by taking row blocks or column chunks as they go (runBalancedRows /
        // runBalancedColumns), so that a thread slowed by the host does not hold up the product;
        // elsewhere (the schedules need the Synchronization module's atomics, macOS 15 and later,
        // and the package supports 13) in fixed ranges of whole micro-tiles, each thread packing
        // its own panels.
        // The tile grid and the k-blocking do not depend on the split, so every element of C sees
        // the same sequence of operations for any thread count.
        let rowTiles = (m + GEMMTile.rows - 1) / GEMMTile.rows
        if requested == 1 {
            operands.run(rows: 0..<m, cols: 0..<n)
        } else if rowTiles >= 4 * requested && GEMMOperands.sharePackedB {
            operands.runSharingB(m: m, n: n, threads: requested)
        } else if m >= n {
            #if os(Linux)
            operands.runBalancedRows(m: m, n: n, threads: requested)
            #else
            let tiles = (m + GEMMTile.rows - 1) / GEMMTile.rows
            Parallel.forEachChunk(tiles, threads: requested) { range in
                let rows = (range.lowerBound * GEMMTile.rows)..<min(m, range.upperBound * GEMMTile.rows)
                operands.run(rows: rows, cols: 0..<n)
            }
            #endif
        } else {
            #if os(Linux)
            operands.runBalancedColumns(m: m, n: n, threads: requested)
            #else
            let tiles = (n + GEMMTile.cols - 1) / GEMMTile.cols
            Parallel.forEachChunk(tiles, threads: requested) { range in
                let cols = (range.lowerBound * GEMMTile.cols)..<min(n, range.upperBound * GEMMTile.cols)
                operands.run(rows: 0..<m, cols: cols)
            }
            #endif
        }
    }

    /// `C = beta * C` (the whole product when `k == 0` or `alpha == 0`); beta 0 writes zeros.
    static func scaleOnly(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }
}

extension Tensor {
    /// Returns `alpha * op(a) * op(b)`, shape `[m, n]`.
    /// - Parameters:
    ///   - a: `[m, k]`, or `[k, m]` when `transposeA`.
    ///   - b: `[k, n]`, or `[n, k]` when `transposeB`.
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, threads: Int? = nil
    ) -> Tensor {
        let m = transposeA ? a.cols : a.rows
        let n = transposeB ? b.rows : b.cols
        var c = Tensor(uninitializedShape: [m, n])
        matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: 0, into: &c,
               threads: threads)
        return c
    }

    /// Computes `c = alpha * op(a) * op(b) + beta * c` in place.
    /// - Precondition: the inner dimensions agree and `c` is `[m, n]`; the message prints all shapes.
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float, into c: inout Tensor, threads: Int? = nil
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kB = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(
            k == kB,
            "matmul inner dimensions differ: a \(a.shape)\(transposeA ? "ᵀ" : "") x b \(b.shape)\(transposeB ? "ᵀ" : "")")
        precondition(
            c.rows == m && c.cols == n,
            "matmul output has shape \(c.shape), expected [\(m), \(n)] for a \(a.shape) x b \(b.shape)")
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiply(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
                        beta: beta, c: pc.baseAddress!, ldc: n, threads: threads)
                }
            }
        }
    }
}
