/// Where the shared training loop is: which epoch, which update.
public struct TrainingStep: Sendable {
    /// 1-based epoch.
    public var epoch: Int
    /// 0-based count of optimizer updates made before this batch (Mult-VAE anneals on it).
    public var update: Int
    /// 0-based batch index within the epoch.
    public var batch: Int
}

/// A model trained by mini-batch gradient descent in the shared loop (`GradientTrainer`).
///
/// A conforming model says what an example is (`exampleCount`: rows of the training matrix for
/// autoencoders, rating pairs for matrix factorisation), how to compute a batch's loss, and which
/// optimizer its config asks for. The loop owns shuffling, batching, the optimizer, validation,
/// early stopping, best-weight restoration, NaN detection and checkpoints, so every model
/// behaves the same way. `fit` comes for free.
public protocol GradientModel: Recommender {
    /// The trainable parameters in a fixed order (optimizer state and checkpoints rely on it).
    var parameters: [Variable] { get }
    /// Examples per epoch (shuffled and split into batches by the loop).
    func exampleCount(_ data: TrainingData) -> Int
    /// Examples per mini-batch.
    var batchSize: Int { get }
    /// Epochs when the session does not set `maxEpochs`.
    var defaultEpochs: Int { get }
    /// A fresh optimizer configured from the model's config.
    func makeOptimizer() -> any Optimizer
    /// Called before each epoch (e.g. to resample negatives); `rng` is the epoch's own stream.
    func prepareEpoch(_ epoch: Int, data: TrainingData, rng: inout SeededRNG)
    /// The scalar loss of one batch of example indices; the loop calls `backward()` on it.
    func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable
    /// Called once before the first epoch (e.g. to keep the training matrix for prediction).
    func prepareTraining(_ data: TrainingData)
}

extension GradientModel {
    /// Does nothing by default.
    public func prepareEpoch(_ epoch: Int, data: TrainingData, rng: inout SeededRNG) {}
    /// Does nothing by default.
    public func prepareTraining(_ data: TrainingData) {}

    /// Trains with the shared loop.
    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        try GradientTrainer.fit(self, data: data, session: session)
    }

    /// The number of trained scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// Builds the optimizer a config names; shared by every gradient model so names mean the same
/// thing everywhere (`adam`, `adamw`, `sgd`, `nesterov`, `adagrad`, `rmsprop`, `rprop`).
public enum OptimizerFactory {
    /// The names accepted in configs.
    public static let names = ["adam", "adamw", "sgd", "nesterov", "adagrad", "rmsprop", "rprop"]

    /// Tensors of state each optimizer keeps per parameter (Adam's two moments, SGD's velocity):
    /// what `MemoryEstimate.gradientTraining` counts. An unknown name counts as the most (2).
    public static func stateSlots(for name: String) -> Int {
        switch name {
        case "sgd", "nesterov", "adagrad", "rmsprop": return 1
        default: return 2
        }
    }

    /// Creates the optimizer `name`.
    /// - Parameters:
    ///   - momentum: for `sgd` / `nesterov`.
    ///   - weightDecay: coupled L2 (decoupled for `adamw`).
    /// - Throws: `ModelError.invalidConfig` for an unknown name.
    public static func make(
        _ name: String, learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0,
        maxGradientNorm: Float? = nil
    ) throws -> any Optimizer {
        switch name {
        case "adam": return Adam(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case "adamw": return AdamW(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case "sgd": return SGD(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case "nesterov":
            return SGD(learningRate: learningRate, momentum: momentum, nesterov: true, weightDecay: weightDecay,
                       maxGradientNorm: maxGradientNorm)
        case "adagrad": return AdaGrad(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case "rmsprop": return RMSProp(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case "rprop": return Rprop(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        default:
            throw ModelError.invalidConfig("unknown optimizer '\(name)'; expected one of \(names.joined(separator: ", "))")
        }
    }
}
