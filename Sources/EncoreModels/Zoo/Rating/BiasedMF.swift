import Foundation

/// BiasedMF (Koren, Bell & Volinsky, "Matrix Factorization Techniques for Recommender Systems",
/// IEEE Computer 2009; the SVD of Funk / scikit-surprise): `r̂(u, i) = mu + b_u + b_i + p_u·q_i`,
/// trained by SGD over rating pairs on
/// `1/2 sum (r - r̂)^2 + reg/2 sum (b_u^2 + b_i^2 + |p_u|^2 + |q_i|^2)` (the penalty counted once
/// per rating, as in per-sample SGD).
///
/// Deviations: mini-batches of `batchSize` ratings (summed, so each rating's gradient matches a
/// per-sample SGD step, applied together) instead of one rating per update; `mu` is the fixed
/// training mean; the epoch is chosen by early stopping on validation RMSE. A user or item
/// without training ratings gets the training mean.
public final class BiasedMF: RatingPredictor, GradientModel, @unchecked Sendable {
    public typealias Config = BiasedMFConfig
    public static let name = "biased-mf"
    public static let task = ModelTask.rating
    public static let summary = "Matrix factorisation with user and item biases, SGD over ratings."
    public static let paper = "Koren, Bell & Volinsky, Matrix Factorization Techniques for Recommender Systems, IEEE Computer 2009"
    public static var defaultConfig: BiasedMFConfig { .defaults }
    public static var configHelp: [String: String] { BiasedMFConfig.help }

    /// The config the model was built from.
    public let config: BiasedMFConfig
    /// User factors `[users, factors]` and item factors `[items, factors]`.
    public let userFactors: Variable, itemFactors: Variable
    /// User biases `[users, 1]` and item biases `[items, 1]`.
    public let userBias: Variable, itemBias: Variable
    private let threads: Int?
    private var mean: Float = 0
    private var pairUsers: [Int32] = [], pairItems: [Int32] = [], pairRatings: [Float] = []
    private var seen = SeenInTraining()

    /// Creates an untrained model for the context's users (train rows) and items.
    /// - Throws: `ModelError.invalidConfig` with `BiasedMFConfig.checks`' problems.
    public init(config: BiasedMFConfig, context: ModelContext) throws {
        try config.checks.check()
        self.config = config
        threads = context.threads
        var rng = context.rng.derive("init")
        func normal(_ shape: [Int]) -> Variable {
            let count = shape.reduce(1, *)
            let scalars = (0..<count).map { _ in rng.normal(mean: 0, standardDeviation: config.initStandardDeviation) }
            return Variable(Tensor(shape: shape, scalars: scalars), requiresGrad: true)
        }
        userFactors = normal([context.trainRows, config.factors])
        itemFactors = normal([context.itemCount, config.factors])
        userBias = Variable(Tensor(shape: [context.trainRows, 1]), requiresGrad: true)
        itemBias = Variable(Tensor(shape: [context.itemCount, 1]), requiresGrad: true)
    }

    public static func configProblems(_ config: BiasedMFConfig) -> [ConfigProblem] { config.checks.problems }

    /// `(users + items) x (factors + 1)` parameters with their training state, the rating pairs
    /// kept for training, and a batch's gathered factor rows `[batch_size, factors]`.
    public static func memoryEstimate(config: BiasedMFConfig, dimensions: DataDimensions) -> MemoryEstimate {
        let parameters = MemoryEstimate.product([
            MemoryEstimate.sum([dimensions.users, dimensions.items]), MemoryEstimate.sum([config.factors, 1])])
        var estimate = MemoryEstimate.gradientTraining(parameters: parameters, optimizer: config.optimizer, key: "factors")
        estimate.add("training pairs (user, item, rating)", floats: [3, dimensions.interactions])
        let batch = min(config.batchSize, dimensions.interactions)
        estimate.add("batch factor rows [batch_size, factors] (gathered, squared, gradients)", floats: [8, batch, config.factors], key: "factors")
        return estimate
    }

    public var parameters: [Variable] { [userFactors, itemFactors, userBias, itemBias] }
    public func exampleCount(_ data: TrainingData) -> Int { data.train.nonzeroCount }
    public var batchSize: Int { config.batchSize }
    public var defaultEpochs: Int { config.epochs }

    public func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(learningRate: config.learningRate, momentum: config.momentum, threads: threads)
    }

    public func prepareTraining(_ data: TrainingData) {
        let train = data.train
        pairUsers = [Int32](repeating: 0, count: train.nonzeroCount)
        for r in 0..<train.rows {
            for e in train.rowPointers[r]..<train.rowPointers[r + 1] { pairUsers[e] = Int32(r) }
        }
        pairItems = train.columnIndices
        pairRatings = train.values
        seen = SeenInTraining(train, columns: data.itemCount)
        mean = data.trainMean
    }

    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let users = batch.map { pairUsers[$0] }, items = batch.map { pairItems[$0] }
        let userRows = users.map(Int.init), itemRows = items.map(Int.init)
        let entries = EntryIndices(rows: users, columns: items, rowCount: userFactors.value.rows,
                                   columnCount: itemFactors.value.rows)
        let n = batch.count
        let prediction = sampledDot(userFactors, itemFactors, at: entries, threads: threads)
            + userBias.gatherRows(userRows).reshaped([n]) + itemBias.gatherRows(itemRows).reshaped([n]) + mean
        let targets = Tensor(shape: [n], scalars: batch.map { pairRatings[$0] })
        let error = Loss.squaredError(prediction, targets: targets, reduction: .sum).scaled(by: 0.5)
        guard config.regularization > 0 else { return error }
        let penalty = userFactors.gatherRows(userRows).squared().sum() + itemFactors.gatherRows(itemRows).squared().sum()
            + userBias.gatherRows(userRows).squared().sum() + itemBias.gatherRows(itemRows).squared().sum()
        return error + penalty.scaled(by: config.regularization / 2)
    }

    public func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        requireShape(users.count == items.count, "\(Self.name).predict: \(users.count) users vs \(items.count) items")
        var values = [Float](repeating: mean, count: users.count)
        var fallbacks = 0
        let k = config.factors
        userFactors.value.withUnsafeBufferPointer { p in
            itemFactors.value.withUnsafeBufferPointer { q in
                for n in 0..<users.count {
                    let u = Int(users[n]), i = Int(items[n])
                    guard seen.row(u), seen.column(i) else {
                        fallbacks += 1
                        continue
                    }
                    values[n] = mean + userBias.value[u] + itemBias.value[i]
                        + Tensor.dot(p.baseAddress! + u * k, q.baseAddress! + i * k, count: k)
                }
            }
        }
        return RatingPredictions(values: values, fallbacks: fallbacks)
    }
}

extension BiasedMF {
    /// Training: one sampled dot product of `factors` per stored rating, forward and the two
    /// factor gradients (`6·nnz·factors`). Evaluation: one dot product per validation pair whose
    /// user and item were seen. No reference product: a batch is independent dot products,
    /// nothing a GEMM computes.
    public func flopCount(_ data: TrainingData) -> FLOPCount? {
        let k = config.factors
        let evaluation = FLOPCount.validationPairs(data, examplesAreItems: false).map {
            FLOPCount.sparseDense(nonzeros: Double($0.pairs), width: k)
        }
        return FLOPCount(trainingEpoch: 3 * FLOPCount.sparseDense(nonzeros: Double(data.train.nonzeroCount), width: k),
                         evaluation: evaluation, referenceProducts: [])
    }
}
