import Foundation

/// SVAE (Sachdeva, Manco, Ritacco, Pudi 2019, "Sequential Variational Autoencoders for
/// Collaborative Filtering", WSDM): a variational autoencoder over each step of a user's
/// time-ordered history.
///
/// Network, per step `t` of a sequence: item embedding (`item_embedding_size`, 256) -> GRU
/// (`rnn_size`, 200; PyTorch's gate equations, see `GRU`) -> dense `hidden_size` (150, tanh) ->
/// `[mu, log sigma^2]` (`latent_size` 64 each) -> decoder dense 150 (tanh) -> logits over all items.
/// The loss of a user with sequence `s_0 ... s_L` sums over the steps `t < L` the multinomial
/// negative log-likelihood of the next `next_k` items `s_{t+1} ... s_{t+k}` under the softmax
/// of step `t`'s logits, divided by the number of targets of the first step (as the authors'
/// notebook), plus `beta` times the KL term averaged over steps; `beta` grows per update to
/// `anneal_cap` over `total_anneal_steps` (as Mult-VAE). Training samples
/// `z = mu + exp(log sigma^2 / 2) * eps`; scoring runs the whole fold-in sequence and ranks with
/// the decoder output at its last step, at `z = mu`.
///
/// Batching: `batch_size` users run together, their steps packed one user after another: the
/// embedding lookup, the GRU's input projection, the encoder and the decoder are each one GEMM
/// over every step of the batch (the output layer `[steps, 150] x [150, items]` included),
/// and only the recurrent product runs per step. The batch loss is the mean of the users' losses,
/// so one update averages the gradients of `batch_size` users where the notebook takes one
/// update per user: an epoch makes `users / batch_size` updates, which also slows the KL
/// annealing (counted in updates) and the per-update weight decay by that factor.
///
/// Cost: about 5.2 MFLOP of GEMM per training step (output layer 71%); an ML-1M epoch of its
/// protocol is 2.17 TFLOP (docs/models-ranking.md has the measured GFLOP/s).
///
/// Reads `TrainingData.trainSequences` and `RankingTargets.historySequences` (the
/// strong-generalization protocol keeps them; `"fold_in_order": "time"` reproduces the paper's
/// split); without them rows are read in item order, which loses what the model is for.
///
/// Deviations from the authors' notebook (`main_svae.ipynb`):
/// - users are batched (above; the notebook's batch is one user);
/// - the second half of the encoder output is a log-variance in both the sample and the KL term
///   (the notebook samples with `exp(log_sigma)` as the standard deviation but uses it as a
///   log-variance in the KL);
/// - the KL term is averaged over all steps of the batch (the notebook: over the steps of
///   its one user);
/// - scoring feeds the whole fold-in and uses `z = mu` (the notebook drops the last fold-in item
///   from the input and samples `z` at evaluation too);
/// - linear biases start at zero (PyTorch: uniform in `±1/sqrt(fan_in)`); weights are Glorot
///   normal, the embedding N(0, 1) and the GRU uniform in `±1/sqrt(rnn_size)`, as in PyTorch;
/// - gradient-norm clipping (`clip_norm`) is off by default: the notebook declares
///   `exploding_clip` 0.25 but its training loop never applies it.
/// Defaults otherwise follow the notebook (Adam, coupled L2 weight decay 5e-3, 25 epochs,
/// `next_k` 4), except `batch_size` 8 with learning rate 2e-3 (the notebook: one user per update
/// at PyTorch's default 1e-3; its `learning_rate` applies only to Adagrad), chosen on ML-1M
/// validation users (`experiments/ml1m-sequential.json`, seed 1): after two epochs, validation
/// ndcg@100 0.14 with 32 users per update at 1e-3 against 0.26 with 8 at 2e-3.
public final class SVAE: GradientModel, Ranker {
    /// SVAE settings.
    public struct Config: Codable, Sendable, Equatable {
        /// Width of the item embedding.
        public var itemEmbeddingSize: Int
        /// GRU state width.
        public var rnnSize: Int
        /// Width of the dense layers of the encoder and the decoder.
        public var hiddenSize: Int
        /// Latent dimension.
        public var latentSize: Int
        /// Items after each step that the step's softmax should predict.
        public var nextK: Int
        /// Final KL weight beta.
        public var annealCap: Float
        /// Updates over which beta grows linearly from 0 (0: beta = anneal_cap from the start).
        public var totalAnnealSteps: Int
        /// Users per batch.
        public var batchSize: Int
        /// Default epochs.
        public var epochs: Int
        /// Optimizer name (see OptimizerName).
        public var optimizer: OptimizerName
        /// Learning rate.
        public var learningRate: Float
        /// Weight decay (coupled L2 added to the gradient; decoupled for `adamw`).
        public var weightDecay: Float
        /// Largest global gradient norm (0: no clipping).
        public var clipNorm: Float
    }

    public static let name = "svae"
    public static let task = ModelTask.ranking
    public static let summary = "SVAE: sequential VAE (GRU over the time-ordered history, next-k multinomial loss)."
    public static let paper = "Sachdeva et al. 2019, Sequential Variational Autoencoders for Collaborative Filtering, WSDM"
    public static let defaultConfig = Config(
        itemEmbeddingSize: 256, rnnSize: 200, hiddenSize: 150, latentSize: 64, nextK: 4, annealCap: 0.2,
        totalAnnealSteps: 200_000, batchSize: 8, epochs: 25, optimizer: .adam, learningRate: 2e-3,
        weightDecay: 5e-3, clipNorm: 0)
    public static let configHelp = [
        "item_embedding_size": "Width of the item embedding.",
        "rnn_size": "GRU state width.",
        "hidden_size": "Width of the dense tanh layers of encoder and decoder.",
        "latent_size": "Latent dimension.",
        "next_k": "How many following items each step predicts.",
        "anneal_cap": "Largest KL weight beta.",
        "total_anneal_steps": "Updates over which beta rises linearly to anneal_cap.",
        "batch_size": "Users per mini-batch (the paper: 1).",
        "epochs": "Epochs when the run does not set them.",
        "optimizer": "Optimizer (adam, adamw, sgd, nesterov, adagrad, rmsprop, rprop).",
        "learning_rate": "Learning rate.",
        "weight_decay": "L2 weight decay added to the gradient (decoupled for adamw).",
        "clip_norm": "Largest global gradient L2 norm per update; 0 disables clipping.",
    ]

    /// Users scored together: bounds the `[steps, embedding]` input when scoring.
    static let scoringChunk = 64

    let config: Config
    let threads: Int?
    let itemCount: Int
    let embedding: Embedding
    let recurrent: GRU
    /// `rnn_size -> hidden_size` (tanh).
    let encoder: Dense
    /// `hidden_size -> [mu, log sigma^2]`.
    let latent: Dense
    /// `latent_size -> hidden_size` (tanh), then `hidden_size -> items`.
    let decoder: [Dense]
    /// The training sequences, kept by `prepareTraining`.
    private var trainingSequences: InteractionSequences?

    /// Creates the network with seeded initialisation.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.atLeast("item_embedding_size", config.itemEmbeddingSize, 1)
        checks.atLeast("rnn_size", config.rnnSize, 1)
        checks.atLeast("hidden_size", config.hiddenSize, 1)
        checks.atLeast("latent_size", config.latentSize, 1)
        checks.atLeast("next_k", config.nextK, 1)
        checks.nonNegative("anneal_cap", config.annealCap)
        checks.atLeast("total_anneal_steps", config.totalAnnealSteps, 0)
        checks.atLeast("batch_size", config.batchSize, 1)
        checks.atLeast("epochs", config.epochs, 1)
        checks.positive("learning_rate", config.learningRate)
        checks.nonNegative("weight_decay", config.weightDecay)
        checks.nonNegative("clip_norm", config.clipNorm)
        return checks.problems
    }

    /// The item embedding, the GRU, the dense layers and the `hidden -> items` output layer with
    /// their training state, and a batch's activations: every step of `batch_size` histories of
    /// the data's mean length (rounded up) at every width, the `[steps, items]` output (logits,
    /// softmax, gradients) dominating.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        let items = dimensions.items, rnn = config.rnnSize, embedding = config.itemEmbeddingSize
        let parameters = MemoryEstimate.sum([
            MemoryEstimate.product([items, embedding]),
            MemoryEstimate.product([3, rnn, MemoryEstimate.sum([embedding, rnn, 2])]),
            MemoryEstimate.denseParameters([rnn, config.hiddenSize, MemoryEstimate.product([2, config.latentSize])]),
            MemoryEstimate.denseParameters([config.latentSize, config.hiddenSize, items]),
        ])
        var estimate = MemoryEstimate.gradientTraining(parameters: parameters, optimizer: config.optimizer, key: "item_embedding_size")
        let meanLength = (dimensions.interactions + max(1, dimensions.users) - 1) / max(1, dimensions.users)
        let steps = min(dimensions.interactions, MemoryEstimate.product([min(config.batchSize, dimensions.users), meanLength]))
        let widths = MemoryEstimate.sum([embedding, MemoryEstimate.product([4, rnn]), config.hiddenSize,
                                         MemoryEstimate.product([3, config.latentSize]), config.hiddenSize])
        estimate.add("batch activations [steps, widths] (values, gradients)", floats: [3, steps, widths], key: "rnn_size")
        estimate.add("batch output [steps, items] (logits, softmax, gradients)", floats: [3, steps, items], key: "batch_size")
        return estimate
    }

    public init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        self.config = config
        threads = context.threads
        itemCount = context.itemCount
        var rng = context.rng.derive("init")
        embedding = Embedding(count: context.itemCount, dimension: config.itemEmbeddingSize, rng: &rng)
        recurrent = GRU(inputs: config.itemEmbeddingSize, hidden: config.rnnSize, rng: &rng)
        encoder = Dense(inputs: config.rnnSize, outputs: config.hiddenSize, activation: .tanh, initializer: .glorotNormal, rng: &rng)
        latent = Dense(inputs: config.hiddenSize, outputs: 2 * config.latentSize, initializer: .glorotNormal, rng: &rng)
        decoder = [
            Dense(inputs: config.latentSize, outputs: config.hiddenSize, activation: .tanh, initializer: .glorotNormal, rng: &rng),
            Dense(inputs: config.hiddenSize, outputs: context.itemCount, initializer: .glorotNormal, rng: &rng),
        ]
    }

    public var parameters: [Variable] {
        embedding.parameters + recurrent.parameters + ([encoder, latent] + decoder).flatMap(\.parameters)
    }
    public var batchSize: Int { config.batchSize }
    public var defaultEpochs: Int { config.epochs }
    public func exampleCount(_ data: TrainingData) -> Int { data.train.rows }

    public func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(
            learningRate: config.learningRate, weightDecay: config.weightDecay,
            maxGradientNorm: config.clipNorm > 0 ? config.clipNorm : nil, threads: threads)
    }

    public func prepareTraining(_ data: TrainingData) { trainingSequences = data.orderedTrain }

    /// The KL weight beta after `update` optimizer updates.
    public func klWeight(update: Int) -> Float {
        guard config.totalAnnealSteps > 0 else { return config.annealCap }
        return min(config.annealCap, Float(update) / Float(config.totalAnnealSteps))
    }

    /// The GRU states `[steps, rnn_size]` of `sequences` (each fed whole), packed: the steps of
    /// sequence 0, then those of sequence 1, ... A negative item is a zero embedding.
    func states(_ sequences: [ArraySlice<Int32>], mode: GradientMode) -> Variable {
        let items = sequences.flatMap { $0.map { Int($0) } }
        return recurrent.packed(embedding(items, mode: mode), lengths: sequences.map(\.count), mode: mode, threads: threads)
    }

    /// `[mu, log sigma^2]`, `[rows, 2 * latent]`, of GRU states `[rows, rnn_size]`.
    func encode(_ states: Variable, mode: GradientMode) -> Variable {
        latent(encoder(states, mode: mode, threads: threads), mode: mode, threads: threads)
    }

    func decode(_ z: Variable, mode: GradientMode) -> Variable {
        decoder.reduce(z) { h, layer in layer(h, mode: mode, threads: threads) }
    }

    /// The next-k targets of every step, `[steps, items]`: row of step `t` of a user
    /// holds `s_{t+1} ... s_{t+k}`, each weighted `1 / (first step's target count * users)` so
    /// that the summed loss is the mean over users of the notebook's per-user loss.
    func nextItemTargets(_ sequences: [ArraySlice<Int32>]) -> SparseMatrix {
        var pointers = [0], columns: [Int32] = [], values: [Float] = []
        let k = config.nextK
        for sequence in sequences {
            let items = Array(sequence)
            let weight = 1 / Float(min(k, items.count - 1) * sequences.count)
            for t in 0..<(items.count - 1) {
                var next = Array(items[(t + 1)..<min(t + 1 + k, items.count)])
                next.sort()
                for (index, item) in next.enumerated() {
                    if index > 0 && next[index - 1] == item { values[values.count - 1] += weight; continue }
                    columns.append(item)
                    values.append(weight)
                }
                pointers.append(columns.count)
            }
        }
        return SparseMatrix(rows: pointers.count - 1, cols: itemCount, rowPointers: pointers, columnIndices: columns, values: values)
    }

    /// The mean over the batch's users of the summed next-k multinomial NLL, plus beta times the
    /// KL term averaged over steps. Users with fewer than two interactions have no step to learn.
    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let all = trainingSequences ?? data.orderedTrain
        let sequences = batch.map { all[$0] }.filter { $0.count >= 2 }
        guard !sequences.isEmpty else { return Variable(scalar: 0) }
        // The input is each sequence but its last item: step t predicts what follows s_t.
        let statistics = encode(states(sequences.map { $0.dropLast() }, mode: .recording), mode: .recording)
        let size = config.latentSize
        let mean = statistics.gatherColumns(Array(0..<size))
        let logVariance = statistics.gatherColumns(Array(size..<(2 * size)))
        let noise = Tensor.normal(mean.shape, rng: &rng)
        let z = mean + (logVariance * 0.5).exp() * Variable(noise)
        let logits = decode(z, mode: .recording)
        var loss = Loss.multinomialNegativeLogLikelihood(
            logits: logits, targets: nextItemTargets(sequences), reduction: .sum, threads: threads)
        let beta = klWeight(update: step.update)
        if beta > 0 { loss = loss + Loss.gaussianKLDivergence(mean: mean, logVariance: logVariance) * beta }
        return loss
    }

    /// Scores from the last step of each time-ordered fold-in, at `z = mu`.
    public func scores(_ targets: RankingTargets, rows: Range<Int>) -> Tensor {
        scores(sequences: targets.orderedHistory(rows))
    }

    /// Scores from the history rows read in item order (no time order is known here).
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        scores(sequences: InteractionSequences(orderOf: history))
    }

    /// `[sequences.rows, items]` decoder logits at the posterior mean of each sequence's last step
    /// (an empty sequence is fed as one step of a zero embedding).
    public func scores(sequences: InteractionSequences) -> Tensor {
        var result = Tensor(shape: [sequences.rows, itemCount])
        var start = 0
        while start < sequences.rows {
            let end = min(start + Self.scoringChunk, sequences.rows)
            let chunk = (start..<end).map { sequences[$0] }
            let fed = chunk.map { $0.isEmpty ? ArraySlice([Int32(-1)]) : $0 }
            var lastRows: [Int] = [], offset = 0
            for sequence in fed { offset += sequence.count; lastRows.append(offset - 1) }
            let last = states(fed, mode: .inference).gatherRows(lastRows)
            let mean = encode(last, mode: .inference).gatherColumns(Array(0..<config.latentSize))
            let logits = decode(mean, mode: .inference).value
            logits.withUnsafeBufferPointer { source in
                result.withUnsafeMutableBufferPointer { target in
                    (target.baseAddress! + start * itemCount).update(from: source.baseAddress!, count: source.count)
                }
            }
            start = end
        }
        return result
    }
}

extension SVAE {
    /// Training, per step of the batches' sequences (each trained user's history but its last
    /// item): the GRU's input projection `[steps, item_embedding_size] x [.., 3·rnn_size]` and the
    /// dense layers `rnn_size → hidden_size → 2·latent_size` and `latent_size → hidden_size →
    /// items` with three products each, and the recurrent product `[1, rnn_size] x [.., 3·rnn_size]`
    /// forward and for the weight gradient at every step and for the state gradient at every
    /// step but a sequence's first. Evaluation: the GRU over every step of the validation
    /// histories (an empty one is one step), then the dense layers at each history's last step.
    /// Reference: the output layer's training products at the mean steps per batch.
    public func flopCount(_ data: TrainingData) -> FLOPCount? {
        let (e, r, h, l) = (config.itemEmbeddingSize, config.rnnSize, config.hiddenSize, config.latentSize)
        let sequences = data.orderedTrain
        var steps = 0, trained = 0
        for row in 0..<sequences.rows where sequences[row].count >= 2 {
            steps += sequences[row].count - 1
            trained += 1
        }
        let encoderWidths = [r, h, 2 * l], decoderWidths = [l, h, itemCount]
        let recurrent = FLOPCount.gemm(m: 3 * steps - trained, n: 3 * r, k: r)
        let training = FLOPCount.denseLayerTraining(rows: steps, inputs: e, outputs: 3 * r) + recurrent
            + FLOPCount.denseChainTraining(rows: steps, widths: encoderWidths)
            + FLOPCount.denseChainTraining(rows: steps, widths: decoderWidths)
        var evaluation: Double?
        if case .ranking(let targets) = data.validation {
            let history = targets.history
            let fed = (0..<history.rows).reduce(0) { $0 + max(1, history.count(ofRow: $1)) }
            evaluation = FLOPCount.gemm(m: fed, n: 3 * r, k: e) + FLOPCount.gemm(m: fed, n: 3 * r, k: r)
                + FLOPCount.denseChainForward(rows: history.rows, widths: encoderWidths)
                + FLOPCount.denseChainForward(rows: history.rows, widths: decoderWidths)
        }
        let batches = (sequences.rows + max(1, config.batchSize) - 1) / max(1, config.batchSize)
        let stepsPerBatch = max(1, Int((Double(steps) / Double(max(1, batches))).rounded()))
        let reference = GEMMShape.denseLayerTraining(rows: stepsPerBatch, inputs: h, outputs: itemCount)
        return FLOPCount(trainingEpoch: training, evaluation: evaluation, referenceProducts: reference)
    }
}
