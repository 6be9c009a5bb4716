import Foundation

/// Mult-VAE^PR (Liang et al. 2018, "Variational Autoencoders for Collaborative Filtering", WWW).
///
/// Encoder `x → normalize → dropout → [tanh Dense]* → (μ, log σ²)`, decoder mirrored with tanh
/// hidden layers and a linear output; multinomial log-likelihood plus β·KL with β annealed
/// linearly per optimizer update, `β = min(anneal_cap, update / total_anneal_steps)`. Training
/// samples `z = μ + ε·exp(½ log σ²)` with `ε` from the batch's seeded generator; scoring uses
/// `z = μ` (the mean of q(z|x)). The input layer is a CSR × dense product: rows are L2-normalised
/// and dropout removes stored entries, so nothing of shape `[batch, items]` is densified on input.
/// Initialisation as in vae_cf (Glorot-uniform weights, N(0, 0.001²) biases); Adam 1e-3,
/// batch 500, no weight penalty. Deviations: none known.
public final class MultVAE: GradientModel, Ranker {
    /// Mult-VAE settings.
    public struct Config: Codable, Sendable, Equatable {
        /// Hidden encoder widths between the items and the latent layer (decoder mirrored).
        public var encoderSizes: [Int]
        /// Latent dimension.
        public var latentSize: Int
        /// Input dropout rate.
        public var dropout: Float
        /// Final KL weight β.
        public var annealCap: Float
        /// Updates over which β grows linearly from 0 (0: β = anneal_cap from the start).
        public var totalAnnealSteps: Int
        /// Users per batch.
        public var batchSize: Int
        /// Default epochs.
        public var epochs: Int
        /// Optimizer name (see OptimizerName).
        public var optimizer: OptimizerName
        /// Learning rate.
        public var learningRate: Float
        /// L2 penalty on weights (`loss += weight_penalty · Σ‖W‖²`).
        public var weightPenalty: Float
    }

    public static let name = "mult-vae"
    public static let task = ModelTask.ranking
    public static let summary = "Mult-VAE: variational autoencoder with multinomial likelihood and KL annealing."
    public static let paper = "Liang et al. 2018, Variational Autoencoders for Collaborative Filtering, WWW"
    public static let defaultConfig = Config(
        encoderSizes: [600], latentSize: 200, dropout: 0.5, annealCap: 0.2, totalAnnealSteps: 200_000,
        batchSize: 500, epochs: 200, optimizer: .adam, learningRate: 1e-3, weightPenalty: 0)
    public static let configHelp = [
        "encoder_sizes": "Hidden encoder widths (decoder mirrored), e.g. [600].",
        "latent_size": "Latent dimension.",
        "dropout": "Input dropout rate.",
        "anneal_cap": "Largest KL weight beta.",
        "total_anneal_steps": "Updates over which beta rises linearly to anneal_cap.",
        "batch_size": "Users per mini-batch.",
        "epochs": "Epochs when the run does not set them.",
        "optimizer": "Optimizer (adam, adamw, sgd, nesterov, adagrad, rmsprop, rprop).",
        "learning_rate": "Learning rate.",
        "weight_penalty": "L2 penalty coefficient on weights (not biases).",
    ]

    let config: Config
    let threads: Int?
    /// Encoder hidden layers (tanh), then the layer to `[μ, log σ²]`.
    let encoder: [Dense]
    /// Decoder hidden layers (tanh), the last one linear to the items.
    let decoder: [Dense]

    /// The problems of a config: widths or sizes below 1, a dropout outside `[0, 1)`, negative
    /// anneal settings or weight penalty, a learning rate <= 0, an unknown optimizer.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.sizes("encoder_sizes", config.encoderSizes, allowEmpty: true)
        checks.atLeast("latent_size", config.latentSize, 1)
        checks.rate("dropout", config.dropout)
        checks.nonNegative("anneal_cap", config.annealCap)
        checks.atLeast("total_anneal_steps", config.totalAnnealSteps, 0)
        checks.atLeast("batch_size", config.batchSize, 1)
        checks.atLeast("epochs", config.epochs, 1)
        checks.positive("learning_rate", config.learningRate)
        checks.nonNegative("weight_penalty", config.weightPenalty)
        return checks.problems
    }

    /// The encoder `items -> encoder_sizes -> 2 latent_size` and the decoder back to the items
    /// with their training state, and the activations of a training batch and of an evaluation
    /// batch at every width (the `[batch, items]` output with its softmax and gradients).
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        let items = dimensions.items, latent = config.latentSize
        let doubled = MemoryEstimate.product([2, latent])
        let parameters = MemoryEstimate.sum([
            MemoryEstimate.denseParameters([items] + config.encoderSizes + [doubled]),
            MemoryEstimate.denseParameters([latent] + config.encoderSizes.reversed() + [items]),
        ])
        let key = (config.encoderSizes.max() ?? 0) >= latent ? "encoder_sizes" : "latent_size"
        var estimate = MemoryEstimate.gradientTraining(parameters: parameters, optimizer: config.optimizer, key: key)
        let hidden = MemoryEstimate.sum(config.encoderSizes + config.encoderSizes + [doubled, latent, latent])
        let batch = min(config.batchSize, dimensions.users)
        estimate.add("batch activations [batch_size, hidden widths] (values, pre-activations, gradients)", floats: [4, batch, hidden], key: key)
        estimate.add("batch output [batch_size, items] (logits, softmax, gradients)", floats: [4, batch, items], key: "batch_size")
        estimate.add("evaluation activations [evaluation batch, hidden widths]",
                     floats: [min(dimensions.users, ModelEvaluation.defaultBatchSize), hidden], key: key)
        return estimate
    }

    /// Creates the network with seeded initialisation.
    public init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        self.config = config
        threads = context.threads
        var rng = context.rng.derive("init")
        let widths = [context.itemCount] + config.encoderSizes
        var encoder: [Dense] = []
        for (a, b) in zip(widths, widths.dropFirst()) {
            encoder.append(Dense(inputs: a, outputs: b, activation: .tanh, rng: &rng))
        }
        encoder.append(Dense(inputs: widths.last!, outputs: 2 * config.latentSize, rng: &rng))
        let back = [config.latentSize] + widths.reversed()
        var decoder: [Dense] = []
        for (index, (a, b)) in zip(back, back.dropFirst()).enumerated() {
            decoder.append(Dense(inputs: a, outputs: b, activation: index == back.count - 2 ? .identity : .tanh, rng: &rng))
        }
        RankingSupport.initializeBiases(encoder + decoder, std: 0.001, rng: &rng)
        self.encoder = encoder
        self.decoder = decoder
    }

    public var parameters: [Variable] { (encoder + decoder).flatMap(\.parameters) }
    public var batchSize: Int { config.batchSize }
    public var defaultEpochs: Int { config.epochs }
    public func exampleCount(_ data: TrainingData) -> Int { data.train.rows }

    public func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(learningRate: config.learningRate, threads: threads)
    }

    /// The KL weight β after `update` optimizer updates.
    public func klWeight(update: Int) -> Float {
        guard config.totalAnnealSteps > 0 else { return config.annealCap }
        return min(config.annealCap, Float(update) / Float(config.totalAnnealSteps))
    }

    /// `(μ, log σ²)`, each `[rows, latent]`, of the normalised (and, when training, dropped-out) input.
    func encode(_ x: SparseMatrix, mode: GradientMode, rng: inout SeededRNG) -> (Variable, Variable) {
        let input = RankingSupport.l2NormalizedRows(x).dropout(rate: config.dropout, training: mode == .recording, rng: &rng)
        var h = encoder[0](input, mode: mode, threads: threads)
        for layer in encoder.dropFirst() { h = layer(h, mode: mode, threads: threads) }
        let latent = config.latentSize
        return (h.gatherColumns(Array(0..<latent)), h.gatherColumns(Array(latent..<(2 * latent))))
    }

    func decode(_ z: Variable, mode: GradientMode) -> Variable {
        decoder.reduce(z) { h, layer in layer(h, mode: mode, threads: threads) }
    }

    /// Multinomial NLL (mean over rows) + β·KL of the batch's users.
    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let x = data.train.gatherRows(batch)
        let (mean, logVariance) = encode(x, mode: .recording, rng: &rng)
        let noise = Tensor.normal(mean.shape, rng: &rng)
        let z = mean + (logVariance * 0.5).exp() * Variable(noise)
        let logits = decode(z, mode: .recording)
        var loss = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: x, threads: threads)
        let beta = klWeight(update: step.update)
        if beta > 0 { loss = loss + Loss.gaussianKLDivergence(mean: mean, logVariance: logVariance) * beta }
        if config.weightPenalty > 0 {
            loss = loss + Loss.l2Penalty((encoder + decoder).map(\.weight), coefficient: config.weightPenalty)
        }
        return loss
    }

    /// `[history.rows, items]` decoder logits at the posterior mean.
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        requireShape(
            history.cols == encoder[0].inputs, "\(Self.name).scores: history \(history.shape) vs \(encoder[0].inputs) items")
        var unused = SeededRNG(seed: 0)
        let (mean, _) = encode(history, mode: .inference, rng: &unused)
        return decode(mean, mode: .inference).value
    }
}

extension MultVAE {
    /// Training: the sparse input layer's forward product and weight gradient over the entries
    /// input dropout keeps (`nnz·(1 − dropout)` expected), then three products per dense layer
    /// over the training rows, encoder `encoder_sizes → 2·latent_size` and decoder
    /// `latent_size → encoder_sizes reversed → items`. Evaluation: the forward products over the
    /// validation histories. Reference: the output layer's training products at `batch_size` rows.
    public func flopCount(_ data: TrainingData) -> FLOPCount? {
        let rows = data.train.rows, items = data.itemCount
        let encoderWidths = config.encoderSizes + [2 * config.latentSize]
        let decoderWidths = [config.latentSize] + config.encoderSizes.reversed() + [items]
        let kept = Double(data.train.nonzeroCount) * (1 - Double(config.dropout))
        let training = 2 * FLOPCount.sparseDense(nonzeros: kept, width: encoderWidths[0])
            + FLOPCount.denseChainTraining(rows: rows, widths: encoderWidths)
            + FLOPCount.denseChainTraining(rows: rows, widths: decoderWidths)
        let evaluation = FLOPCount.validationHistory(data).map { history in
            FLOPCount.sparseDense(nonzeros: Double(history.nonzeros), width: encoderWidths[0])
                + FLOPCount.denseChainForward(rows: history.rows, widths: encoderWidths)
                + FLOPCount.denseChainForward(rows: history.rows, widths: decoderWidths)
        }
        let reference = GEMMShape.denseLayerTraining(
            rows: min(config.batchSize, rows), inputs: decoderWidths[decoderWidths.count - 2], outputs: items)
        return FLOPCount(trainingEpoch: training, evaluation: evaluation, referenceProducts: reference)
    }
}
