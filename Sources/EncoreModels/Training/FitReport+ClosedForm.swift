import Foundation

extension FitReport {
    /// The report of a closed-form fit: one curve point holding the session's selection metric
    /// of the fitted `model` on the validation data, passed to `session.onEpoch` like an epoch of
    /// the shared loop (so progress lines and result curves look the same for every model).
    ///
    /// Call it at the end of `fit(_:session:)`, once the model can score or predict:
    /// ```swift
    /// let start = DispatchTime.now()
    /// // ... compute the weights ...
    /// return try FitReport.closedForm(self, data: data, session: session, fitStarted: start)
    /// ```
    /// - Parameters:
    ///   - fitSeconds: wall seconds of the fit itself (validation excluded).
    /// - Throws: `ModelError.unsupported` when the model cannot be evaluated on `data.validation`.
    public static func closedForm(
        _ model: any Recommender, data: TrainingData, session: TrainingSession, fitSeconds: Double
    ) throws -> FitReport {
        let start = DispatchTime.now()
        let value = try ModelEvaluation.selectionValue(
            model, on: data.validation, metric: session.selectionMetric, ratingRange: data.ratingRange,
            batchSize: session.evaluationBatchSize, threads: session.threads)
        let record = EpochRecord(epoch: 1, loss: nil, validation: value, seconds: fitSeconds,
                                 validationSeconds: GradientTrainer.seconds(since: start), totalEpochs: 1)
        session.onEpoch?(record)
        return FitReport(curve: [record], bestEpoch: nil, bestValidation: value)
    }

    /// `closedForm(_:data:session:fitSeconds:)` with the fit timed from `fitStarted` to now.
    public static func closedForm(
        _ model: any Recommender, data: TrainingData, session: TrainingSession, fitStarted: DispatchTime
    ) throws -> FitReport {
        try closedForm(model, data: data, session: session, fitSeconds: GradientTrainer.seconds(since: fitStarted))
    }
}
