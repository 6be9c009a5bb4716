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

extension FitReport {
    /// The report of a closed-form model fitted at each of `count` grid points, one curve point
    /// each (scored on validation as by `closedForm`); the model ends at the best point (the
    /// first of equal values).
    ///
    /// For models that fit a grid from shared work (EASE's and DLAE's Gram matrix):
    /// ```swift
    /// try FitReport.closedFormGrid(self, count: grid.count, data: data, session: session, setupSeconds: gramSeconds,
    ///                              fit: { weights = try solve(grid[$0]) }, save: { weights },
    ///                              restore: { state, _ in weights = state })
    /// ```
    /// - Parameters:
    ///   - count: grid points, at least 1.
    ///   - setupSeconds: wall seconds of the work shared by every point, added to the first
    ///     point's fit time.
    ///   - fit: fits point `index` into `model`; release the previous point's state first
    ///     unless `save` kept it, so at most the best and the current state are held.
    ///   - save: the fitted state to keep while a point is the best so far.
    ///   - restore: puts the best point's saved state (and its `index`) back into `model`.
    /// - Throws: what `fit` throws; `ModelError.unsupported` when `model` cannot be evaluated.
    public static func closedFormGrid<State>(
        _ model: any Recommender, count: Int, data: TrainingData, session: TrainingSession, setupSeconds: Double,
        fit: (_ index: Int) throws -> Void, save: () -> State, restore: (_ state: State, _ index: Int) -> Void
    ) throws -> FitReport {
        requireArgument(count >= 1, "closedFormGrid needs at least one grid point, got \(count)")
        var curve: [EpochRecord] = []
        var best: (value: Double, index: Int, state: State)?
        let higher = session.selectionMetric.higherIsBetter
        for index in 0..<count {
            let start = DispatchTime.now()
            try fit(index)
            let seconds = GradientTrainer.seconds(since: start) + (index == 0 ? setupSeconds : 0)
            let report = try closedForm(model, data: data, session: session, fitSeconds: seconds)
            var record = report.curve[0]
            record.epoch = index + 1
            record.totalEpochs = count
            curve.append(record)
            let value = report.bestValidation ?? .nan
            if best == nil || (higher ? value > best!.value : value < best!.value) { best = (value, index, save()) }
        }
        if let best { restore(best.state, best.index) }
        return FitReport(curve: curve, bestEpoch: nil, bestValidation: best?.value)
    }
}
