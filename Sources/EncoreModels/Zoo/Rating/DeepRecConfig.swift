/// The settings of DeepRec (Kuchaiev & Ginsburg 2017).
public struct DeepRecConfig: Codable, Sendable, Equatable {
    /// Encoder layer widths; the decoder mirrors them back to the item count (paper / default:
    /// `[512, 512, 1024]`, i.e. `items-512-512-1024-512-512-items`).
    public var encoderSizes: [Int]
    /// Activation of every layer (default SELU).
    public var activation: ActivationKind
    /// Whether the output layer is activated too (DeepRecommender's `last_layer_activations`,
    /// default true, as in the reference).
    public var lastLayerActivation: Bool
    /// Dropout probability on the code (the last encoder layer's output; default 0.8).
    public var dropout: Float
    /// Tie each decoder weight to the transposed mirror encoder weight (the paper's
    /// "constrained" autoencoder).
    public var constrainedDecoder: Bool
    /// Dense re-feeding steps per batch (default 1): each step feeds the detached dense output
    /// back as input and target and makes one more optimizer update.
    public var refeedSteps: Int
    /// Optimizer name (`sgd` with momentum, default); see `OptimizerName`.
    public var optimizer: OptimizerName
    /// Learning rate (default 0.005).
    public var learningRate: Float
    /// Momentum of `sgd` / `nesterov` (default 0.9).
    public var momentum: Float
    /// L2 weight decay added to the gradient (default 0).
    public var weightDecay: Float
    /// Users per mini-batch (default 128).
    public var batchSize: Int
    /// Epochs when the run sets no budget (default 100).
    public var epochs: Int

    /// The documented defaults (those of the reference `peers/deeprec.py`).
    public static let defaults = DeepRecConfig(
        encoderSizes: [512, 512, 1024], activation: .selu, lastLayerActivation: true, dropout: 0.8,
        constrainedDecoder: false, refeedSteps: 1, optimizer: .sgd, learningRate: 0.005, momentum: 0.9,
        weightDecay: 0, batchSize: 128, epochs: 100)

    /// The largest `refeed_steps` accepted: each step is one more dense update per batch (the
    /// paper uses 1).
    public static let maxRefeedSteps = 1000

    /// The problems of this config (empty or non-positive widths, a dropout outside `[0, 1)`,
    /// re-feed steps outside `0...maxRefeedSteps`, a learning rate <= 0, a momentum outside
    /// `[0, 1)`, an unknown optimizer).
    public var checks: ConfigChecks {
        var checks = ConfigChecks()
        checks.sizes("encoder_sizes", encoderSizes)
        checks.rate("dropout", dropout)
        checks.integer("refeed_steps", refeedSteps, in: 0...Self.maxRefeedSteps)
        checks.positive("learning_rate", learningRate)
        checks.rate("momentum", momentum)
        checks.nonNegative("weight_decay", weightDecay)
        checks.atLeast("batch_size", batchSize, 1)
        checks.atLeast("epochs", epochs, 1)
        return checks
    }

    /// One sentence per snake_case key.
    public static let help: [String: String] = [
        "encoder_sizes": "Encoder widths; the decoder mirrors them back to the item count.",
        "activation": "Activation of every layer: \(ActivationKind.allCases.map(\.rawValue).joined(separator: ", ")).",
        "last_layer_activation": "Also activate the output layer (DeepRecommender default).",
        "dropout": "Dropout probability on the code layer.",
        "constrained_decoder": "Tie decoder weights to the transposed encoder weights.",
        "refeed_steps": "Dense re-feeding steps per batch (0: none).",
        "optimizer": "Optimizer: \(OptimizerName.names.joined(separator: ", ")).",
        "learning_rate": "Learning rate.",
        "momentum": "Momentum for sgd / nesterov.",
        "weight_decay": "L2 weight decay added to the gradient.",
        "batch_size": "Users per mini-batch.",
        "epochs": "Epochs when the run sets no budget.",
    ]
}
