import Foundation

/// Helpers shared by the ranking models, public for variants written outside the package: row
/// normalisation of CSR input and bias initialisation. (Config rules go through `ConfigChecks` in
/// each model's `configProblems`; the closed-form fit report is `FitReport.closedForm`.)
public enum RankingSupport {
    /// Rows of `matrix` scaled to unit L2 norm (empty rows stay empty): Mult-VAE's and Mult-DAE's
    /// input normalisation, done on the CSR values so the input layer stays a sparse product.
    public static func l2NormalizedRows(_ matrix: SparseMatrix) -> SparseMatrix {
        var values = matrix.values
        for r in 0..<matrix.rows {
            let range = matrix.rowPointers[r]..<matrix.rowPointers[r + 1]
            var norm: Float = 0
            for e in range { norm += values[e] * values[e] }
            guard norm > 0 else { continue }
            let scale = 1 / norm.squareRoot()
            for e in range { values[e] *= scale }
        }
        return SparseMatrix(rows: matrix.rows, cols: matrix.cols, rowPointers: matrix.rowPointers,
                            columnIndices: matrix.columnIndices, values: values)
    }

    /// Sets every bias of `layers` to N(0, std²) draws (vae_cf initialises biases with std 0.001).
    public static func initializeBiases(_ layers: [Dense], std: Float, rng: inout SeededRNG) {
        for layer in layers {
            guard let bias = layer.bias else { continue }
            bias.value = Tensor.normal(bias.shape, mean: 0, standardDeviation: std, rng: &rng)
        }
    }
}
