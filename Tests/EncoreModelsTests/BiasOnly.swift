import EncoreModels

/// The baseline estimate of Koren 2008 ("Factorization meets the neighborhood", KDD):
/// `r̂(u, i) = μ + b_u + b_i`, the training mean plus a user and an item bias. Deviation: the
/// biases are fitted by Adam on mini-batches of the squared error in the shared gradient loop,
/// with `regularization` as the L2 weight, instead of by a least-squares solver.
final class BiasOnly: RatingPredictor, GradientModel {
    struct Config: Codable, Sendable {
        var learningRate: Float
        var regularization: Float
        var batchSize: Int
    }
    static let name = "bias-only"
    static let task = ModelTask.rating
    static let summary = "Training mean plus user and item biases."
    static let paper = "Koren 2008, Factorization meets the neighborhood, KDD (baseline predictors)"
    static let defaultConfig = Config(learningRate: 0.05, regularization: 0.01, batchSize: 64)
    static let configHelp = [
        "learning_rate": "Adam learning rate.", "regularization": "L2 on the biases.", "batch_size": "Ratings per batch.",
    ]

    let config: Config
    let userBias: Variable, itemBias: Variable                        // [users, 1], [items, 1]
    private var mean: Float = 0
    private var users: [Int] = [], items: [Int] = [], ratings: [Float] = []

    init(config: Config, context: ModelContext) throws {
        guard config.batchSize > 0 else { throw ModelError.invalidConfig("batch_size must be positive") }
        self.config = config
        userBias = Variable(Tensor(shape: [context.trainRows, 1]), requiresGrad: true)
        itemBias = Variable(Tensor(shape: [context.itemCount, 1]), requiresGrad: true)
    }

    // What the shared loop needs.
    var parameters: [Variable] { [userBias, itemBias] }               // fixed order (checkpoints)
    func exampleCount(_ data: TrainingData) -> Int { data.train.nonzeroCount }  // an example is a rating
    var batchSize: Int { config.batchSize }
    var defaultEpochs: Int { 20 }
    func makeOptimizer(threads: Int?) -> any Optimizer { OptimizerName.adam.make(learningRate: config.learningRate, threads: threads) }

    func prepareTraining(_ data: TrainingData) {                      // once, before epoch 1
        mean = data.trainMean
        users = []
        for r in 0..<data.train.rows { users += Array(repeating: r, count: data.train.count(ofRow: r)) }
        items = data.train.columnIndices.map(Int.init)
        ratings = data.train.values
    }

    func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let u = userBias.gatherRows(batch.map { users[$0] }), i = itemBias.gatherRows(batch.map { items[$0] })
        let prediction = (u + i + mean).reshaped([batch.count])
        let error = Loss.squaredError(prediction, targets: Tensor(shape: [batch.count], scalars: batch.map { ratings[$0] }))
        return error + Loss.l2Penalty([userBias, itemBias], coefficient: config.regularization / Float(users.count))
    }

    func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        let values = zip(users, items).map { mean + userBias.value[Int($0)] + itemBias.value[Int($1)] }
        return RatingPredictions(values: values, fallbacks: 0)
    }
}
