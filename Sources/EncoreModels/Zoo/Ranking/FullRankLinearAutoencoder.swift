import Foundation

/// The closed forms of the full-rank linear autoencoders: item-item weights `B` `[items, items]`
/// from the Gram matrix `G = XᵀX`, scores `X·B` (EASE, DLAE and EDLAE).
///
/// Each is a penalised inverse `P = (G + dMat(d))⁻¹`, for a penalty vector `d` `[items]`,
/// turned into weights in place:
/// - zero diagonal (EASE, EDLAE): `B = I − P·dMat(1 ⊘ diag(P))`, the minimiser of
///   `‖X − XB‖² + Σ_j d_j‖B_j,:‖²` subject to `diag(B) = 0`;
/// - free diagonal (DLAE): `B = I − P·dMat(d) = (G + dMat(d))⁻¹·G`, its unconstrained minimiser.
///
/// `penalizedInverse` leaves `G` as it is, so one Gram matrix serves a whole grid of penalties at
/// one more `[items, items]` matrix per solve; `formPenalizedInverse` works in the matrix's own
/// storage (`128 x items` floats of workspace), as a fit's last grid point does (`gramForFit`).
public enum FullRankLinearAutoencoder {
    /// `P = (gram + dMat(penalty))⁻¹`, `[n, n]`.
    /// - Parameters:
    ///   - gram: `[n, n]`, symmetric (not modified).
    ///   - penalty: `[n]`, added to the diagonal of a copy of `gram`.
    /// - Throws: `NotPositiveDefiniteError` when `gram + dMat(penalty)` is not numerically SPD.
    public static func penalizedInverse(gram: Tensor, penalty: [Float], threads: Int?) throws -> Tensor {
        var inverse = gram
        try formPenalizedInverse(&inverse, penalty: penalty, threads: threads)
        return inverse
    }

    /// Replaces `matrix` by `(matrix + dMat(penalty))⁻¹` in its own storage (`Tensor.formInverseSPD`):
    /// no other `[n, n]` buffer when `matrix` is the only reference to it, one copy otherwise.
    /// - Throws: `NotPositiveDefiniteError` when `matrix + dMat(penalty)` is not numerically SPD.
    public static func formPenalizedInverse(_ matrix: inout Tensor, penalty: [Float], threads: Int?) throws {
        requireShape(matrix.rank == 2 && matrix.rows == matrix.cols && penalty.count == matrix.rows,
                     "penalizedInverse: gram \(matrix.shape) with \(penalty.count) penalties")
        let n = matrix.rows
        matrix.withUnsafeMutableBufferPointer { g in for i in 0..<n { g[i * n + i] += penalty[i] } }
        try matrix.formInverseSPD(threads: threads)
    }

    /// Hands the fit for grid point `index` of `count` the Gram matrix to turn into weights: a
    /// copy for every point but the last, which takes `gram` itself (set to nil). When nothing
    /// else holds the matrix (no `GramCache`), the last fit then forms its inverse in place, so a
    /// single fit needs one `[n, n]` buffer instead of two.
    public static func gramForFit(_ gram: inout Tensor?, index: Int, count: Int) -> Tensor {
        guard index == count - 1 else { return gram! }
        defer { gram = nil }
        return gram!
    }

    /// Turns `P` into `B = I − P·dMat(1 ⊘ diag(P))` in place: `B[i, j] = −P[i, j] / P[j, j]`,
    /// `B[j, j] = 0`.
    public static func zeroDiagonalWeights(_ inverse: inout Tensor, threads: Int?) {
        requireShape(inverse.rank == 2 && inverse.rows == inverse.cols, "zeroDiagonalWeights: \(inverse.shape) is not square")
        let n = inverse.rows
        inverse.withUnsafeMutableBufferPointer { p in
            var inverseDiagonal = [Float](repeating: 0, count: n)
            for j in 0..<n { inverseDiagonal[j] = -1 / p[j * n + j] }
            Parallel.forEachChunk(n, threads: threads, minimumChunk: 64) { rows in
                for i in rows {
                    let row = p.baseAddress! + i * n
                    for j in 0..<n { row[j] *= inverseDiagonal[j] }
                    row[i] = 0
                }
            }
        }
    }

    /// Turns `P` into `B = I − P·dMat(penalty)` in place: `B[i, j] = −P[i, j]·penalty[j]`,
    /// `B[j, j] = 1 − P[j, j]·penalty[j]`.
    public static func freeDiagonalWeights(_ inverse: inout Tensor, penalty: [Float], threads: Int?) {
        requireShape(inverse.rank == 2 && inverse.rows == inverse.cols && penalty.count == inverse.rows,
                     "freeDiagonalWeights: \(inverse.shape) with \(penalty.count) penalties")
        let n = inverse.rows
        inverse.withUnsafeMutableBufferPointer { p in
            Parallel.forEachChunk(n, threads: threads, minimumChunk: 64) { rows in
                for i in rows {
                    let row = p.baseAddress! + i * n
                    for j in 0..<n { row[j] *= -penalty[j] }
                    row[i] += 1
                }
            }
        }
    }

    /// The penalty that input dropout induces, plus L2: `d_j = λ + p/(1−p)·G[j, j]` (Steck 2020:
    /// `Λ = p/(1−p)·dMat(diag(XᵀX))`), computed in Double and rounded once.
    /// - Parameters:
    ///   - gram: `[n, n]`; only its diagonal is read.
    ///   - dropout: the probability `p` in `[0, 1)` that an input entry is dropped.
    public static func dropoutPenalty(gram: Tensor, lambda: Float, dropout: Float) -> [Float] {
        requireShape(gram.rank == 2 && gram.rows == gram.cols, "dropoutPenalty: gram \(gram.shape) is not square")
        let n = gram.rows
        let ratio = Double(dropout) / (1 - Double(dropout))
        return gram.withUnsafeBufferPointer { g in
            (0..<n).map { j in Float(Double(lambda) + ratio * Double(g[j * n + j])) }
        }
    }
}
