import Foundation

/// Helpers shared by the ranking zoo: row normalisation of CSR input, bias initialisation and
/// the closed-form fit report (config rules live in each model's `configProblems`).
enum RankingSupport {
    /// Rows of `matrix` scaled to unit L2 norm (empty rows stay empty): Mult-VAE's and Mult-DAE's
    /// input normalisation, done on the CSR values so the input layer stays a sparse product.
    static func l2NormalizedRows(_ matrix: SparseMatrix) -> SparseMatrix {
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
    static func initializeBiases(_ layers: [Dense], std: Float, rng: inout SeededRNG) {
        for layer in layers {
            guard let bias = layer.bias else { continue }
            bias.value = Tensor.normal(bias.shape, mean: 0, standardDeviation: std, rng: &rng)
        }
    }

    /// Wall seconds since `start`.
    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// The selection metric of a fitted closed-form model on validation, as a one-record report.
    static func closedFormReport(
        _ model: any Recommender, data: TrainingData, session: TrainingSession, fitSeconds: Double
    ) throws -> FitReport {
        let start = DispatchTime.now()
        let value = try ModelEvaluation.selectionValue(
            model, on: data.validation, metric: session.selectionMetric, ratingRange: data.ratingRange,
            batchSize: session.evaluationBatchSize, threads: session.threads)
        let record = EpochRecord(epoch: 1, loss: nil, validation: value, seconds: fitSeconds,
                                 validationSeconds: seconds(since: start), totalEpochs: 1)
        session.onEpoch?(record)
        return FitReport(curve: [record], bestEpoch: nil, bestValidation: value)
    }
}
