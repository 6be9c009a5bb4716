// Matrix products. For C = op(A) op(B) with upstream G:
//   dA = G op(B)^T        (A not transposed)      dA = op(B) G^T   (A transposed)
//   dB = op(A)^T G        (B not transposed)      dB = G^T op(A)   (B transposed)

/// `op(a) * op(b)` where `op` transposes when asked: `[m, k] x [k, n] -> [m, n]`.
/// - Parameters:
///   - a: `[m, k]`, or `[k, m]` when `transposeA`.
///   - b: `[k, n]`, or `[n, k]` when `transposeB`.
///   - threads: GEMM threads for forward and backward (`nil`: all cores).
public func matmul(
    _ a: Variable, _ b: Variable, transposeA: Bool = false, transposeB: Bool = false, threads: Int? = nil
) -> Variable {
    let product = Tensor.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB, threads: threads)
    return Variable.record(product, inputs: [a, b]) { g in
        if a.requiresGrad {
            let da = transposeA
                ? Tensor.matmul(b.value, g, transposeA: transposeB, transposeB: true, threads: threads)
                : Tensor.matmul(g, b.value, transposeA: false, transposeB: !transposeB, threads: threads)
            a.accumulate(da.reshaped(a.shape))
        }
        if b.requiresGrad {
            let db = transposeB
                ? Tensor.matmul(g, a.value, transposeA: true, transposeB: transposeA, threads: threads)
                : Tensor.matmul(a.value, g, transposeA: !transposeA, transposeB: false, threads: threads)
            b.accumulate(db.reshaped(b.shape))
        }
    }
}

/// A constant sparse matrix times a dense variable: `S x` (`[m, k] x [k, n]`) or, when
/// `transposeSparse`, `S^T x` (`[k, m]^T x [k, n]` -> `[m, n]`, with `S` of shape `[k, m]`).
/// The input layer of every autoencoder over a CSR interaction batch.
/// - Parameters:
///   - sparse: the CSR matrix (no gradient flows to it).
///   - dense: `[sparse.cols, n]` (or `[sparse.rows, n]` when `transposeSparse`).
///   - threads: kernel threads (`nil`: all cores).
public func matmul(
    _ sparse: SparseMatrix, _ dense: Variable, transposeSparse: Bool = false, threads: Int? = nil
) -> Variable {
    let product = transposeSparse
        ? sparse.transposedMultiply(dense.value, threads: threads)
        : sparse.multiply(dense.value, threads: threads)
    return Variable.record(product, inputs: [dense]) { g in
        let dx = transposeSparse ? sparse.multiply(g, threads: threads) : sparse.transposedMultiply(g, threads: threads)
        dense.accumulate(dx.reshaped(dense.shape))
    }
}
