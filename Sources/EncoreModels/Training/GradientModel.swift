/// Where the shared training loop is: which epoch, which update, which phase of the epoch.
public struct TrainingStep: Sendable {
    /// 1-based epoch.
    public var epoch: Int
    /// 0-based count of optimizer updates made before this batch, over all phases (Mult-VAE
    /// anneals on it).
    public var update: Int
    /// 0-based batch index within the current pass over the examples.
    public var batch: Int
    /// 0-based index into the model's `trainingPhases` (0 for single-phase models).
    public var phase: Int
    /// 0-based pass within the phase (0 unless the phase makes several passes per epoch).
    public var pass: Int
    /// 0-based update within the batch (`GradientModel.updatesPerBatch`); 0 for most models.
    public var updateInBatch: Int

    /// Creates a step.
    public init(epoch: Int, update: Int, batch: Int, phase: Int = 0, pass: Int = 0, updateInBatch: Int = 0) {
        self.epoch = epoch
        self.update = update
        self.batch = batch
        self.phase = phase
        self.pass = pass
        self.updateInBatch = updateInBatch
    }
}

/// One stage of every training epoch: `passes` shuffled passes over the training examples whose
/// batch losses update only `parameters`, with the phase's own optimizer
/// (`GradientModel.makeOptimizer(threads:phase:)`).
///
/// Most models train in a single phase (the default `trainingPhases`: one pass updating every
/// parameter). Alternating schemes declare several, e.g. RecVAE's three encoder passes then one
/// decoder pass per epoch, each with its own Adam. Gradients that a phase's loss sends to
/// parameters outside the phase are discarded after the update, so a frozen part may be used
/// as a constant (cheaper) or recorded (harmless).
public struct TrainingPhase: Sendable {
    /// A short name for messages (`"encoder"`, `"decoder"`).
    public var name: String
    /// The parameters the phase's optimizer updates, in a fixed order (its state is kept by
    /// position); each must be one of the model's `parameters`.
    public var parameters: [Variable]
    /// Passes over the training examples per epoch (at least 1).
    public var passes: Int
    /// Whether the phase's batch losses count in the epoch's mean training loss (the curve).
    /// A phase whose loss leaves out terms that cannot reach its parameters (RecVAE's decoder
    /// phase skips the KL term) would otherwise mix two different quantities into the curve.
    public var reportsLoss: Bool

    /// Creates a phase.
    public init(name: String, parameters: [Variable], passes: Int = 1, reportsLoss: Bool = true) {
        self.name = name
        self.parameters = parameters
        self.passes = passes
        self.reportsLoss = reportsLoss
    }
}

/// A model trained by mini-batch gradient descent in the shared loop (`GradientTrainer`).
///
/// A conforming model says what an example is (`exampleCount`: rows of the training matrix for
/// autoencoders, rating pairs for matrix factorisation), how to compute a batch's loss, which
/// optimizer its config asks for and, when it alternates between parameter subsets, the phases
/// of its epoch (`trainingPhases`). The loop owns shuffling, batching, the optimizer, validation,
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
    /// (`step.updateInBatch` 0, 1, ...) and applies each update before asking for the next, so a later
    /// pass sees the weights the earlier ones made (DeepRec's dense re-feeding). Default 1.
    var updatesPerBatch: Int { get }
    /// A fresh optimizer configured from the model's config, its updates using at most
    /// `threads` threads (the run's thread count).
    func makeOptimizer(threads: Int?) -> any Optimizer
    /// The phases of every epoch, run in order (see `TrainingPhase`). Default: one phase, one
    /// pass, every parameter, the optimizer of `makeOptimizer(threads:)`.
    var trainingPhases: [TrainingPhase] { get }
    /// A fresh optimizer for phase `phase` (0-based index into `trainingPhases`). Default:
    /// `makeOptimizer(threads:)` for every phase.
    func makeOptimizer(threads: Int?, phase: Int) -> any Optimizer
    /// Called before each epoch (e.g. to resample negatives); `rng` is the epoch's own stream.
    func prepareEpoch(_ epoch: Int, data: TrainingData, rng: inout SeededRNG)
    /// Called before the passes of each phase in every epoch, after `prepareEpoch` (e.g. to
    /// compute once what the phase holds constant); its time counts in the epoch's.
    func preparePhase(_ phase: Int, epoch: Int, data: TrainingData)
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
    /// Does nothing by default.
    public func preparePhase(_ phase: Int, epoch: Int, data: TrainingData) {}
    /// One phase of one pass over every parameter.
    public var trainingPhases: [TrainingPhase] { [TrainingPhase(name: "all", parameters: parameters)] }
    /// `makeOptimizer(threads:)`, whatever the phase.
    public func makeOptimizer(threads: Int?, phase: Int) -> any Optimizer { makeOptimizer(threads: threads) }

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
