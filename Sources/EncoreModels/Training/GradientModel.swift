/// Where the shared training loop is: which epoch, which update.
public struct TrainingStep: Sendable {
    /// 1-based epoch.
    public var epoch: Int
    /// 0-based count of optimizer updates made before this batch (Mult-VAE anneals on it).
    public var update: Int
    /// 0-based batch index within the epoch.
    public var batch: Int
    /// 0-based update within the batch (`GradientModel.updatesPerBatch`); 0 for most models.
    public var pass: Int = 0

    /// The step of `batch` in `epoch` after `update` updates (pass 0).
    public init(epoch: Int, update: Int, batch: Int, pass: Int = 0) {
        self.epoch = epoch
        self.update = update
        self.batch = batch
        self.pass = pass
    }
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
    /// Optimizer updates per batch. With more than one the loop asks `loss` once per update
    /// (`step.pass` 0, 1, ...) and applies each update before asking for the next, so a later
    /// pass sees the weights the earlier ones made (DeepRec's dense re-feeding). Default 1.
    var updatesPerBatch: Int { get }
    /// A fresh optimizer configured from the model's config, its updates using at most
    /// `threads` threads (the run's thread count).
    func makeOptimizer(threads: Int?) -> any Optimizer
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
    /// One update per batch.
    public var updatesPerBatch: Int { 1 }

    /// Trains with the shared loop.
    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        try GradientTrainer.fit(self, data: data, session: session)
    }

    /// The number of trained scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}

/// The optimizers a config can name (`"optimizer": "adam"`), shared by every gradient model so
/// that names mean the same thing everywhere. A config holds the case itself: a name is checked
/// once, when the config decodes (an unknown one is a config problem listing these values, exit
/// 64 at spec validation), and `make` cannot fail.
public enum OptimizerName: String, Sendable, Codable, CaseIterable {
    case adam, adamw, sgd, nesterov, adagrad, rmsprop, rprop

    /// Tensors of state the optimizer keeps per parameter (Adam's two moments, SGD's velocity):
    /// what `MemoryEstimate.gradientTraining` counts.
    public var stateSlots: Int {
        switch self {
        case .sgd, .nesterov, .adagrad, .rmsprop: return 1
        case .adam, .adamw, .rprop: return 2
        }
    }

    /// The names, as configs write them.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// Creates the optimizer.
    /// - Parameters:
    ///   - momentum: for `sgd` / `nesterov`.
    ///   - weightDecay: coupled L2 (decoupled for `adamw`).
    ///   - maxGradientNorm: clip gradients to this global L2 norm when set.
    ///   - threads: the most threads an update uses (the run's thread count); results do not
    ///     depend on it.
    public func make(
        learningRate: Float, momentum: Float = 0.9, weightDecay: Float = 0, maxGradientNorm: Float? = nil,
        threads: Int?
    ) -> any Optimizer {
        let optimizer: OptimizerBase
        switch self {
        case .adam: optimizer = Adam(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case .adamw: optimizer = AdamW(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case .sgd:
            optimizer = SGD(learningRate: learningRate, momentum: momentum, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case .nesterov:
            optimizer = SGD(learningRate: learningRate, momentum: momentum, nesterov: true, weightDecay: weightDecay,
                            maxGradientNorm: maxGradientNorm)
        case .adagrad: optimizer = AdaGrad(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case .rmsprop: optimizer = RMSProp(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        case .rprop: optimizer = Rprop(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm)
        }
        optimizer.threads = threads
        return optimizer
    }
}
