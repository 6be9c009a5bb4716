import Foundation

/// RecVAE (Shenbin et al. 2020, "RecVAE: A New Variational Autoencoder for Top-N
/// Recommendations with Implicit Feedback", WSDM), as the authors' code (github
/// ilya-shenbin/RecVAE, `model.py` / `run.py`).
///
/// Encoder (`RecVAEEncoder`): L2-normalised input rows, input dropout 0.5, five densely
/// connected 600-wide layers with swish and LayerNorm (ε 0.1), linear heads to `μ` and `log σ²`
/// (200 each); decoder: one linear layer `[latent → items]`; multinomial log-likelihood. The KL
/// term is taken against the composite prior `3/20 N(0, I) + 3/4 q_old(z|x) + 1/10 N(0, e^10 I)`,
/// `q_old` the posterior of the encoder as the previous epoch's encoder phase left it (in epoch 1,
/// of a separately initialised encoder, as the authors' `encoder_old`), and weighted per user by
/// `γ · |x_u|` (`gamma`; a constant `beta` when `gamma` is 0). An epoch is the authors'
/// alternating schedule, declared as two `TrainingPhase`s: `encoder_epochs` (3) passes updating
/// the encoder with its own Adam, then `decoder_epochs` (1) passes updating the decoder with
/// another, without input dropout. Adam 5e-4, batch 500; scoring decodes `z = μ`.
///
/// Cheaper than the authors' code, same gradients: the posterior of every training user under
/// the just-trained encoder is computed once per epoch, before the decoder phase
/// (`preparePhase`); the decoder phase samples from it and the next encoder phase reads `q_old`
/// from it, where the authors run the frozen encoder again for every batch of every pass. In the
/// encoder phase the decoder enters as a constant (no decoder weight gradient is formed); in the
/// decoder phase the KL term, which cannot reach the decoder, is left out (so that phase's loss
/// is not in the curve: the curve is the encoder phase's negative ELBO). `log q(z|x)` is written
/// as `-½(log σ² + log 2π + ε²)` with `ε` the sampled noise, the same function as the authors'
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
        batchSize: 500, epochs: 50, optimizer: .adam, learningRate: 5e-4)
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
    /// The composite prior's encoder in epoch 1 (never trained; later epochs use `encoder`'s
    /// posterior from the previous epoch).
    let previousEncoder: RecVAEEncoder
    /// The decoder `[latent → items]`.
    let decoder: Dense
    /// The posterior `(μ, log σ²)` of every training user that the current phase holds
    /// constant (see `preparePhase`); nil before training.
    private var posterior: (mean: Tensor, logVariance: Tensor)?

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

    /// The trained encoder and decoder with their training state, the prior's initial encoder,
    /// the posterior of every training user, and the activations of a training batch and of an
    /// evaluation batch.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        let items = dimensions.items, hidden = config.hiddenSize, latent = config.latentSize
        // The first layer's weight and bias, the later layers', a LayerNorm gain and bias per layer.
        let hiddenParameters = MemoryEstimate.sum([
            MemoryEstimate.denseParameters([items, hidden]),
            MemoryEstimate.product([max(config.hiddenLayers - 1, 0), MemoryEstimate.denseParameters([hidden, hidden])]),
            MemoryEstimate.product([config.hiddenLayers, 2, hidden]),
        ])
        let heads = MemoryEstimate.product([2, MemoryEstimate.denseParameters([hidden, latent])])
        let encoderParameters = MemoryEstimate.sum([hiddenParameters, heads])
        let decoderParameters = MemoryEstimate.denseParameters([latent, items])
        let key = hidden >= latent ? "hidden_size" : "latent_size"
        var estimate = MemoryEstimate.gradientTraining(
            parameters: MemoryEstimate.sum([encoderParameters, decoderParameters]), optimizer: config.optimizer, key: key)
        estimate.add("the prior's initial encoder", floats: [encoderParameters], key: key)
        estimate.add("posterior of every training user [users, 2 latent_size]", floats: [2, dimensions.users, latent],
                     key: "latent_size")
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

    /// Forgets the posterior of a previous fit.
    public func prepareTraining(_ data: TrainingData) { posterior = nil }

    /// Before the decoder phase: the posterior of every training user under the encoder the
    /// encoder phase just trained (no dropout), which the decoder phase samples from and the
    /// next epoch's encoder phase uses as the prior's `q_old` (the authors' `encoder_old`,
    /// refreshed after the encoder phase). Before the encoder phase, only when there is none:
    /// that of the prior's own initial encoder in epoch 1, or of the encoder restored from a
    /// checkpoint (the state the previous epoch's encoder phase left).
    public func preparePhase(_ phase: Int, epoch: Int, data: TrainingData) {
        if phase == 1 || posterior == nil {
            posterior = posteriors(of: data.train, encoder: phase == 0 && epoch == 1 ? previousEncoder : encoder)
        }
    }

    /// `(μ, log σ²)` `[rows, latent]` of every row of `matrix` (normalised, no dropout), by
    /// batches of `batch_size` rows.
    func posteriors(of matrix: SparseMatrix, encoder: RecVAEEncoder) -> (mean: Tensor, logVariance: Tensor) {
        let latent = config.latentSize
        var mean = Tensor(uninitializedShape: [matrix.rows, latent]), logVariance = Tensor(uninitializedShape: [matrix.rows, latent])
        for start in stride(from: 0, to: matrix.rows, by: max(1, config.batchSize)) {
            let rows = start..<min(start + max(1, config.batchSize), matrix.rows)
            let (m, v) = encoder(RankingSupport.l2NormalizedRows(matrix.rows(rows)), mode: .inference, threads: threads)
            mean.withUnsafeMutableBufferPointer { target in
                m.value.withUnsafeBufferPointer { source in
                    (target.baseAddress! + start * latent).update(from: source.baseAddress!, count: source.count)
                }
            }
            logVariance.withUnsafeMutableBufferPointer { target in
                v.value.withUnsafeBufferPointer { source in
                    (target.baseAddress! + start * latent).update(from: source.baseAddress!, count: source.count)
                }
            }
        }
        return (mean, logVariance)
    }

    /// Phase 0: the negative ELBO (mean over the batch's users) with input dropout, the decoder
    /// a constant. Phase 1: the multinomial negative log-likelihood of `z` sampled from the
    /// encoder's posterior (no dropout, no graph through the encoder).
    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        guard let posterior else { fatalError("\(Self.name).loss called before preparePhase") }
        let x = data.train.gatherRows(batch)
        let previousMean = posterior.mean.gatherRows(batch), previousLogVariance = posterior.logVariance.gatherRows(batch)
        guard step.phase == 0 else {
            let noise = Tensor.normal(previousMean.shape, rng: &rng)
            let z = previousMean + (previousLogVariance * 0.5).exp() * noise
            let logits = decoder(Variable(z), mode: .recording, threads: threads)
            return Loss.multinomialNegativeLogLikelihood(logits: logits, targets: x, threads: threads)
        }
        let input = RankingSupport.l2NormalizedRows(x).dropout(rate: config.dropout, training: true, rng: &rng)
        let (mean, logVariance) = encoder(input, mode: .recording, threads: threads)
        let noise = Tensor.normal(mean.shape, rng: &rng)
        let z = mean + (logVariance * 0.5).exp() * Variable(noise)
        let logits = decoder(z, mode: .inference, threads: threads)
        let reconstruction = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: x, threads: threads)
        let logPrior = RecVAEEncoder.compositePriorLogDensity(
            z, previousMean: previousMean, previousLogVariance: previousLogVariance,
            weights: config.mixtureWeights, wideLogVariance: config.wideLogVariance)
        return reconstruction + klTerm(logPrior: logPrior, logVariance: logVariance, noise: noise, x: x)
    }

    /// `mean_u kl_weight_u · Σ_j (log q(z|x) - log p(z))_uj` with `kl_weight_u = γ |x_u|` (or β),
    /// `log q(z|x) = -½(log σ² + log 2π + ε²)`.
    func klTerm(logPrior: Variable, logVariance: Variable, noise: Tensor, x: SparseMatrix) -> Variable {
        let halfLogTwoPi = VectorMath.V(repeating: Float(0.5 * Foundation.log(2 * Double.pi)))
        let half = VectorMath.V(repeating: 0.5)
        let posteriorConstant = noise.mapLanes { e in VectorMath.V() - halfLogTwoPi - half * e * e }
        let logPosterior = logVariance * -0.5 + Variable(posteriorConstant)
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
