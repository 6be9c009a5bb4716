import Foundation

/// The per-group mean baselines: a pair is predicted as its user's (`user-mean`) or item's
/// (`item-mean`) mean training rating, optionally shrunk towards the global mean by `shrinkage`
/// pseudo-ratings (closed form). A user or item without training ratings gets the global mean (a
/// fallback). No paper. The two registered models differ only in `groupsByItem`.
public class GroupMeanBaseline: RatingPredictor, @unchecked Sendable {
    public typealias Config = MeanBaselineConfig
    public class var name: String { "user-mean" }
    public static let task = ModelTask.rating
    public class var summary: String { "Predicts the user's mean training rating (optionally shrunk to the global mean)." }
    public static let paper = "Baseline (no paper)"
    public static var defaultConfig: MeanBaselineConfig { .defaults }
    public static var configHelp: [String: String] { MeanBaselineConfig.help }
    /// Whether means are taken per item (true) or per user (false).
    class var groupsByItem: Bool { false }

    /// The config the model was built from.
    public let config: MeanBaselineConfig
    /// Per-user (or per-item) means after `fit` (nil: no training ratings).
    public private(set) var means: [Float?] = []
    /// The global training mean (the fallback).
    public private(set) var globalMean: Float = 0

    /// Creates an unfitted model.
    /// - Throws: `ModelError.invalidConfig` for a negative shrinkage.
    public required init(config: MeanBaselineConfig, context: ModelContext) throws {
        try ConfigChecks.shrinkage(config).check()
        self.config = config
    }

    public static func configProblems(_ config: MeanBaselineConfig) -> [ConfigProblem] { ConfigChecks.shrinkage(config).problems }

    /// One mean per user or item, and the sums and counts that make them.
    public static func memoryEstimate(config: MeanBaselineConfig, dimensions: DataDimensions) -> MemoryEstimate {
        var estimate = MemoryEstimate()
        estimate.add("means, sums and counts per \(groupsByItem ? "item" : "user")",
                     floats: [5, groupsByItem ? dimensions.items : dimensions.users])
        return estimate
    }

    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let started = DispatchTime.now()
        globalMean = data.trainMean
        means = MeanBaseline.means(
            data.train, byItem: Self.groupsByItem, shrinkage: config.shrinkage, globalMean: globalMean)
        return try FitReport.closedForm(self, data: data, session: session, fitStarted: started)
    }

    public var parameterCount: Int { means.count + 1 }

    public func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        MeanBaseline.predict(means, keys: Self.groupsByItem ? items : users, globalMean: globalMean)
    }

    /// The per-group means (NaN for a group without training ratings) and the global mean.
    public func exportState() throws -> ModelState {
        ModelState(names: ["means", "global mean"],
                   tensors: [Tensor(shape: [means.count], scalars: means.map { $0 ?? .nan }),
                             Tensor(shape: [1], scalars: [globalMean])])
    }

    /// Puts back the means (one per item for `item-mean`, per train row for `user-mean`).
    public func importState(_ state: ModelState, training: TrainingData) throws {
        let groups = Self.groupsByItem ? training.itemCount : training.train.rows
        try state.requireShapes([[groups], [1]], model: Self.name)
        means = state.tensors[0].withUnsafeBufferPointer { $0.map { $0.isNaN ? nil : $0 } }
        globalMean = state.tensors[1][0]
    }

    /// `item-mean` predicts the same for every user; `user-mean` needs the user's own ratings.
    public var historyScoring: HistoryScoring {
        Self.groupsByItem ? .supported : .unsupported("\(Self.name) predicts each user's own mean training rating; it has nothing for a user it has not seen")
    }
}

/// The user-mean baseline (see `GroupMeanBaseline`).
public final class UserMean: GroupMeanBaseline, @unchecked Sendable {}

/// The item-mean baseline (see `GroupMeanBaseline`).
public final class ItemMean: GroupMeanBaseline, @unchecked Sendable {
    override public class var name: String { "item-mean" }
    override public class var summary: String { "Predicts the item's mean training rating (optionally shrunk to the global mean)." }
    override class var groupsByItem: Bool { true }
}
