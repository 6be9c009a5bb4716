/// The settings of I-AutoRec and U-AutoRec (Sedhain et al. 2015); both registered names share
/// this config and its defaults.
public struct AutoRecConfig: Codable, Sendable, Equatable {
    /// Hidden units `h` (paper: 500).
    public var hiddenUnits: Int
    /// Encoder activation `g` (paper: sigmoid).
    public var encoderActivation: ActivationKind
    /// Decoder activation `f` (paper: identity).
    public var decoderActivation: ActivationKind
    /// `lambda` of the penalty `(lambda/2)(||W||^2 + ||V||^2)` on the paper's scale: each batch
    /// adds `(batch / examples) * lambda/2 * (||W||^2 + ||V||^2)` to the summed squared error of
    /// its observed entries, so one epoch is one pass over the paper's objective.
    public var lambda: Float
    /// `adam` (default), `rprop` (the paper's full-batch optimizer), or any `OptimizerName`.
    public var optimizer: OptimizerName
    /// The optimizer's learning rate (Rprop: the initial step size).
    public var learningRate: Float
    /// Rows (items for I-AutoRec, users for U-AutoRec) per mini-batch.
    public var batchSize: Int
    /// Epochs when the run does not set a budget.
    public var epochs: Int

    /// The documented defaults: 500 hidden units, sigmoid / identity, lambda 1, Adam 1e-3,
    /// batches of 256 rows, 500 epochs (early stopping picks the epoch).
    public static let defaults = AutoRecConfig(
        hiddenUnits: 500, encoderActivation: .sigmoid, decoderActivation: .identity, lambda: 1,
        optimizer: .adam, learningRate: 1e-3, batchSize: 256, epochs: 500)

    /// The problems of this config (sizes below 1, a negative lambda, a learning rate <= 0, an
    /// unknown optimizer).
    public var checks: ConfigChecks {
        var checks = ConfigChecks()
        checks.atLeast("hidden_units", hiddenUnits, 1)
        checks.nonNegative("lambda", lambda)
        checks.positive("learning_rate", learningRate)
        checks.atLeast("batch_size", batchSize, 1)
        checks.atLeast("epochs", epochs, 1)
        return checks
    }

    /// One sentence per snake_case key, for `encore models`.
    public static let help: [String: String] = [
        "hidden_units": "Hidden units of the single hidden layer (paper: 500).",
        "encoder_activation": "Encoder activation g: \(ActivationKind.allCases.map(\.rawValue).joined(separator: ", ")).",
        "decoder_activation": "Decoder activation f (paper: identity).",
        "lambda": "L2 penalty (lambda/2)(|W|^2+|V|^2); each batch adds batch/rows of it to its summed squared error.",
        "optimizer": "Optimizer: \(OptimizerName.names.joined(separator: ", ")) (paper: rprop).",
        "learning_rate": "Learning rate (initial step size for rprop).",
        "batch_size": "Rows of the rating matrix per mini-batch.",
        "epochs": "Epochs when the run sets no budget.",
    ]
}
