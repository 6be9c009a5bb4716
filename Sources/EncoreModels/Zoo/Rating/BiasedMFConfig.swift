/// The settings of BiasedMF (Koren, Bell & Volinsky 2009).
public struct BiasedMFConfig: Codable, Sendable, Equatable {
    /// Latent factors per user and item (default 50).
    public var factors: Int
    /// Learning rate (default 0.01).
    public var learningRate: Float
    /// L2 coefficient on the biases and factors of each rating's user and item (default 0.05).
    public var regularization: Float
    /// Standard deviation of the normal factor initialisation (default 0.1; biases start at 0).
    public var initStandardDeviation: Float
    /// Optimizer name (default `sgd`); see `OptimizerName`.
    public var optimizer: OptimizerName
    /// Momentum of `sgd` (default 0: plain SGD).
    public var momentum: Float
    /// Ratings per mini-batch (default 128).
    public var batchSize: Int
    /// Epochs when the run sets no budget (default 50).
    public var epochs: Int

    /// The documented defaults, tuned on the ML-100K validation split.
    public static let defaults = BiasedMFConfig(
        factors: 50, learningRate: 0.01, regularization: 0.05, initStandardDeviation: 0.1, optimizer: .sgd,
        momentum: 0, batchSize: 128, epochs: 50)

    /// The problems of this config (sizes below 1, a learning rate <= 0, a negative
    /// regularisation or initialisation spread, a momentum outside `[0, 1)`, an unknown optimizer).
    public var checks: ConfigChecks {
        var checks = ConfigChecks()
        checks.atLeast("factors", factors, 1)
        checks.positive("learning_rate", learningRate)
        checks.nonNegative("regularization", regularization)
        checks.nonNegative("init_standard_deviation", initStandardDeviation)
        checks.rate("momentum", momentum)
        checks.atLeast("batch_size", batchSize, 1)
        checks.atLeast("epochs", epochs, 1)
        return checks
    }

    /// One sentence per snake_case key.
    public static let help: [String: String] = [
        "factors": "Latent factors per user and item.",
        "learning_rate": "Learning rate.",
        "regularization": "L2 coefficient on each rating's user/item biases and factors.",
        "init_standard_deviation": "Standard deviation of the normal factor initialisation.",
        "optimizer": "Optimizer: \(OptimizerName.names.joined(separator: ", ")).",
        "momentum": "Momentum for sgd / nesterov.",
        "batch_size": "Ratings per mini-batch.",
        "epochs": "Epochs when the run sets no budget.",
    ]
}
