import Foundation

/// Mult-DAE (Liang et al. 2018, "Variational Autoencoders for Collaborative Filtering", WWW):
/// the denoising autoencoder with multinomial likelihood, `[I-200-I]` by default.
///
/// `x → L2-normalise → dropout (0.5) → tanh Dense → … → linear Dense → softmax`; loss the
/// multinomial negative log-likelihood (mean over users) plus `weight_penalty · Σ‖W‖²` over the
/// weights (vae_cf: λ = 0.01 / batch size = 2e-5); Glorot-uniform weights, N(0, 0.001²) biases,
/// Adam 1e-3, batch 500. The input layer is a CSR × dense product. Deviations: none known.
public final class MultDAE: GradientModel, Ranker {
    /// Mult-DAE settings.
    public struct Config: Codable, Sendable, Equatable {
        /// Hidden widths from the items to the code (decoder mirrored), e.g. [200].
        public var hiddenSizes: [Int]
        /// Input dropout rate.
        public var dropout: Float
        /// L2 penalty on weights (`loss += weight_penalty · Σ‖W‖²`).
        public var weightPenalty: Float
        /// Users per batch.
        public var batchSize: Int
        /// Default epochs.
        public var epochs: Int
        /// Optimizer name.
        public var optimizer: OptimizerName
        /// Learning rate.
        public var learningRate: Float
    }

    public static let name = "mult-dae"
    public static let task = ModelTask.ranking
    public static let summary = "Mult-DAE: denoising autoencoder with multinomial likelihood."
    public static let paper = "Liang et al. 2018, Variational Autoencoders for Collaborative Filtering, WWW"
    public static let defaultConfig = Config(
        hiddenSizes: [200], dropout: 0.5, weightPenalty: 2e-5, batchSize: 500, epochs: 200, optimizer: .adam,
        learningRate: 1e-3)
    public static let configHelp = [
        "hidden_sizes": "Widths from the items to the code, e.g. [200]; the decoder mirrors them.",
        "dropout": "Input dropout rate.",
        "weight_penalty": "L2 penalty coefficient on weights (vae_cf: 0.01 / batch size).",
        "batch_size": "Users per mini-batch.",
        "epochs": "Epochs when the run does not set them.",
        "optimizer": "Optimizer (adam, adamw, sgd, nesterov, adagrad, rmsprop, rprop).",
        "learning_rate": "Learning rate.",
    ]

    let config: Config
    let threads: Int?
    /// All layers, input to output; tanh on all but the last.
    let layers: [Dense]

    /// The problems of a config: empty or non-positive widths, a dropout outside `[0, 1)`, a
    /// negative weight penalty, sizes below 1, a learning rate <= 0, an unknown optimizer.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.sizes("hidden_sizes", config.hiddenSizes)
        checks.rate("dropout", config.dropout)
        checks.nonNegative("weight_penalty", config.weightPenalty)
        checks.atLeast("batch_size", config.batchSize, 1)
        checks.atLeast("epochs", config.epochs, 1)
        checks.positive("learning_rate", config.learningRate)
        return checks.problems
    }

    /// The layers `items -> hidden_sizes -> ... -> items` with their training state, and the
    /// activations of a training batch and of an evaluation batch at every width (the
    /// `[batch, items]` output with its softmax and gradients).
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        let widths = [dimensions.items] + config.hiddenSizes + config.hiddenSizes.dropLast().reversed() + [dimensions.items]
        var estimate = MemoryEstimate.gradientTraining(
            parameters: MemoryEstimate.denseParameters(widths), optimizer: config.optimizer, key: "hidden_sizes")
        let hidden = MemoryEstimate.sum(Array(widths.dropFirst().dropLast()))
        let batch = min(config.batchSize, dimensions.users)
        estimate.add("batch activations [batch_size, hidden_sizes...] (values, pre-activations, gradients)",
                     floats: [4, batch, hidden], key: "hidden_sizes")
        estimate.add("batch output [batch_size, items] (logits, softmax, gradients)", floats: [4, batch, dimensions.items], key: "batch_size")
        estimate.add("evaluation activations [evaluation batch, hidden_sizes...]",
                     floats: [min(dimensions.users, ModelEvaluation.defaultBatchSize), hidden], key: "hidden_sizes")
        return estimate
    }

    /// Creates the network with seeded initialisation.
    public init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        self.config = config
        threads = context.threads
        var rng = context.rng.derive("init")
        let widths = [context.itemCount] + config.hiddenSizes + config.hiddenSizes.dropLast().reversed() + [context.itemCount]
        var layers: [Dense] = []
        for (index, (a, b)) in zip(widths, widths.dropFirst()).enumerated() {
            layers.append(Dense(inputs: a, outputs: b, activation: index == widths.count - 2 ? .identity : .tanh, rng: &rng))
        }
        RankingSupport.initializeBiases(layers, std: 0.001, rng: &rng)
        self.layers = layers
    }

    public var parameters: [Variable] { layers.flatMap(\.parameters) }
    public var batchSize: Int { config.batchSize }
    public var defaultEpochs: Int { config.epochs }
    public func exampleCount(_ data: TrainingData) -> Int { data.train.rows }

    public func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(learningRate: config.learningRate, threads: threads)
    }

    func forward(_ x: SparseMatrix, mode: GradientMode, rng: inout SeededRNG) -> Variable {
        let input = RankingSupport.l2NormalizedRows(x).dropout(rate: config.dropout, training: mode == .recording, rng: &rng)
        let first = layers[0](input, mode: mode, threads: threads)
        return layers.dropFirst().reduce(first) { h, layer in layer(h, mode: mode, threads: threads) }
    }

    /// Multinomial NLL (mean over the batch's users) plus the weight penalty.
    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let x = data.train.gatherRows(batch)
        let logits = forward(x, mode: .recording, rng: &rng)
        let loss = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: x, threads: threads)
        guard config.weightPenalty > 0 else { return loss }
        return loss + Loss.l2Penalty(layers.map(\.weight), coefficient: config.weightPenalty)
    }

    /// `[history.rows, items]` output logits.
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        requireShape(
            history.cols == layers[0].inputs, "\(Self.name).scores: history \(history.shape) vs \(layers[0].inputs) items")
        var unused = SeededRNG(seed: 0)
        return forward(history, mode: .inference, rng: &unused).value
    }
}

extension MultDAE {
    /// Training: the sparse input layer's forward product and weight gradient over the entries
    /// input dropout keeps (`nnz·(1 − dropout)` expected), then three products per dense layer
    /// over the training rows (`hidden_sizes → mirrored → items`). Evaluation: the forward
    /// products over the validation histories. Reference: the output layer's training products at
    /// `batch_size` rows.
    public func flopCount(_ data: TrainingData) -> FLOPCount? {
        let rows = data.train.rows, items = data.itemCount
        let dense = config.hiddenSizes + config.hiddenSizes.dropLast().reversed() + [items]
        let kept = Double(data.train.nonzeroCount) * (1 - Double(config.dropout))
        let training = 2 * FLOPCount.sparseDense(nonzeros: kept, width: dense[0])
            + FLOPCount.denseChainTraining(rows: rows, widths: dense)
        let evaluation = FLOPCount.validationHistory(data).map { history in
            FLOPCount.sparseDense(nonzeros: Double(history.nonzeros), width: dense[0])
                + FLOPCount.denseChainForward(rows: history.rows, widths: dense)
        }
        let reference = GEMMShape.denseLayerTraining(
            rows: min(config.batchSize, rows), inputs: dense[dense.count - 2], outputs: items)
        return FLOPCount(trainingEpoch: training, evaluation: evaluation, referenceProducts: reference)
    }
}
