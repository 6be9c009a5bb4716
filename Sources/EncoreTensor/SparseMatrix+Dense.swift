import EncoreShims
#if arch(x86_64)
internal import EncoreAVX512Kernels
#endif

extension SparseMatrix {
    /// Returns `self * dense`, shape `[rows, dense.cols]`.
    /// - Parameters:
    ///   - dense: `[cols, n]`.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Complexity: O(nnz * n), SIMD over 16 dense columns at a time, parallel over column chunks
    ///   or rows (see `SparseDenseKernel`).
    public func multiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        multiply(dense, threads: threads, path: .automatic)
    }

    /// `multiply` with its kernel path and instruction set chosen by the caller (tests compare
    /// them).
    func multiply(_ dense: Tensor, threads: Int?, path: SparseDenseKernel.Path, kernel: GEMMKernel = .active) -> Tensor {
        requireShape(
            dense.rows == cols,
            "SparseMatrix.multiply: inner dimensions differ: sparse \(shape) x dense \(dense.shape)")
        var result = Tensor(uninitializedShape: [rows, dense.cols])
        result.withUnsafeMutableBufferPointer { out in
            dense.withUnsafeBufferPointer { d in
                SparseDenseKernel.multiply(
                    self, dense: d.baseAddress!, n: dense.cols, into: out.baseAddress!, threads: threads, path: path,
                    kernel: kernel)
            }
        }
        return result
    }

    /// Returns `selfᵀ * dense`, shape `[cols, dense.cols]`.
    /// - Parameters:
    ///   - dense: `[rows, n]`.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Complexity: O(nnz + cols) for a transpose, then O(nnz * n) as in `multiply`.
    public func transposedMultiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        requireShape(
            dense.rows == rows,
            "SparseMatrix.transposedMultiply: inner dimensions differ: sparse \(shape)ᵀ x dense \(dense.shape)")
        // Why a transpose per call: it costs O(nnz) and turns the product into the gather form,
        // where each output row is accumulated in registers and written once, deterministically
        // for any thread count. The scatter alternative (per-thread partial outputs of [cols, n],
        // then a sum) writes every output row once per nonzero and needs threads x cols x n extra
        // memory. A cached transpose would need mutable state inside this value type. The
        // transpose is bound by its scattered stores (about 8% of a one-thread S^T*D at the
        // benchmark's shape); a two-pass version by column groups was slower.
        return transposed().multiply(dense, threads: threads)
    }
}

/// The CSR x dense kernel.
///
/// Every output element is one chain of fused multiply-adds over its row's nonzeros in stored
/// order, starting from zero, whatever the path, the thread count or the SIMD width that computes
/// it; so results do not depend on any of them.
///
/// Three paths, picked by the shape:
/// - **rows** (the default): each output row is built in registers, 64 columns per pass over the
///   row's nonzeros (four `SIMD16<Float>` accumulators), the dense rows `prefetchDistance`
///   nonzeros ahead prefetched; the last `n % 64` columns take one more pass. Threads take rows.
/// - **packed** (at least `packingRatio` nonzeros per dense row and a dense operand of at least
///   `packingMinimumDense` floats): 32 columns (two 16-column chunks) at a time, the dense columns
///   are first copied into a contiguous, 64-byte-aligned buffer of `cols` x 32 floats (474 KiB at
///   3,706 columns, which stays in L2), so each nonzero reads two aligned cache lines; read in
///   place, the same bytes straddle an extra line on every other 2,400-byte dense row and sit on a
///   different page for every nonzero. Four rows are summed side by side (two chains each), which
///   gives eight independent chains without changing any row's order; an odd last chunk is packed
///   and summed alone. Threads take pairs of chunks, each with its own buffer; with fewer than
///   four pairs per thread they take rows and each packs every pair itself. (Against single
///   16-column chunks, pairs halve the column-index and value loads per line and copy 128
///   contiguous bytes per dense row, which is faster on one and two threads, `encore bench
///   sparse`.)
/// - **packed, in row blocks** (a large output from a small dense operand, as in `S^T*D` or a
///   Mult-VAE input layer's backward product): every chunk is packed once up front, two chunks
///   side by side (128 bytes per dense row, the odd last one alone), then blocks of `rowBlock`
///   rows are summed a pair of chunks at a time (two chains per row, four rows side by side), so
///   the output is written block after block instead of one 64-byte piece per row per chunk, and
///   each nonzero's index and value serve two lines. Threads take rows.
enum SparseDenseKernel {
    typealias V = SIMD16<Float>

    /// The packed path is used when there are at least this many nonzeros per dense row: packing
    /// reads every dense row once per 16 columns, the product then reads `nonzeros` lines from the
    /// buffer instead of from the dense rows.
    static let packingRatio = 16

    /// ... and when the dense operand has at least this many floats (1 MiB): a smaller one stays in
    /// L2 anyway, and the rows path has less overhead per row (CDAE's backward product, a
    /// `[500, 50]` gradient, is slower on the packed path).
    static let packingMinimumDense = 1 << 18

    /// The packed path packs every chunk up front and walks the rows in blocks of `rowBlock`
    /// (`.packedRowBlocks`) when the output has more than `rowBlockMinimumOutput` floats (8 MiB)
    /// and the packed dense operand at most `rowBlockMaximumDense` floats (3 MiB; S^T*D's is
    /// 1.2 MiB, inside a 2 MiB L2).
    /// Chunk by chunk, each pass over a large output writes one 64-byte piece per output row,
    /// 2,400 bytes apart at n = 600: at S^T*D's 3,706 x 600 output every pass touches 2,170
    /// pages, more than the second-level TLB holds. In row blocks the output is written block
    /// after block and the block's CSR entries are re-read from L1.
    static let rowBlockMinimumOutput = 1 << 21
    static let rowBlockMaximumDense = 3 << 18
    /// Rows per block of `.packedRowBlocks` (`SparseDenseOperands.rowBlock`).
    static var rowBlock: Int { SparseDenseOperands.rowBlock }

    enum Path { case automatic, rows, packed, packedRowBlocks }

    /// The path `.automatic` takes for a CSR matrix `[rows, cols]` with `nonzeros` entries times a
    /// dense `[cols, n]`.
    static func automaticPath(nonzeros: Int, cols: Int, n: Int, rows: Int = 0) -> Path {
        guard nonzeros >= packingRatio * cols && cols * n >= packingMinimumDense else { return .rows }
        let packedDense = cols * ((n + 15) / 16) * 16
        return rows * n > rowBlockMinimumOutput && packedDense <= rowBlockMaximumDense ? .packedRowBlocks : .packed
    }

    static func multiply(
        _ sparse: SparseMatrix, dense: UnsafePointer<Float>, n: Int, into out: UnsafeMutablePointer<Float>,
        threads: Int?, path: Path = .automatic, kernel: GEMMKernel = .active
    ) {
        let rows = sparse.rows, cols = sparse.cols, nonzeros = sparse.nonzeroCount
        guard rows > 0 && n > 0 else { return }
        guard nonzeros > 0 else {
            out.update(repeating: 0, count: rows * n)
            return
        }
        let chosen = path == .automatic ? automaticPath(nonzeros: nonzeros, cols: cols, n: n, rows: rows) : path
        let packed = chosen == .packed
        sparse.rowPointers.withUnsafeBufferPointer { rp in
            sparse.columnIndices.withUnsafeBufferPointer { ci in
                sparse.values.withUnsafeBufferPointer { v in
                    let operands = SparseDenseOperands(
                        rowPointers: rp.baseAddress!, columns: ci.baseAddress!, values: v.baseAddress!,
                        dense: dense, n: n, cols: cols, out: out)
                    let shared = UncheckedSendableBox(operands)
                    // At least 32 K multiply-adds per thread, or the product stays on one thread.
                    let rowMinimum = max(1, 32_768 / max(1, nonzeros * n / rows))
                    // Pairs of 16-column chunks (an odd last chunk counts as one).
                    let pairs = ((n + 15) / 16 + 1) / 2
                    if chosen == .packedRowBlocks {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            shared.value.packedRowBlocks(rows: range, kernel: kernel)
                        }
                    } else if !packed {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            shared.value.rows(range, kernel: kernel)
                        }
                    } else if pairs >= 4 * Parallel.resolve(threads) {
                        let pairMinimum = max(1, 32_768 / max(1, nonzeros * 32))
                        Parallel.forEachChunk(pairs, threads: threads, minimumChunk: pairMinimum) { range in
                            shared.value.packed(pairs: range, rows: 0..<rows, kernel: kernel)
                        }
                    } else {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            shared.value.packed(pairs: 0..<pairs, rows: range, kernel: kernel)
                        }
                    }
                }
            }
        }
    }
}

/// The loops of `SparseDenseOperands` in the instruction set of `kernel`: the copy compiled for
/// AVX-512 (`AVX512SparseDense`) for `.avx512`, this module's otherwise.
extension SparseDenseOperands {
    func rows(_ rows: Range<Int>, kernel: GEMMKernel) {
        #if arch(x86_64)
        if kernel == .avx512 {
            return AVX512SparseDense.rows(
                rows, rowPointers: rowPointers, columns: columns, values: values, dense: dense, n: n, cols: cols, out: out)
        }
        #endif
        self.rows(rows)
    }

    func packed(pairs: Range<Int>, rows: Range<Int>, kernel: GEMMKernel) {
        #if arch(x86_64)
        if kernel == .avx512 {
            return AVX512SparseDense.packed(
                pairs: pairs, rows: rows, rowPointers: rowPointers, columns: columns, values: values, dense: dense,
                n: n, cols: cols, out: out)
        }
        #endif
        packed(pairs: pairs, rows: rows)
    }

    func packedRowBlocks(rows: Range<Int>, kernel: GEMMKernel) {
        #if arch(x86_64)
        if kernel == .avx512 {
            return AVX512SparseDense.packedRowBlocks(
                rows: rows, rowPointers: rowPointers, columns: columns, values: values, dense: dense, n: n, cols: cols,
                out: out)
        }
        #endif
        packedRowBlocks(rows: rows)
    }
}
