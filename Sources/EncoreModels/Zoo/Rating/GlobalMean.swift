import Foundation

/// The global-mean baseline: every rating is predicted as the mean training rating (closed form).
/// No paper; the floor every rating model must beat.
public final class GlobalMean: RatingPredictor, @unchecked Sendable {
    public typealias Config = MeanBaselineConfig
    public static let name = "global-mean"
    public static let task = ModelTask.rating
    public static let summary = "Predicts the mean training rating for every pair."
    public static let paper = "Baseline (no paper)"
    public static var defaultConfig: MeanBaselineConfig { .defaults }
    public static var configHelp: [String: String] { MeanBaselineConfig.help }

    /// The fitted mean (0 before `fit`).
    public private(set) var mean: Float = 0

    /// Creates an unfitted model (the config's shrinkage does not apply).
    public init(config: MeanBaselineConfig, context: ModelContext) throws {}

    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let started = DispatchTime.now()
        mean = data.trainMean
        return try FitReport.closedForm(self, data: data, session: session, fitStarted: started)
    }

    public var parameterCount: Int { 1 }

    public func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        RatingPredictions(values: [Float](repeating: mean, count: users.count), fallbacks: 0)
    }

    /// The mean.
    public func exportState() throws -> ModelState {
        ModelState(names: ["mean"], tensors: [Tensor(shape: [1], scalars: [mean])])
    }

    /// Puts back the mean.
    public func importState(_ state: ModelState, training: TrainingData) throws {
        try state.requireShapes([[1]], model: Self.name)
        mean = state.tensors[0][0]
    }

    /// Supported: the prediction is the same for every user.
    public var historyScoring: HistoryScoring { .supported }
}
