import Foundation

extension Loss {
    /// The multinomial loss with sparse `[m, n]` targets, fused:
    /// `-sum_i sum_j x_ij (z_ij - logsumexp(z_i))`, averaged over rows by `.mean`.
    ///
    /// Forward and backward are one threaded pass over the rows each; the forward keeps
    /// `exp(z - max)` per row, so the backward only rescales it (no second exp pass). With
    /// `N_i = sum_j x_ij` the gradient is
    /// `dz_ij = s * (x_ij - N_i * softmax(z_i)_j)`, `s = -1/m` (mean) or `-1` (sum). The composed
    /// form (`logSoftmax`, `gatherEntries`, product, sum) gives the same values with four more
    /// full passes and three more `[m, n]` buffers; the tests compare the two.
    /// - Parameters:
    ///   - logits: `[m, n]`.
    ///   - targets: `[m, n]` CSR counts or 0/1 interactions (only stored entries are read).
    ///   - threads: most threads for the row passes (`nil`: all cores).
    public static func multinomialNegativeLogLikelihood(
        logits: Variable, targets: SparseMatrix, reduction: LossReduction = .mean, threads: Int? = nil
    ) -> Variable {
        let z = logits.value
        requireShape(
            z.rank == 2 && z.rows == targets.rows && z.cols == targets.cols,
            "Loss.multinomialNegativeLogLikelihood: logits \(logits.shape) vs targets \(targets.shape)")
        let m = z.rows
        let scale: Float = reduction == .mean ? -1 / Float(Swift.max(m, 1)) : -1
        let rows = MultinomialRows(logits: z, targets: targets, threads: threads)
        // Rows summed in order: the value does not depend on the thread count.
        let value = Float(rows.rowLikelihood.reduce(0, +)) * scale
        return Variable.record(Tensor(scalar: value), inputs: [logits]) { g in
            let factor = scale * g.scalarValue
            let gradient = rows.gradient(targets: targets, factor: factor, threads: threads)
            logits.accumulate(gradient)
        }
    }
}
