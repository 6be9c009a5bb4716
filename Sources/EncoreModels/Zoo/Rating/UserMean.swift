import Foundation

/// The user-mean baseline: a pair is predicted as its user's mean training rating, optionally
/// shrunk towards the global mean by `shrinkage` pseudo-ratings (closed form). A user without
/// training ratings gets the global mean (a fallback). No paper.
public final class UserMean: RatingPredictor, @unchecked Sendable {
    public typealias Config = MeanBaselineConfig
    public static let name = "user-mean"
    public static let task = ModelTask.rating
    public static let summary = "Predicts the user's mean training rating (optionally shrunk to the global mean)."
    public static let paper = "Baseline (no paper)"
    public static var defaultConfig: MeanBaselineConfig { .defaults }
    public static var configHelp: [String: String] { MeanBaselineConfig.help }

    /// The config the model was built from.
    public let config: MeanBaselineConfig
    /// Per-user means after `fit` (nil: no training ratings).
    public private(set) var means: [Float?] = []
    /// The global training mean (the fallback).
    public private(set) var globalMean: Float = 0

    /// Creates an unfitted model.
    /// - Throws: `ModelError.invalidConfig` for a negative shrinkage.
    public init(config: MeanBaselineConfig, context: ModelContext) throws {
        guard config.shrinkage >= 0 else { throw ModelError.invalidConfig("shrinkage must be >= 0") }
        self.config = config
    }

    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let started = DispatchTime.now()
        globalMean = data.trainMean
        means = MeanBaseline.means(data.train, byItem: false, shrinkage: config.shrinkage, globalMean: globalMean)
        return try MeanBaseline.report(self, data: data, session: session, started: started)
    }

    public var parameterCount: Int { means.count + 1 }

    public func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        MeanBaseline.predict(means, keys: users, globalMean: globalMean)
    }
}
