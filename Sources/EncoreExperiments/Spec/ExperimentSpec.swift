import EncoreModels

/// A validated experiment spec: what to load, how to split, which models and grids, which
/// metrics, seeds and outputs. Built only by `ExperimentSpec.load` / `ExperimentSpec.parse`,
/// which check everything first (see `docs/spec.md` for every key).
public struct ExperimentSpec: Sendable {
    /// The keys the top level of a spec may have (also listed by `docs/spec.schema.json`).
    public static let topLevelKeys = [
        "name", "description", "dataset", "protocol", "metrics", "selection", "seeds", "models",
        "output", "threads", "save_recommendations",
    ]

    /// The largest metric cut-off k (and `save_recommendations`) a spec may name. A k above the
    /// item count is run with its top-k list capped at the item count, with a note; one above
    /// this bound is refused as absurd for any data.
    public static let maxCutoff = 1_000_000
    /// The most runs (model entries x grid points x seeds) a spec may describe.
    public static let maxRuns = 100_000

    /// The experiment name: `[A-Za-z0-9][A-Za-z0-9._-]*`, used in the output directory.
    public var name: String
    /// Free text (default empty).
    public var description: String
    /// The top-level data settings (a model entry may patch them: `ModelSpec.setting`).
    public var dataset: DatasetSpec
    /// The top-level split protocol.
    public var evaluationProtocol: ProtocolSpec
    /// The top-level metrics, canonical names (`ndcg@100`).
    public var metrics: [String]
    /// The top-level selection settings.
    public var selection: SelectionSpec
    /// Seeds; each model x grid point runs once per seed.
    public var seeds: [Int]
    /// The model entries, in spec order.
    public var models: [ModelSpec]
    /// Where and what to write.
    public var output: OutputSpec
    /// Worker threads; nil means every core.
    public var threads: Int?
    /// When set, each test user's top-K items and targets are written for outside tools.
    public var saveRecommendations: Int?
    /// The spec after `--set` overrides, exactly as validated (key order kept).
    public var json: JSONValue
    /// The experiment's identity, SHA-256 (lowercase hex) of the canonical text of `json` without
    /// where the data lives, the thread count, the output settings and the description
    /// (`SpecSHA256.identity`): equal for specs that differ only in those, in whitespace or in
    /// key order; changes with any other value, overrides included.
    public var sha256: String
    /// Where the spec came from (a file path, or `<spec>`), for messages about it.
    public var source = "<spec>"
}

/// Where the data comes from and how it is preprocessed.
public struct DatasetSpec: Sendable, Equatable {
    /// The data source.
    public enum Source: Sendable, Equatable {
        /// A named dataset (`DataCatalog.names`: `ml-100k`, `synthetic-explicit`, ...); `path`
        /// when given replaces the lookup in the data directory / cache with that file (in the
        /// dataset's own format).
        case named(String, path: String?)
        /// A file in the given format.
        case file(path: String, format: FileFormat)
        /// The generator with parameters (`name: "synthetic"`).
        case synthetic(SyntheticSpec)
    }

    /// A file format.
    public enum FileFormat: Sendable, Equatable {
        /// `u.data`: tab-separated user, item, rating, timestamp.
        case movieLens100K
        /// `ratings.dat`: `::`-separated user, item, rating, timestamp.
        case movieLensDat
        /// `ratings.csv` with a header: userId, movieId, rating, timestamp.
        case movieLensCSV
        /// A delimited file; columns 0-based, rating / timestamp nil when absent.
        case delimited(separator: String, header: Bool, user: Int, item: Int, rating: Int?, timestamp: Int?)
        /// A RecBole atomic `.inter` file, read through the header fields `fields` (`columns`
        /// names them; RecBole's `user_id`, `item_id`, `rating`, `timestamp` by default).
        case recboleInter(fields: RecBole.Fields)
    }

    /// The source.
    public var source: Source
    /// The data directory for named datasets (else `--data-dir`, `ENCORE_DATA_DIR`, the cache).
    public var dataDirectory: String?
    /// Explicit ratings or implicit interactions.
    public var mode: DataMode
    /// Implicit mode only: keep ratings >= threshold (as 1); nil keeps every interaction.
    public var threshold: Double?
    /// Keep only the latest of repeated (user, item) pairs (default true).
    public var dedupe: Bool
    /// Iterative k-core on users and items; 0 disables (default 0).
    public var kCore: Int
    /// Drop users with fewer interactions, after the threshold (default 0).
    public var minUserInteractions: Int
    /// Drop users with more interactions, after the threshold; 0 disables (default 0).
    public var maxUserInteractions: Int = 0
}

/// Explicit ratings (rating models, rmse / mae) or implicit interactions (ranking).
public enum DataMode: String, Sendable, Equatable, CaseIterable {
    /// Rating values kept.
    case explicit
    /// Every kept interaction becomes 1.
    case implicit
}

/// Parameters of `SyntheticData.generate` (planted low-rank preferences, popularity skew);
/// explicit ratings 1-5 when the dataset mode is explicit.
public struct SyntheticSpec: Sendable, Equatable {
    /// Users (default 2000).
    public var users: Int
    /// Items (default 1000).
    public var items: Int
    /// Mean interactions per user (default 50).
    public var interactionsPerUser: Double
    /// Rank of the planted preferences (default 8).
    public var rank: Int
    /// Item popularity ~ (popularity rank + 1)^-skew; 0 is uniform (default 0.8).
    public var popularitySkew: Double
    /// Generator seed (default 0).
    public var seed: Int
}

/// A split protocol (docs/spec.md, "protocol") with its parameters, defaults filled in.
public struct ProtocolSpec: Sendable, Equatable {
    /// The protocol names accepted in specs.
    public static let kinds = ["rating-holdout", "user-holdout", "leave-one-out", "strong-generalization", "k-fold"]

    /// Which protocol.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case ratingHoldout = "rating-holdout", userHoldout = "user-holdout", leaveOneOut = "leave-one-out"
        case strongGeneralization = "strong-generalization", kFold = "k-fold"

        /// Whether rmse / mae can be measured (test pairs of users the model trained on).
        public var supportsRatingMetrics: Bool { self == .ratingHoldout || self == .userHoldout || self == .kFold }
    }

    /// Where the split seed comes from.
    public enum SplitSeed: Sendable, Equatable {
        /// One fixed split for every run.
        case fixed(Int)
        /// A new split per run seed (`"seed": "run"`, the default).
        case run

        /// The split seed for a run with seed `runSeed`.
        public func value(forRunSeed runSeed: Int) -> Int {
            if case .fixed(let seed) = self { return seed }
            return runSeed
        }
    }

    /// Per-user order for user-holdout and leave-one-out.
    public enum Order: String, Sendable, Equatable { case random, time }
    /// What k-fold partitions.
    public enum FoldUnit: String, Sendable, Equatable { case ratings, users }

    /// The protocol.
    public var kind: Kind
    /// Fraction to test: rating-holdout (default 0.1), user-holdout per user (default 0.2).
    public var testFraction: Double
    /// Fraction of the non-test part to validation (default 0.1).
    public var validationFraction: Double
    /// Strong generalization: users held out for validation and again for test.
    public var heldOutUsers: Int
    /// Strong generalization and user k-fold: fold-in share of a held-out user's items (default 0.8).
    public var foldInFraction: Double
    /// User-holdout (default random) and leave-one-out (default time).
    public var order: Order
    /// User-holdout: users with fewer interactions stay in train only (default 3).
    public var minInteractions: Int
    /// k-fold: number of folds (default 5).
    public var folds: Int
    /// k-fold: the 0-based test fold (default 0).
    public var fold: Int
    /// k-fold: ratings (default) or users.
    public var foldUnit: FoldUnit
    /// The split seed.
    public var seed: SplitSeed
    /// When set, the split is read from this file (`Split.read(from:)`, the text format of
    /// docs/data.md) instead of being made: e.g. another implementation's exact split, exported
    /// with the dataset's indices. `kind` still says what the split is; `seed` does not apply.
    public var splitFile: String? = nil
    /// Strong generalization: how a held-out user's items divide into fold-in and targets:
    /// at random (default) or by time (the earliest are the fold-in).
    public var foldInOrder: Order = .random
}

/// Model selection on validation.
public struct SelectionSpec: Sendable, Equatable {
    /// The validation metric (canonical name; default the first of `metrics`).
    public var metric: String
    /// Epochs without improvement before stopping; 0 disables early stopping (default 10).
    public var patience: Int
    /// Caps every gradient model's epochs; nil keeps each model's own `epochs` setting.
    public var maxEpochs: Int?
    /// Early stopping may not end a run before it has made this many optimizer updates in all
    /// (`min_updates`, default `defaultMinUpdates`; 0: patience alone decides).
    public var minUpdates: Int = SelectionSpec.defaultMinUpdates
    /// The default of `min_updates`: on small data (an epoch of one or two updates) a patience
    /// counted in epochs alone stops gradient models before they learn; on data of ten or more
    /// updates per epoch a patience of 10 or more epochs reaches it by itself.
    public static let defaultMinUpdates = 500
    /// Whether larger values of `metric` are better (false for rmse and mae).
    public var higherIsBetter: Bool { !Metric.lowerIsBetter(named: metric) }
}

/// What to write.
public struct OutputSpec: Sendable, Equatable {
    /// The table / plot formats accepted in specs.
    public static let allFormats = ["md", "csv", "tex", "json", "svg"]
    /// The results directory (default `results/<name>`).
    public var directory: String
    /// Formats to write: `md`, `csv`, `tex`, `json` (tables) and `svg` (plots); `results.json`
    /// is always written. Default all.
    public var formats: [String]
    /// Save the fitted model of each chosen run under `models/` (`encore run --save-model`).
    public var saveModels = false
}

/// One model entry with its effective settings (top-level settings patched by the entry).
public struct ModelSpec: Sendable {
    /// Index in the spec's `models` list.
    public var index: Int
    /// The registered model name.
    public var model: String
    /// The task of the model, from its `ModelDescription`.
    public var task: ModelTask
    /// The unique label (default the model name): `[A-Za-z0-9][A-Za-z0-9._+-]*`.
    public var label: String
    /// The model's defaults with the entry's `config` applied (every key present).
    public var config: [(key: String, value: JSONValue)]
    /// Grid keys in spec order, each with its non-empty list of values (empty with a search).
    public var grid: [(key: String, values: [JSONValue])]
    /// The entry's random search, when it has one instead of a grid.
    public var search: RandomSearch? = nil
    /// The data, protocol, metrics and selection this entry is evaluated under.
    public var setting: EvaluationSetting

    /// The number of points the entry runs at: the search's trials, else the product of the
    /// grid list lengths (1 without a grid), saturated at `Int.max`.
    public var gridPointCount: Int { search?.trials ?? MemoryEstimate.product(grid.map(\.values.count)) }

    /// The points the entry runs at, in run order: the search's drawn points, else every
    /// combination of the grid values (the last grid key varying fastest); one empty point
    /// without either.
    public var points: [[(key: String, value: JSONValue)]] { search?.points ?? ExperimentSpec.cartesianProduct(grid) }
}

/// The settings a model is evaluated under. Runs with equal settings share one loaded dataset
/// and split per split seed, and one results table.
public struct EvaluationSetting: Sendable, Equatable {
    /// Data source and preprocessing.
    public var dataset: DatasetSpec
    /// Split protocol.
    public var evaluationProtocol: ProtocolSpec
    /// Test metrics (canonical names).
    public var metrics: [String]
    /// Selection settings.
    public var selection: SelectionSpec
}
