import Foundation

/// RecVAE (Shenbin et al. 2020, "RecVAE: A New Variational Autoencoder for Top-N
/// Recommendations with Implicit Feedback", WSDM), as the authors' code (github
/// ilya-shenbin/RecVAE, `model.py` / `run.py`).
///
/// Encoder (`RecVAEEncoder`): L2-normalised input rows, input dropout 0.5, five densely
/// connected 600-wide layers with swish and LayerNorm (ε 0.1), linear heads to `μ` and `log σ²`
/// (200 each); decoder: one linear layer `[latent → items]`; multinomial log-likelihood. The KL
/// term is taken against the composite prior `3/20 N(0, I) + 3/4 q_old(z|x) + 1/10 N(0, e^10 I)`,
/// `q_old` the posterior of a frozen copy of the encoder refreshed at the start of every epoch
/// (the authors refresh it after the encoder updates, which is the same state), and weighted per
/// user by `γ · |x_u|` (`gamma`; a constant `beta` when `gamma` is 0). An epoch is the authors'
/// alternating schedule, declared as two `TrainingPhase`s: `encoder_epochs` (3) passes updating
/// the encoder with its own Adam, then `decoder_epochs` (1) passes updating the decoder with
/// another, without input dropout. Adam 5e-4, batch 500; scoring decodes `z = μ`.
///
/// Cheaper than the authors' code, same gradients: in the encoder phase the decoder enters as a
/// constant (no decoder weight gradient is formed); in the decoder phase the encoder runs without
/// a graph and the KL term, which cannot reach the decoder, is left out (so that phase's loss is
/// not in the curve: the curve is the encoder phase's negative ELBO). `log q(z|x)` is written as
/// `-½(log σ² + log 2π + ε²)` with `ε` the sampled noise, the same function as the authors'
/// `(z - μ)² / σ²` form. Deviations: none known besides the random number streams.
public final class RecVAE: GradientModel, Ranker {
    /// RecVAE settings.
    public struct Config: Codable, Sendable, Equatable {
        /// Width of every hidden encoder layer.
        public var hiddenSize: Int
        /// Densely connected hidden encoder layers.
        public var hiddenLayers: Int
        /// Latent dimension.
        public var latentSize: Int
        /// Input dropout rate of the encoder phase.
        public var dropout: Float
        /// KL weight per interaction: user `u`'s KL term is weighted by `gamma · |x_u|`; 0 uses `beta`.
        public var gamma: Float
        /// Constant KL weight, used when `gamma` is 0.
        public var beta: Float
        /// Weights of the standard normal, the previous posterior and the wide normal.
        public var mixtureWeights: [Float]
        /// Log-variance of the wide prior component.
        public var wideLogVariance: Float
        /// Encoder passes over the training users per epoch.
        public var encoderEpochs: Int
        /// Decoder passes over the training users per epoch.
        public var decoderEpochs: Int
        /// Users per batch.
        public var batchSize: Int
        /// Default epochs.
        public var epochs: Int
        /// Optimizer of both phases (see OptimizerName).
        public var optimizer: OptimizerName
        /// Learning rate of both phases.
        public var learningRate: Float
    }

    public static let name = "recvae"
    public static let task = ModelTask.ranking
    public static let summary = "RecVAE: Mult-VAE with a dense LayerNorm encoder, composite prior, per-user beta and alternating updates."
    public static let paper = "Shenbin et al. 2020, RecVAE: A New Variational Autoencoder for Top-N Recommendations with Implicit Feedback, WSDM"
    public static let defaultConfig = Config(
        hiddenSize: 600, hiddenLayers: 5, latentSize: 200, dropout: 0.5, gamma: 0.005, beta: 0.2,
        mixtureWeights: [3.0 / 20, 3.0 / 4, 1.0 / 10], wideLogVariance: 10, encoderEpochs: 3, decoderEpochs: 1,
        batchSize: 500, epochs: 100, optimizer: .adam, learningRate: 5e-4)
    public static let configHelp = [
        "hidden_size": "Width of every hidden encoder layer.",
        "hidden_layers": "Densely connected hidden encoder layers (swish, LayerNorm).",
        "latent_size": "Latent dimension.",
        "dropout": "Input dropout rate while the encoder trains (the decoder phase uses none).",
        "gamma": "KL weight per interaction: a user's KL term is weighted by gamma x their interaction count; 0 uses beta.",
        "beta": "Constant KL weight, used only when gamma is 0.",
        "mixture_weights": "Composite prior weights: standard normal, previous epoch's posterior, wide normal.",
        "wide_log_variance": "Log-variance of the wide prior component.",
        "encoder_epochs": "Encoder passes over the training users per epoch (own optimizer).",
        "decoder_epochs": "Decoder passes over the training users per epoch (own optimizer).",
        "batch_size": "Users per mini-batch.",
        "epochs": "Epochs when the run does not set them (each is encoder_epochs + decoder_epochs passes).",
        "optimizer": "Optimizer of both phases (adam, adamw, sgd, nesterov, adagrad, rmsprop, rprop).",
        "learning_rate": "Learning rate of both phases.",
    ]

    let config: Config
    let threads: Int?
    /// The trained encoder.
    let encoder: RecVAEEncoder
    /// The composite prior's frozen copy (never trained; refreshed from `encoder`).
    let previousEncoder: RecVAEEncoder
    /// The decoder `[latent → items]`.
    let decoder: Dense

    /// The problems of a config: sizes, layer and pass counts below 1, a dropout outside
    /// `[0, 1)`, a negative gamma or beta, mixture weights that are not three numbers > 0, a
    /// learning rate <= 0.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.atLeast("hidden_size", config.hiddenSize, 1)
        checks.atLeast("hidden_layers", config.hiddenLayers, 1)
        checks.atLeast("latent_size", config.latentSize, 1)
        checks.rate("dropout", config.dropout)
        checks.nonNegative("gamma", config.gamma)
        checks.nonNegative("beta", config.beta)
        checks.require(config.mixtureWeights.count == 3, key: "mixture_weights", expected: "an array of 3 numbers > 0",
                       found: "\(config.mixtureWeights.count) values")
        for (index, weight) in config.mixtureWeights.enumerated() { checks.positive("mixture_weights[\(index)]", weight) }
        checks.number("wide_log_variance", config.wideLogVariance, in: -80...80)
        checks.atLeast("encoder_epochs", config.encoderEpochs, 1)
        checks.atLeast("decoder_epochs", config.decoderEpochs, 1)
        checks.atLeast("batch_size", config.batchSize, 1)
        checks.atLeast("epochs", config.epochs, 1)
        checks.positive("learning_rate", config.learningRate)
        return checks.problems
    }

    /// The trained encoder and decoder with their training state, the prior's copy of the
    /// encoder, and the activations of a training batch and of an evaluation batch.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        let items = dimensions.items, hidden = config.hiddenSize, latent = config.latentSize
        let hiddenParameters = MemoryEstimate.sum([
            MemoryEstimate.product([items, hidden]),
            MemoryEstimate.product([max(config.hiddenLayers - 1, 0), MemoryEstimate.sum([MemoryEstimate.product([hidden, hidden]), hidden])]),
            MemoryEstimate.product([config.hiddenLayers, 3, hidden]),
        ])
        let encoderParameters = MemoryEstimate.sum([hiddenParameters, MemoryEstimate.product([2, MemoryEstimate.sum([MemoryEstimate.product([hidden, latent]), latent])])])
        let decoderParameters = MemoryEstimate.denseParameters([latent, items])
        let key = hidden >= latent ? "hidden_size" : "latent_size"
        var estimate = MemoryEstimate.gradientTraining(
            parameters: MemoryEstimate.sum([encoderParameters, decoderParameters]), optimizer: config.optimizer, key: key)
        estimate.add("the prior's copy of the encoder", floats: [encoderParameters], key: key)
        let batch = min(config.batchSize, dimensions.users)
        // Per hidden layer: linear output, sum, swish, normalised rows, output, gradients.
        let widths = MemoryEstimate.sum([MemoryEstimate.product([6, config.hiddenLayers, hidden]), MemoryEstimate.product([8, latent])])
        estimate.add("batch activations [batch_size, hidden widths] (both encoders, gradients)", floats: [2, batch, widths], key: key)
        estimate.add("batch output [batch_size, items] (logits, exponentials, gradients)", floats: [3, batch, items], key: "batch_size")
        estimate.add("evaluation activations [evaluation batch, hidden widths]",
                     floats: [min(dimensions.users, ModelEvaluation.defaultBatchSize), widths], key: key)
        return estimate
    }

    /// Creates the network with seeded initialisation (the prior's encoder has its own draws,
    /// as the authors' separately constructed `encoder_old`).
    public init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        self.config = config
        threads = context.threads
        var rng = context.rng.derive("init")
        encoder = RecVAEEncoder(
            items: context.itemCount, hiddenSize: config.hiddenSize, hiddenLayers: config.hiddenLayers,
            latentSize: config.latentSize, rng: &rng)
        decoder = RecVAEEncoder.linear(config.latentSize, context.itemCount, rng: &rng)
        var priorRNG = context.rng.derive("prior")
        previousEncoder = RecVAEEncoder(
            items: context.itemCount, hiddenSize: config.hiddenSize, hiddenLayers: config.hiddenLayers,
            latentSize: config.latentSize, rng: &priorRNG)
    }

    public var parameters: [Variable] { encoder.parameters + decoder.parameters }
    public var batchSize: Int { config.batchSize }
    public var defaultEpochs: Int { config.epochs }
    public func exampleCount(_ data: TrainingData) -> Int { data.train.rows }

    public func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(learningRate: config.learningRate, threads: threads)
    }

    /// Phase 0: `encoder_epochs` passes over the encoder; phase 1: `decoder_epochs` passes over
    /// the decoder, its loss (reconstruction only) kept out of the curve. Each phase gets its
    /// own optimizer (`makeOptimizer(threads:phase:)`'s default makes a fresh one per phase).
    public var trainingPhases: [TrainingPhase] {
        [TrainingPhase(name: "encoder", parameters: encoder.parameters, passes: config.encoderEpochs),
         TrainingPhase(name: "decoder", parameters: decoder.parameters, passes: config.decoderEpochs, reportsLoss: false)]
    }

    /// Refreshes the prior's encoder from the trained one before every epoch after the first:
    /// the encoder as the previous epoch's encoder phase left it (the decoder phase does not
    /// change it), so a run resumed from a checkpoint refreshes it the same way.
    public func prepareEpoch(_ epoch: Int, data: TrainingData, rng: inout SeededRNG) {
        if epoch > 1 { previousEncoder.copyValues(from: encoder) }
    }

    /// Phase 0: the negative ELBO (mean over the batch's users) with input dropout, the decoder
    /// a constant. Phase 1: the multinomial negative log-likelihood of `z` sampled from the
    /// encoder's posterior (no dropout, no graph through the encoder).
    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let x = data.train.gatherRows(batch)
        let normalized = RankingSupport.l2NormalizedRows(x)
        guard step.phase == 0 else {
            let (mean, logVariance) = encoder(normalized, mode: .inference, threads: threads)
            let noise = Tensor.normal(mean.shape, rng: &rng)
            let z = mean.value + (logVariance.value * 0.5).exp() * noise
            let logits = decoder(Variable(z), mode: .recording, threads: threads)
            return Loss.multinomialNegativeLogLikelihood(logits: logits, targets: x, threads: threads)
        }
        let input = normalized.dropout(rate: config.dropout, training: true, rng: &rng)
        let (mean, logVariance) = encoder(input, mode: .recording, threads: threads)
        let noise = Tensor.normal(mean.shape, rng: &rng)
        let z = mean + (logVariance * 0.5).exp() * Variable(noise)
        let logits = decoder(z, mode: .inference, threads: threads)
        let reconstruction = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: x, threads: threads)
        return reconstruction + klTerm(z: z, logVariance: logVariance, noise: noise, normalized: normalized, x: x)
    }

    /// `mean_u kl_weight_u · Σ_j (log q(z|x) - log p(z))_uj` with `kl_weight_u = γ |x_u|` (or β).
    func klTerm(z: Variable, logVariance: Variable, noise: Tensor, normalized: SparseMatrix, x: SparseMatrix) -> Variable {
        let halfLogTwoPi = VectorMath.V(repeating: Float(0.5 * Foundation.log(2 * Double.pi)))
        let half = VectorMath.V(repeating: 0.5)
        let posteriorConstant = noise.mapLanes { e in VectorMath.V() - halfLogTwoPi - half * e * e }
        let logPosterior = logVariance * -0.5 + Variable(posteriorConstant)
        let (previousMean, previousLogVariance) = previousEncoder(normalized, mode: .inference, threads: threads)
        let logPrior = RecVAEEncoder.compositePriorLogDensity(
            z, previousMean: previousMean.value, previousLogVariance: previousLogVariance.value,
            weights: config.mixtureWeights, wideLogVariance: config.wideLogVariance)
        var weights = Tensor(shape: [x.rows, 1])
        for row in 0..<x.rows {
            var count: Float = 0
            for e in x.rowPointers[row]..<x.rowPointers[row + 1] { count += x.values[e] }
            weights[row] = config.gamma > 0 ? config.gamma * count : config.beta
        }
        return ((logPosterior - logPrior).rowSums() * Variable(weights)).sum().scaled(by: 1 / Float(max(x.rows, 1)))
    }

    /// `[history.rows, items]` decoder logits at the posterior mean.
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        requireShape(
            history.cols == decoder.outputs, "\(Self.name).scores: history \(history.shape) vs \(decoder.outputs) items")
        let (mean, _) = encoder(RankingSupport.l2NormalizedRows(history), mode: .inference, threads: threads)
        return decoder(mean, mode: .inference, threads: threads).value
    }
}
