/// Evaluates a fitted model on validation or test data: the one place that turns a model's
/// predictions or scores into metrics, used by the training loop (selection) and the runner (test).
public enum ModelEvaluation {
    /// Users per scoring batch unless a session says otherwise: at most one
    /// `[defaultBatchSize, items]` score block is alive.
    public static let defaultBatchSize = 1024

    /// What evaluating a model of `task` on data of `dimensions` allocates besides the model:
    /// for ranking, a score block `[batch, items]` (and the model's copy it is made from) and the
    /// top-k lists `[batch, min(maxK, items)]`; for rating, the predictions, truths and errors
    /// of up to every interaction.
    public static func memoryEstimate(
        task: ModelTask, dimensions: DataDimensions, maxK: Int, batchSize: Int = defaultBatchSize
    ) -> MemoryEstimate {
        var estimate = MemoryEstimate()
        switch task {
        case .ranking:
            let batch = min(batchSize, dimensions.users)
            estimate.add("evaluation scores [evaluation batch, items] x 2", floats: [2, batch, dimensions.items])
            estimate.add("top-k lists [evaluation batch, k]", floats: [batch, min(maxK, dimensions.items)])
        case .rating:
            estimate.add("rating predictions, truths and errors", floats: [4, dimensions.interactions])
        }
        return estimate
    }

    /// The result of evaluating one model on one `EvaluationData`.
    public enum Report: Sendable {
        /// Rating metrics (rmse, mae, fallbacks, per-rating errors).
        case rating(RatingReport, users: [Int32])
        /// Ranking metrics with per-user values.
        case ranking(RankingReport)

        /// The value of `metric`, or nil when this report does not hold it.
        public func value(_ metric: Metric) -> Double? {
            switch self {
            case let .rating(report, _):
                return metric.kind.isRanking ? nil : report.value(metric)
            case let .ranking(report):
                return report.means[metric.name]
            }
        }
    }

    /// Evaluates `model` on `data` for `metrics`.
    /// - Parameters:
    ///   - ratingRange: predictions are clipped into it (rating data only).
    ///   - batchSize: users per scoring batch (ranking only); bounds the memory of the scores.
    /// - Throws: `ModelError.unsupported` when the model cannot answer this kind of data.
    public static func evaluate(
        _ model: any Recommender, on data: EvaluationData, metrics: [Metric],
        ratingRange: ClosedRange<Float>?, batchSize: Int = defaultBatchSize, threads: Int? = nil
    ) throws -> Report {
        switch data {
        case let .ratings(pairs):
            guard let predictor = model as? any RatingPredictor else {
                throw ModelError.unsupported("\(type(of: model).name) ranks items; it cannot be evaluated on ratings")
            }
            let predictions = predictor.predict(users: pairs.users, items: pairs.items)
            let report = ratingReport(
                predictions: predictions.values, truth: pairs.ratings, range: ratingRange,
                fallbacks: predictions.fallbacks)
            return .rating(report, users: pairs.users)
        case let .ranking(targets):
            guard let ranker = model as? any Ranker else {
                throw ModelError.unsupported("\(type(of: model).name) predicts ratings; it cannot rank items")
            }
            let evaluator = RankingEvaluator(
                metrics: metrics.filter { $0.kind.isRanking }, batchSize: batchSize, threads: threads)
            let report = evaluator.evaluate(history: targets.history, targets: targets.targets) { rows in
                ranker.scores(targets, rows: rows)
            }
            return .ranking(report)
        }
    }

    /// The selection metric of `model` on `data`.
    public static func selectionValue(
        _ model: any Recommender, on data: EvaluationData, metric: Metric,
        ratingRange: ClosedRange<Float>?, batchSize: Int, threads: Int?
    ) throws -> Double {
        let report = try evaluate(model, on: data, metrics: [metric], ratingRange: ratingRange,
                                  batchSize: batchSize, threads: threads)
        guard let value = report.value(metric) else {
            throw ModelError.unsupported("metric \(metric.name) does not apply to this evaluation data")
        }
        return value
    }
}
