/// What every model is given when it is created: the shapes of the training data, its seeded
/// generator and its thread count. Nothing global: two models built from equal contexts and
/// configs train bit-identically.
public struct ModelContext: Sendable {
    /// Rows of the training matrix (training users).
    public var trainRows: Int
    /// Items (columns of every interaction matrix).
    public var itemCount: Int
    /// The rating scale of explicit data (`1...5`), nil for implicit data.
    public var ratingRange: ClosedRange<Float>?
    /// The run's generator; models derive their own streams from it (`rng.derive("init")`).
    public var rng: SeededRNG
    /// Threads for the model's kernels (`nil`: all cores).
    public var threads: Int?

    /// Creates a context.
    public init(trainRows: Int, itemCount: Int, ratingRange: ClosedRange<Float>?, rng: SeededRNG, threads: Int?) {
        self.trainRows = trainRows
        self.itemCount = itemCount
        self.ratingRange = ratingRange
        self.rng = rng
        self.threads = threads
    }

    /// The context for a training set.
    public init(data: TrainingData, rng: SeededRNG, threads: Int?) {
        self.init(trainRows: data.train.rows, itemCount: data.itemCount, ratingRange: data.ratingRange,
                  rng: rng, threads: threads)
    }
}

/// A model of the zoo: created from its `Config`, fitted on `TrainingData` (training matrix plus
/// validation, never the test set).
///
/// Models are classes: they own large parameter buffers that the training loop updates in place.
/// The split into `RatingPredictor` and `Ranker` follows what a model can be asked at evaluation
/// time; `GradientModel` adds what the shared training loop needs. See docs/adding-a-model.md.
public protocol Recommender: AnyObject, SendableMetatype {
    /// The model's settings; every stored property is a spec key (camelCase here, snake_case in
    /// specs) and must have a default in `defaultConfig`.
    associatedtype Config: Codable & Sendable

    /// The registered name used in specs and tables (`"i-autorec"`).
    static var name: String { get }
    /// Rating prediction or ranking.
    static var task: ModelTask { get }
    /// One line for `encore models`.
    static var summary: String { get }
    /// The paper the model follows.
    static var paper: String { get }
    /// The documented defaults.
    static var defaultConfig: Config { get }
    /// One sentence of help per snake_case config key.
    static var configHelp: [String: String] { get }

    /// Creates an untrained model.
    /// - Throws: `ModelError` when the config or the data shape cannot work (e.g. a memory limit).
    init(config: Config, context: ModelContext) throws

    /// Fits the model. Gradient models get this from the shared loop (`GradientModel`);
    /// closed-form models implement it directly.
    func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport

    /// The number of trained scalars (for tables).
    var parameterCount: Int { get }

    /// The problems of `config` that no data can fix (a size below 1, a rate outside `[0, 1)`,
    /// an unknown optimizer), each naming its snake_case key; empty when the config is usable.
    /// Spec validation reports them at the key's JSON path before anything runs, and `init`
    /// should throw them (`ConfigChecks.check()`). The default finds none.
    static func configProblems(_ config: Config) -> [ConfigProblem]

    /// What the model allocates for `config` on data of size `dimensions`: parameters and their
    /// training state, the activations of one batch, and what fitting and scoring hold (e.g.
    /// an `[items, items]` Gram matrix). Spec validation refuses a run whose estimate exceeds the
    /// memory limit, before anything is allocated: first with `DataDimensions.smallest` (sizes
    /// absurd for any data), then with the loaded data's sizes. Products must saturate
    /// (`MemoryEstimate.product`), never overflow. The default is an empty estimate.
    static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate

    /// The FLOPs of one training epoch on `data` and of one evaluation pass over
    /// `data.validation`, counted from the layer shapes as `FLOPCount` defines, with the products
    /// to measure the epoch against; `encore bench model` reports GFLOP/s and efficiency from it.
    /// The default is nil (not counted).
    func flopCount(_ data: TrainingData) -> FLOPCount?

    /// The learned state of the fitted model (what `encore run --save-model` keeps). The
    /// default for a `GradientModel` is its `parameters`; a closed-form model returns what `fit`
    /// computed (EASE its item-item matrix). Other models get a default that throws
    /// `ModelStateError.unsupported`: they cannot be saved.
    func exportState() throws -> ModelState

    /// Restores a model just created by `init(config:context:)` (the saved config, a context of
    /// the fitted model's shapes) to the state `exportState()` returned; `training` is the
    /// training data it was fitted on (its validation part may be empty). Afterwards the model
    /// scores and predicts exactly as the fitted model did. The default for a `GradientModel`
    /// calls `prepareTraining(training)` and writes the parameters.
    /// - Throws: `ModelStateError.mismatch` when `state` does not fit the model.
    func importState(_ state: ModelState, training: TrainingData) throws

    /// Whether the fitted model can score a user it was not trained on from that user's
    /// history alone (`encore recommend --history`). Default: supported by every `Ranker`,
    /// unsupported otherwise; the users it was trained on can always be scored.
    var historyScoring: HistoryScoring { get }
}

extension Recommender {
    /// No problems: a model without rules of its own accepts every config that decodes.
    public static func configProblems(_ config: Config) -> [ConfigProblem] { [] }

    /// An empty estimate: a model that says nothing is assumed to allocate nothing that
    /// scales with its config or the data.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate { MemoryEstimate() }
}

/// A model that predicts explicit ratings.
public protocol RatingPredictor: Recommender {
    /// Predicts the rating of each (train row, item) pair.
    /// - Parameters:
    ///   - users: train-row indices, `[n]`.
    ///   - items: item indices, `[n]`.
    /// - Returns: `[n]` predictions (not clipped) and how many used the fallback (an unseen user
    ///   or item gets the training mean).
    func predict(users: [Int32], items: [Int32]) -> RatingPredictions
}

/// Predictions for rating pairs, with the count of pairs that fell back to a default.
public struct RatingPredictions: Sendable {
    /// `[n]` predicted ratings.
    public var values: [Float]
    /// How many pairs used the fallback.
    public var fallbacks: Int

    /// Creates predictions.
    public init(values: [Float], fallbacks: Int) {
        self.values = values
        self.fallbacks = fallbacks
    }
}

/// A model that scores every item for users given their interaction histories.
public protocol Ranker: Recommender {
    /// Scores all items for each history row.
    /// - Parameters:
    ///   - history: `[n, items]`, the interactions to score from (training rows for weak
    ///     generalization, fold-in rows for strong generalization).
    ///   - trainingRows: `[n]`, each row's index in the training matrix, or -1 for a user not
    ///     trained on (only models with per-user parameters, like CDAE, read it).
    /// - Returns: `[n, items]` scores; higher is better. History items are excluded by the caller.
    func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor

    /// Scores all items for rows `rows` of `targets`: how evaluation asks. The default reads the
    /// history matrix (`scores(history:trainingRows:)`); sequence models read the time-ordered
    /// history (`RankingTargets.orderedHistory`).
    /// - Returns: `[rows.count, items]` scores; higher is better.
    func scores(_ targets: RankingTargets, rows: Range<Int>) -> Tensor
}

extension Ranker {
    /// Scores the history matrix of the rows.
    public func scores(_ targets: RankingTargets, rows: Range<Int>) -> Tensor {
        scores(history: targets.history.rows(rows), trainingRows: Array(targets.trainingRows[rows]))
    }
}

/// An error from a model that a run records as its failure reason.
public enum ModelError: Error, CustomStringConvertible, Sendable {
    /// The loss became NaN or infinite.
    case nonFiniteLoss(epoch: Int, batch: Int, value: Float)
    /// The model would need more memory than allowed.
    case memoryLimit(needed: Int, limit: Int, what: String)
    /// The configuration cannot work with this data.
    case invalidConfig(String)
    /// The model cannot do what was asked (e.g. a ranker asked for ratings).
    case unsupported(String)
    /// A checkpoint could not be restored.
    case badCheckpoint(String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, batch, value):
            return "loss became \(value) at epoch \(epoch), batch \(batch); lower the learning rate or add regularisation"
        case let .memoryLimit(needed, limit, what):
            return "\(what) needs about \(needed / 1_048_576) MB, over the limit of \(limit / 1_048_576) MB; raise memory_limit_mb or use fewer items"
        case let .invalidConfig(text): return "invalid config: \(text)"
        case let .unsupported(text): return text
        case let .badCheckpoint(text): return "cannot restore checkpoint: \(text)"
        }
    }
}
