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
        multiply(
            kernel: GEMMKernel.active, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
    }

    /// `multiply` with the micro-kernel named (tests run every kernel the CPU has).
    static func multiply(
        kernel: GEMMKernel, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int? = nil
    ) {
        requireArgument(m >= 0 && n >= 0 && k >= 0, "GEMM.multiply: sizes must be >= 0, got m=\(m) n=\(n) k=\(k)")
        // Every row of each stored matrix must fit in its leading dimension.
        let (aCols, bCols) = (transposeA ? m : k, transposeB ? k : n)
        requireArgument(
            lda >= aCols && ldb >= bCols && ldc >= n,
            "GEMM.multiply: leading dimensions too small: lda \(lda) (needs >= \(aCols)), ldb \(ldb) (needs >= \(bCols)), ldc \(ldc) (needs >= \(n))")
        guard m > 0 && n > 0 else { return }
        if k == 0 || alpha == 0 {
            scaleOnly(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        // Tiny products stay on one thread: waking a second costs more than it saves.
        let requested = m * n * k < 96 * 96 * 96 ? 1 : Parallel.resolve(threads)
        #if arch(x86_64)
        if kernel == .avx512 && GEMMKernel.available.contains(.avx512) {
            GEMMOperands<GEMMTile12x32>(
                transposeA: transposeA, transposeB: transposeB, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc
            ).run(m: m, n: n, threads: requested)
            return
        }
        #endif
        GEMMOperands<GEMMTile6x16>(
            transposeA: transposeA, transposeB: transposeB, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc
        ).run(m: m, n: n, threads: requested)
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

extension GEMMOperands {
    /// The whole `m x n` product on up to `requested` threads.
    ///
    /// With enough rows for every thread (and `Tile.sharePackedB`), the threads share each packed
    /// B block and split the rows (runSharingB). Otherwise they divide the larger output
    /// dimension: on Linux by taking row blocks or column chunks as they go (runBalancedRows /
    /// runBalancedColumns), so that a thread slowed by the host does not hold up the product;
    /// elsewhere (the schedules need the Synchronization module's atomics, macOS 15 and later,
    /// and the package supports 13) in fixed ranges of whole micro-tiles, each thread packing its
    /// own panels. The tile grid and the k-blocking do not depend on the split, so every element
    /// of C sees the same sequence of operations for any thread count.
    func run(m: Int, n: Int, threads requested: Int) {
        let rowTiles = (m + Tile.rows - 1) / Tile.rows
        if requested == 1 {
            run(rows: 0..<m, cols: 0..<n)
        } else if rowTiles >= 4 * requested && Tile.sharePackedB {
            runSharingB(m: m, n: n, threads: requested)
        } else if m >= n {
            #if os(Linux)
            runBalancedRows(m: m, n: n, threads: requested)
            #else
            Parallel.forEachChunk(rowTiles, threads: requested) { range in
                let rows = (range.lowerBound * Tile.rows)..<min(m, range.upperBound * Tile.rows)
                self.run(rows: rows, cols: 0..<n)
            }
            #endif
        } else {
            #if os(Linux)
            runBalancedColumns(m: m, n: n, threads: requested)
            #else
            let tiles = (n + Tile.cols - 1) / Tile.cols
            Parallel.forEachChunk(tiles, threads: requested) { range in
                let cols = (range.lowerBound * Tile.cols)..<min(n, range.upperBound * Tile.cols)
                self.run(rows: 0..<m, cols: cols)
            }
            #endif
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
        matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta, into: &c,
               threads: threads, kernel: GEMMKernel.active)
    }

    /// `matmul(_:_:transposeA:transposeB:alpha:beta:into:threads:)` with the GEMM micro-kernel
    /// named (tests run every kernel the CPU has).
    static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
        into c: inout Tensor, threads: Int?, kernel: GEMMKernel
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kB = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        requireShape(
            k == kB,
            "matmul: inner dimensions differ: a \(a.shape)\(transposeA ? "ᵀ" : "") x b \(b.shape)\(transposeB ? "ᵀ" : "")")
        requireShape(
            c.rows == m && c.cols == n,
            "matmul: output has shape \(c.shape), expected [\(m), \(n)] for a \(a.shape) x b \(b.shape)")
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiply(
                        kernel: kernel, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
                        beta: beta, c: pc.baseAddress!, ldc: n, threads: threads)
                }
            }
        }
    }
}

/// A right operand `op(B)` (`[k, n]`) packed once for the GEMM micro-kernel, for many products
/// `A · op(B)` with different A on the calling thread, such as a recurrent weight at every time
/// step of a sequence: each product then skips packing B, which costs as much as the arithmetic
/// when A has a handful of rows. A product with it gives the same bits as `Tensor.matmul` of the
/// unpacked operand on one thread (same blocking, same micro-kernel).
public final class PackedMatrix: @unchecked Sendable {
    /// Rows of `op(B)`: the inner dimension of a product.
    public let k: Int
    /// Columns of `op(B)`.
    public let n: Int
    /// The micro-kernel the packing is laid out for.
    let kernel: GEMMKernel
    let storage: UnsafeMutablePointer<Float>

    /// Packs `b` (`[k, n]`), or `bᵀ` when `transposed` (`b` stored `[n, k]`).
    public convenience init(_ b: Tensor, transposed: Bool = false) {
        self.init(b, transposed: transposed, kernel: .active)
    }

    /// `init(_:transposed:)` for the micro-kernel named (tests run every kernel the CPU has).
    init(_ b: Tensor, transposed: Bool, kernel: GEMMKernel) {
        k = transposed ? b.cols : b.rows
        n = transposed ? b.rows : b.cols
        #if arch(x86_64)
        self.kernel = kernel == .avx512 && GEMMKernel.available.contains(.avx512) ? .avx512 : .avx2
        #else
        self.kernel = .avx2
        #endif
        let count = Self.prepack(kernel: self.kernel, b: nil, ldb: 0, transposed: transposed, k: k, n: n, into: nil)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.stride, alignment: 64)
        storage = raw.bindMemory(to: Float.self, capacity: max(1, count))
        guard count > 0 else { return }
        b.withUnsafeBufferPointer { pb in
            _ = Self.prepack(
                kernel: self.kernel, b: pb.baseAddress!, ldb: b.cols, transposed: transposed, k: k, n: n, into: storage)
        }
    }

    deinit { UnsafeMutableRawPointer(storage).deallocate() }

    @discardableResult
    private static func prepack(
        kernel: GEMMKernel, b: UnsafePointer<Float>?, ldb: Int, transposed: Bool, k: Int, n: Int,
        into out: UnsafeMutablePointer<Float>?
    ) -> Int {
        #if arch(x86_64)
        if kernel == .avx512 {
            return GEMMOperands<GEMMTile12x32>.prepack(b, ldb: ldb, transposed: transposed, k: k, n: n, into: out)
        }
        #endif
        return GEMMOperands<GEMMTile6x16>.prepack(b, ldb: ldb, transposed: transposed, k: k, n: n, into: out)
    }
}

extension Tensor {
    /// Returns `a · b` for a packed right operand, shape `[a.rows, b.n]`, computed on the calling
    /// thread.
    public static func matmul(_ a: Tensor, _ b: PackedMatrix) -> Tensor {
        requireShape(a.cols == b.k, "matmul: inner dimensions differ: a \(a.shape) x packed b [\(b.k), \(b.n)]")
        let m = a.rows, n = b.n, k = b.k
        guard m > 0 && n > 0 && k > 0 else { return Tensor(shape: [m, n]) }
        var c = Tensor(uninitializedShape: [m, n])
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                let packed = UnsafePointer(b.storage)
                #if arch(x86_64)
                if b.kernel == .avx512 {
                    return GEMMOperands<GEMMTile12x32>(
                        transposeA: false, transposeB: false, k: k, alpha: 1, a: pa.baseAddress!, lda: k,
                        b: packed, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n
                    ).run(rows: 0..<m, cols: 0..<n, prepackedB: packed)
                }
                #endif
                GEMMOperands<GEMMTile6x16>(
                    transposeA: false, transposeB: false, k: k, alpha: 1, a: pa.baseAddress!, lda: k,
                    b: packed, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n
                ).run(rows: 0..<m, cols: 0..<n, prepackedB: packed)
            }
        }
        return c
    }
}
