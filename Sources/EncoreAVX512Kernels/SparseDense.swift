#if arch(x86_64)
/// The CSR x dense loops (`SparseDenseOperands.swift`, the same source as EncoreTensor's, linked
/// here) compiled for AVX-512: a `SIMD16<Float>` accumulator is one zmm register instead of two
/// ymm, so the four-row, two-chain loops of the packed paths keep their sixteen lines of
/// accumulators in registers. EncoreTensor's `SparseDenseKernel` calls these only when the active
/// kernel is `.avx512` (CPUID checked). Each is one non-inlinable entry point over raw operands
/// validated by the caller.
public enum AVX512SparseDense {
    /// The rows path for output rows `rows`.
    @inline(never)
    public static func rows(
        _ rows: Range<Int>, rowPointers: UnsafePointer<Int>, columns: UnsafePointer<Int32>,
        values: UnsafePointer<Float>, dense: UnsafePointer<Float>, n: Int, cols: Int, out: UnsafeMutablePointer<Float>
    ) {
        SparseDenseOperands(
            rowPointers: rowPointers, columns: columns, values: values, dense: dense, n: n, cols: cols, out: out
        ).rows(rows)
    }

    /// The packed path for chunk pairs `pairs` of output rows `rows`.
    @inline(never)
    public static func packed(
        pairs: Range<Int>, rows: Range<Int>, rowPointers: UnsafePointer<Int>, columns: UnsafePointer<Int32>,
        values: UnsafePointer<Float>, dense: UnsafePointer<Float>, n: Int, cols: Int, out: UnsafeMutablePointer<Float>
    ) {
        SparseDenseOperands(
            rowPointers: rowPointers, columns: columns, values: values, dense: dense, n: n, cols: cols, out: out
        ).packed(pairs: pairs, rows: rows)
    }

    /// The packed path in row blocks for output rows `rows`.
    @inline(never)
    public static func packedRowBlocks(
        rows: Range<Int>, rowPointers: UnsafePointer<Int>, columns: UnsafePointer<Int32>,
        values: UnsafePointer<Float>, dense: UnsafePointer<Float>, n: Int, cols: Int, out: UnsafeMutablePointer<Float>
    ) {
        SparseDenseOperands(
            rowPointers: rowPointers, columns: columns, values: values, dense: dense, n: n, cols: cols, out: out
        ).packedRowBlocks(rows: rows)
    }
}
#endif
