/// I-AutoRec (Sedhain, Menon, Sanner & Xie, "AutoRec: Autoencoders Meet Collaborative
/// Filtering", WWW 2015): an autoencoder over item vectors (each item's column of ratings by all
/// users); `r̂(u, i) = h(r^(i))_u`.
///
/// Deviations from the paper, all shared with the PyTorch reference in `peers/autorec.py`:
/// mini-batches of 256 items with Adam (lr 1e-3) instead of full-batch Rprop/L-BFGS (Rprop is
/// available: `"optimizer": "rprop"`); each batch adds `B/N` of the penalty so an epoch is one
/// pass over the paper's objective; biases are not penalised; PyTorch's default initialisation;
/// the epoch is chosen by early stopping on validation RMSE. A user or item without training
/// ratings is predicted as the training mean (counted as a fallback).
public final class ItemAutoRec: AutoRecVariant, @unchecked Sendable {
    public typealias Config = AutoRecConfig
    public static let isItemBased = true
    public static let name = "i-autorec"
    public static let task = ModelTask.rating
    public static let summary = "Item-based AutoRec: one-hidden-layer autoencoder over item rating vectors."
    public static let paper = "Sedhain et al., AutoRec: Autoencoders Meet Collaborative Filtering, WWW 2015"

    /// The shared AutoRec implementation (item-based).
    public let core: AutoRecCore

    /// Creates an untrained I-AutoRec; `D` = the context's train rows (users).
    public init(config: AutoRecConfig, context: ModelContext) throws {
        core = try AutoRecCore(itemBased: Self.isItemBased, config: config, context: context)
    }

}

/// U-AutoRec (Sedhain et al. 2015): the same autoencoder over user vectors (each user's row of
/// ratings over items); `r̂(u, i) = h(r^(u))_i`. Deviations as for `ItemAutoRec`, with batches of
/// 256 users.
public final class UserAutoRec: AutoRecVariant, @unchecked Sendable {
    public typealias Config = AutoRecConfig
    public static let isItemBased = false
    public static let name = "u-autorec"
    public static let task = ModelTask.rating
    public static let summary = "User-based AutoRec: one-hidden-layer autoencoder over user rating vectors."
    public static let paper = "Sedhain et al., AutoRec: Autoencoders Meet Collaborative Filtering, WWW 2015"

    /// The shared AutoRec implementation (user-based).
    public let core: AutoRecCore

    /// Creates an untrained U-AutoRec; `D` = the context's items.
    public init(config: AutoRecConfig, context: ModelContext) throws {
        core = try AutoRecCore(itemBased: Self.isItemBased, config: config, context: context)
    }

}

/// What `ItemAutoRec` and `UserAutoRec` share: every model requirement forwards to their
/// `AutoRecCore`, so the two registered types differ only in name, docs and orientation.
public protocol AutoRecVariant: RatingPredictor, GradientModel where Config == AutoRecConfig {
    /// The shared AutoRec implementation.
    var core: AutoRecCore { get }
    /// Whether examples are items (I-AutoRec) or users (U-AutoRec).
    static var isItemBased: Bool { get }
}

extension AutoRecVariant {
    public static var defaultConfig: AutoRecConfig { .defaults }
    public static var configHelp: [String: String] { AutoRecConfig.help }
    public static func configProblems(_ config: AutoRecConfig) -> [ConfigProblem] { config.checks.problems }
    public static func memoryEstimate(config: AutoRecConfig, dimensions: DataDimensions) -> MemoryEstimate {
        AutoRecCore.memoryEstimate(itemBased: isItemBased, config: config, dimensions: dimensions)
    }
    public var parameters: [Variable] { core.parameters }
    public func exampleCount(_ data: TrainingData) -> Int { core.exampleCount(data) }
    public var batchSize: Int { core.config.batchSize }
    public var defaultEpochs: Int { core.config.epochs }
    public func makeOptimizer(threads: Int?) -> any Optimizer { core.makeOptimizer(threads: threads) }
    public func prepareTraining(_ data: TrainingData) { core.prepare(data) }
    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        core.loss(batch: batch)
    }
    public func predict(users: [Int32], items: [Int32]) -> RatingPredictions { core.predict(users: users, items: items) }
}
