/// Rating pairs to predict. `users` are rows of `TrainingData.train` (rating protocols keep
/// every user as a train row, so a row is also the dataset user index).
public struct RatingPairs: Sendable, Equatable {
    /// Train row of each pair.
    public var users: [Int32]
    /// Item of each pair.
    public var items: [Int32]
    /// The held-out rating of each pair.
    public var ratings: [Float]

    /// Creates rating pairs; the three arrays have the same length.
    public init(users: [Int32], items: [Int32], ratings: [Float]) {
        requireArgument(users.count == items.count && items.count == ratings.count,
                     "RatingPairs arrays differ in length: \(users.count), \(items.count), \(ratings.count)")
        self.users = users
        self.items = items
        self.ratings = ratings
    }

    /// Number of pairs.
    public var count: Int { users.count }
}

/// Users to rank items for: what the model scores from, and what it should find.
public struct RankingTargets: Sendable, Equatable {
    /// `[n, items]`: the items the model scores from (train row, or fold-in row); these are
    /// excluded from the ranking.
    public var history: SparseMatrix
    /// `[n, items]`: the held-out items to find.
    public var targets: SparseMatrix
    /// Dataset user index of each row, `[n]`.
    public var users: [Int]
    /// Row of this user in `TrainingData.train`, or -1 for users not in training (strong
    /// generalization), `[n]`.
    public var trainingRows: [Int]
    /// Each row's history in time order (strong generalization), or nil when the protocol keeps
    /// no order; sequence models then read the history in item order.
    public var historySequences: InteractionSequences?

    /// Creates ranking targets; `history` and `targets` have the same shape `[users.count, items]`
    /// and `historySequences`, when given, one row per user.
    public init(history: SparseMatrix, targets: SparseMatrix, users: [Int], trainingRows: [Int],
                historySequences: InteractionSequences? = nil) {
        requireArgument(history.shape == targets.shape && history.rows == users.count && users.count == trainingRows.count,
                     "RankingTargets: history \(history.shape), targets \(targets.shape), \(users.count) users, \(trainingRows.count) training rows")
        precondition(historySequences.map { $0.rows == users.count } ?? true,
                     "RankingTargets: \(historySequences?.rows ?? 0) history sequences for \(users.count) users")
        self.history = history
        self.targets = targets
        self.users = users
        self.trainingRows = trainingRows
        self.historySequences = historySequences
    }

    /// The history of rows `range` in time order, or in item order when no order is kept.
    public func orderedHistory(_ range: Range<Int>) -> InteractionSequences {
        historySequences?.rows(range) ?? InteractionSequences(orderOf: history.rows(range))
    }
}

/// What a model is evaluated on: rating pairs (RMSE/MAE) or ranking targets (recall, NDCG, ...).
public enum EvaluationData: Sendable, Equatable {
    /// Ratings to predict.
    case ratings(RatingPairs)
    /// Items to rank.
    case ranking(RankingTargets)
}

/// Everything a model may read while fitting: the training matrix and the validation data.
/// Never the test set.
public struct TrainingData: Sendable, Equatable {
    /// `[trainRows, items]`: explicit ratings, or 1 for implicit data.
    public var train: SparseMatrix
    /// Dataset user index of each train row (weak generalization: `0..<userCount`).
    public var trainUsers: [Int]
    /// Validation data, for early stopping and model selection.
    public var validation: EvaluationData
    /// The explicit rating range (for clipping predictions); nil for implicit data.
    public var ratingRange: ClosedRange<Float>?
    /// Number of items (columns of every matrix).
    public var itemCount: Int
    /// Each train row's interactions in time order (strong generalization), or nil when the
    /// protocol keeps no order; sequence models then read rows in item order.
    public var trainSequences: InteractionSequences?

    /// Creates training data; `trainSequences`, when given, has one row per train row.
    public init(train: SparseMatrix, trainUsers: [Int], validation: EvaluationData,
                ratingRange: ClosedRange<Float>?, itemCount: Int, trainSequences: InteractionSequences? = nil) {
        requireArgument(train.rows == trainUsers.count && train.cols == itemCount,
                     "TrainingData: train \(train.shape), \(trainUsers.count) train users, \(itemCount) items")
        precondition(trainSequences.map { $0.rows == train.rows } ?? true,
                     "TrainingData: \(trainSequences?.rows ?? 0) sequences for \(train.rows) train rows")
        self.train = train
        self.trainUsers = trainUsers
        self.validation = validation
        self.ratingRange = ratingRange
        self.itemCount = itemCount
        self.trainSequences = trainSequences
    }

    /// The train rows in time order, or in item order when the protocol keeps no order.
    public var orderedTrain: InteractionSequences { trainSequences ?? InteractionSequences(orderOf: train) }

    /// Mean of the training values (the fallback prediction for unseen users and items).
    public var trainMean: Float {
        train.values.isEmpty ? 0 : Float(train.values.reduce(0.0) { $0 + Double($1) } / Double(train.values.count))
    }
}

/// A train / validation / test split. The runner hands `trainingData` to a model for fitting and
/// reads `test` only after model selection, so test data cannot reach training.
public struct Split: Sendable, Equatable {
    /// What fitting may see.
    public var trainingData: TrainingData
    /// The test data.
    public var test: EvaluationData

    /// Creates a split.
    public init(trainingData: TrainingData, test: EvaluationData) {
        self.trainingData = trainingData
        self.test = test
    }
}
