import Foundation

/// CDAE, the Collaborative Denoising Auto-Encoder (Wu et al. 2016, "Collaborative Denoising
/// Auto-Encoders for Top-N Recommender Systems", WSDM).
///
/// `h = σ_h(x̃ W + b + V_u)`, output `σ_o(h W'ᵀ + b')`, where `x̃` is the history with each
/// interaction dropped with probability `q` and survivors scaled by `1/(1-q)`, and `V_u` is the
/// user's own input node (one embedding row per training user). The loss is taken only at the
/// user's positives and at `m` negatives per positive drawn uniformly (with replacement; draws
/// that hit a positive are discarded, duplicates merged) and redrawn every epoch
/// (`prepareEpoch`), summed and divided by the batch's users; the decoder is evaluated at those
/// entries only (`sampledDot` over the item-major decoder weight `[items, hidden]`), so the cost
/// grows with the samples, not with the item count. Loss logistic (on logits, i.e. sigmoid
/// output) or squared (with sigmoid or identity output); AdaGrad by default as in the paper.
///
/// Users not seen in training (strong generalization, `trainingRows` -1) have no user vector:
/// `unseen_user` `zero` (default) drops the user node, leaving the item-based part of CDAE, the
/// choice of the PyTorch reference; `mean` uses the mean of the trained user vectors (a typical
/// user's offset). Deviations: weight decay is applied as coupled L2 through the optimizer
/// (the paper regularises all parameters with λ/2‖·‖²); weights start as PyTorch's
/// `nn.Linear` (U(±1/√fan_in)), the user vectors as N(0, 0.01²). Scores are the output logits
/// (the sigmoid is monotone). `dae` is the same model without the user node. The AdaGrad learning
/// rate 0.1 and weight decay 1e-4 were chosen on ML-1M validation ndcg@100 (docs/models-ranking.md).
public final class CDAE: GradientModel, Ranker {
    /// CDAE settings.
    public struct Config: Codable, Sendable, Equatable {
        /// Hidden units.
        public var hiddenSize: Int
        /// Whether to add the user-specific input node (false: plain DAE).
        public var userNode: Bool
        /// Input corruption probability q.
        public var corruption: Float
        /// Negatives sampled per positive, per epoch.
        public var negatives: Int
        /// `logistic` or `squared`.
        public var loss: String
        /// Output activation for squared loss: `sigmoid` or `identity` (logistic implies sigmoid).
        public var output: String
        /// Hidden activation.
        public var hiddenActivation: ActivationKind
        /// Unseen users' node: `zero` or `mean`.
        public var unseenUser: String
        /// Users per batch.
        public var batchSize: Int
        /// Default epochs.
        public var epochs: Int
        /// Optimizer name.
        public var optimizer: OptimizerName
        /// Learning rate.
        public var learningRate: Float
        /// Coupled L2 weight decay on all parameters.
        public var weightDecay: Float
    }

    public static var name: String { "cdae" }
    public static var task: ModelTask { .ranking }
    public static var summary: String { "CDAE: denoising autoencoder with a user input node and negative sampling." }
    public static var paper: String { "Wu et al. 2016, Collaborative Denoising Auto-Encoders for Top-N Recommender Systems, WSDM" }
    public static var defaultConfig: Config {
        Config(hiddenSize: 50, userNode: true, corruption: 0.5, negatives: 5, loss: "logistic", output: "sigmoid",
               hiddenActivation: .sigmoid, unseenUser: "zero", batchSize: 500, epochs: 150, optimizer: .adagrad,
               learningRate: 0.1, weightDecay: 1e-4)
    }
    public static var configHelp: [String: String] {
        [
            "hidden_size": "Hidden units.",
            "user_node": "Add the user-specific input node (false: DAE).",
            "corruption": "Probability q of dropping an input interaction (survivors scaled by 1/(1-q)).",
            "negatives": "Negative items sampled per positive, redrawn every epoch.",
            "loss": "logistic or squared.",
            "output": "Output activation for squared loss: sigmoid or identity.",
            "hidden_activation": "Hidden activation (sigmoid, tanh, relu, identity, ...).",
            "unseen_user": "User node of users not trained on: zero or mean.",
            "batch_size": "Users per mini-batch.",
            "epochs": "Epochs when the run does not set them.",
            "optimizer": "Optimizer (adagrad, adam, adamw, sgd, nesterov, rmsprop, rprop).",
            "learning_rate": "Learning rate.",
            "weight_decay": "Coupled L2 weight decay on all parameters.",
        ]
    }

    let config: Config
    let threads: Int?
    let itemCount: Int
    /// `[items, hidden]` encoder weight and `[hidden]` bias.
    let encoderWeight: Variable, encoderBias: Variable
    /// `[items, hidden]` decoder weight (item-major for `sampledDot`) and `[items]` bias.
    let decoderWeight: Variable, decoderBias: Variable
    /// `[trainRows, hidden]` user input nodes (nil without the user node).
    let userVectors: Variable?
    /// This epoch's negatives: user `u`'s are `negativeItems[negativeStarts[u] ..< negativeStarts[u + 1]]`.
    var negativeStarts: [Int] = [0]
    var negativeItems: [Int32] = []

    /// The most negatives per positive a config may ask for: beyond the item count further draws
    /// only repeat items, and each draw costs time every epoch.
    public static let maxNegatives = 10_000

    /// The problems of a config: sizes below 1, negatives outside `0...maxNegatives`, a
    /// corruption outside `[0, 1)`, unknown loss, output, unseen-user or optimizer names, a
    /// logistic loss without the sigmoid output, a learning rate <= 0 or a negative weight decay.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.atLeast("hidden_size", config.hiddenSize, 1)
        checks.rate("corruption", config.corruption)
        checks.integer("negatives", config.negatives, in: 0...maxNegatives)
        checks.oneOf("loss", config.loss, ["logistic", "squared"])
        checks.oneOf("output", config.output, ["sigmoid", "identity"])
        if config.loss == "logistic", config.output == "identity" {
            checks.require(false, key: "output", expected: "\"sigmoid\" with loss \"logistic\"", found: "\"identity\"")
        }
        checks.oneOf("unseen_user", config.unseenUser, ["zero", "mean"])
        checks.atLeast("batch_size", config.batchSize, 1)
        checks.atLeast("epochs", config.epochs, 1)
        checks.positive("learning_rate", config.learningRate)
        checks.nonNegative("weight_decay", config.weightDecay)
        return checks.problems
    }

    /// The encoder and decoder `[items, hidden_size]` (and the user nodes `[users, hidden_size]`)
    /// with their training state, an epoch's negatives (as reserved: interactions x negatives,
    /// at most users x items), a batch's hidden layer and sampled entries, and the hidden layer
    /// of an evaluation batch.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        let (users, items, hidden) = (dimensions.users, dimensions.items, config.hiddenSize)
        let parameters = MemoryEstimate.sum([
            MemoryEstimate.product([2, items, hidden]), hidden, items,
            config.userNode ? MemoryEstimate.product([users, hidden]) : 0,
        ])
        var estimate = MemoryEstimate.gradientTraining(parameters: parameters, optimizer: config.optimizer, key: "hidden_size")
        let negatives = min(MemoryEstimate.product([dimensions.interactions, config.negatives]), MemoryEstimate.product([users, items]))
        estimate.add("negative samples of an epoch", floats: [negatives], key: "negatives")
        let batch = min(config.batchSize, users)
        estimate.add("batch hidden layer [batch_size, hidden_size] (values, pre-activations, gradients)",
                     floats: [4, batch, hidden], key: "hidden_size")
        let entries = min(MemoryEstimate.product([batch, items]),
                          MemoryEstimate.product([dimensions.interactions, MemoryEstimate.sum([config.negatives, 1])]))
        estimate.add("sampled entries of a batch (indices, targets, logits, gradients)", floats: [6, entries], key: "negatives")
        estimate.add("evaluation hidden layer [evaluation batch, hidden_size]",
                     floats: [min(users, ModelEvaluation.defaultBatchSize), hidden], key: "hidden_size")
        return estimate
    }

    /// Creates the network with seeded initialisation.
    public required init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        self.config = config
        threads = context.threads
        itemCount = context.itemCount
        var rng = context.rng.derive("init")
        let (items, hidden) = (context.itemCount, config.hiddenSize)
        func uniform(_ shape: [Int], fanIn: Int) -> Variable {
            Variable(Initializer.fanInUniform.make(shape, fanIn: fanIn, fanOut: 0, rng: &rng), requiresGrad: true)
        }
        encoderWeight = uniform([items, hidden], fanIn: items)
        encoderBias = uniform([hidden], fanIn: items)
        decoderWeight = uniform([items, hidden], fanIn: hidden)
        decoderBias = uniform([items], fanIn: hidden)
        userVectors = config.userNode
            ? Variable(Tensor.normal([context.trainRows, hidden], standardDeviation: 0.01, rng: &rng), requiresGrad: true)
            : nil
    }

    public var parameters: [Variable] {
        [encoderWeight, encoderBias, decoderWeight, decoderBias] + (userVectors.map { [$0] } ?? [])
    }
    public var batchSize: Int { config.batchSize }
    public var defaultEpochs: Int { config.epochs }
    public func exampleCount(_ data: TrainingData) -> Int { data.train.rows }

    public func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(learningRate: config.learningRate, weightDecay: config.weightDecay, threads: threads)
    }

    /// Draws this epoch's negatives for every training user.
    public func prepareEpoch(_ epoch: Int, data: TrainingData, rng: inout SeededRNG) {
        (negativeStarts, negativeItems) = CDAE.sampleNegatives(data.train, perPositive: config.negatives, rng: &rng)
    }

    /// `m·|positives|` uniform draws per row, positives discarded, duplicates merged (kept in
    /// draw order: sorting them cost more than the rest of the sampling).
    static func sampleNegatives(_ train: SparseMatrix, perPositive m: Int, rng: inout SeededRNG) -> ([Int], [Int32]) {
        requireArgument(m >= 0, "CDAE: negatives per positive must be >= 0, got \(m)")
        let (rowCount, itemCount) = (train.rows, train.cols)
        // At most `m` draws per positive and at most every (row, column) pair are kept, whatever
        // m is (the products saturate instead of overflowing).
        let capacity = min(MemoryEstimate.product([train.nonzeroCount, m]), MemoryEstimate.product([rowCount, itemCount]))
        var starts = [Int](repeating: 0, count: rowCount + 1)
        var mark = [Int32](repeating: -1, count: itemCount)
        // `capacity` bounds the writes; CSR column indices lie in `0..<itemCount` (checked by
        // SparseMatrix) and draws are below it.
        let items = [Int32](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let out = buffer.baseAddress
            var count = 0
            train.rowPointers.withUnsafeBufferPointer { pointers in
                train.columnIndices.withUnsafeBufferPointer { columns in
                    mark.withUnsafeMutableBufferPointer { markBuffer in
                        starts.withUnsafeMutableBufferPointer { startBuffer in
                            let seen = markBuffer.baseAddress, s = startBuffer.baseAddress!
                            for r in 0..<rowCount {
                                let tag = Int32(r)
                                let (begin, end) = (pointers[r], pointers[r &+ 1])
                                for e in begin..<end { seen![Int(columns[e])] = tag }
                                for _ in 0..<MemoryEstimate.product([m, end &- begin]) {
                                    let item = rng.int(below: itemCount)
                                    guard seen![item] != tag else { continue }
                                    seen![item] = tag
                                    out![count] = Int32(truncatingIfNeeded: item)
                                    count &+= 1
                                }
                                s[r &+ 1] = count
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return (starts, items)
    }

    /// `[n, hidden]` pre-activation of the encoder for (corrupted) inputs `x`.
    func encode(_ x: SparseMatrix, userRows: Variable?, mode: GradientMode) -> Variable {
        let linear = matmul(x, encoderWeight.tracked(mode), threads: threads) + encoderBias.tracked(mode)
        let withUser = userRows.map { linear + $0 } ?? linear
        return withUser.activated(config.hiddenActivation)
    }

    /// Loss at the batch users' positives and this epoch's sampled negatives, per user.
    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        let x = data.train.gatherRows(batch)
        let corrupted = x.dropout(rate: config.corruption, training: true, rng: &rng)
        let hidden = encode(corrupted, userRows: userVectors?.gatherRows(batch), mode: .recording)
        // Positives then this epoch's negatives, user by user (so entries arrive grouped by row),
        // written straight into arrays of the exact size.
        requireShape(
            batch.allSatisfy { $0 >= 0 && $0 < negativeStarts.count - 1 },
            "CDAE.loss: a batch user lies outside the \(negativeStarts.count - 1) users of this epoch's negatives")
        var entryCount = x.nonzeroCount
        for user in batch { entryCount += negativeStarts[user + 1] - negativeStarts[user] }
        var rows = [Int32](repeating: 0, count: entryCount), columns = [Int32](repeating: 0, count: entryCount)
        var targets = [Float](repeating: 0, count: entryCount)
        // `entryCount` counts exactly the entries written below, so every write is in bounds.
        rows.withUnsafeMutableBufferPointer { rp in
            columns.withUnsafeMutableBufferPointer { cp in
                targets.withUnsafeMutableBufferPointer { tp in
                    x.rowPointers.withUnsafeBufferPointer { xp in
                        x.columnIndices.withUnsafeBufferPointer { xc in
                            negativeStarts.withUnsafeBufferPointer { ns in
                                negativeItems.withUnsafeBufferPointer { ni in
                                    let (r, c, t) = (rp.baseAddress!, cp.baseAddress!, tp.baseAddress!)
                                    var e = 0
                                    for (local, user) in batch.enumerated() {
                                        let tag = Int32(local)
                                        for p in xp[local]..<xp[local &+ 1] {
                                            r[e] = tag; c[e] = xc[p]; t[e] = 1
                                            e &+= 1
                                        }
                                        for n in ns[user]..<ns[user &+ 1] {
                                            r[e] = tag; c[e] = ni[n]
                                            e &+= 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let entries = EntryIndices(rows: rows, columns: columns, rowCount: batch.count, columnCount: itemCount)
        let bias = decoderBias.reshaped([itemCount, 1]).gatherRows(columns.map(Int.init)).reshaped([columns.count])
        let logits = sampledDot(hidden, decoderWeight, at: entries, threads: threads) + bias
        let target = Tensor(shape: [targets.count], scalars: targets)
        let total: Variable
        if config.loss == "logistic" {
            total = Loss.binaryCrossEntropyWithLogits(logits, targets: target, reduction: .sum)
        } else {
            total = Loss.squaredError(config.output == "sigmoid" ? logits.sigmoid() : logits, targets: target, reduction: .sum)
        }
        return total * (1 / Float(batch.count))
    }

    /// `[history.rows, items]` output logits (no corruption); unseen users as `unseen_user` says.
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        requireShape(
            history.cols == itemCount && trainingRows.count == history.rows,
            "\(Self.name).scores: history \(history.shape), \(trainingRows.count) training rows vs \(itemCount) items")
        var userRows: Variable?
        if let vectors = userVectors?.value {
            requireShape(
                trainingRows.allSatisfy { $0 < vectors.rows },
                "\(Self.name).scores: training row \(trainingRows.max() ?? 0) outside the \(vectors.rows) user vectors")
            let hidden = config.hiddenSize
            let fallback = config.unseenUser == "mean" ? vectors.columnMeans() : Tensor(shape: [hidden])
            var rows = Tensor(shape: [history.rows, hidden])
            rows.withUnsafeMutableBufferPointer { out in
                vectors.withUnsafeBufferPointer { v in
                    fallback.withUnsafeBufferPointer { f in
                        for (r, user) in trainingRows.enumerated() {
                            let source = user >= 0 ? v.baseAddress! + user * hidden : f.baseAddress!
                            (out.baseAddress! + r * hidden).update(from: source, count: hidden)
                        }
                    }
                }
            }
            userRows = Variable(rows)
        }
        let hidden = encode(history, userRows: userRows, mode: .inference).value
        return Tensor.matmul(hidden, decoderWeight.value, transposeB: true, threads: threads) + decoderBias.value
    }
}

extension CDAE {
    /// The preset of the `dae` variant: DAE, CDAE without the user input node (Wu et al. 2016
    /// compare against it; Vincent et al. 2008 for denoising autoencoders). Same settings and
    /// code path with `user_node` false; setting `user_node` true in a spec makes it CDAE.
    public static var withoutUserNode: Config {
        var config = defaultConfig
        config.userNode = false
        return config
    }
}

extension CDAE {
    /// Training: the corrupted input's sparse product and weight gradient over the entries
    /// corruption keeps (`nnz·(1 − corruption)` expected), and the decoder's sampled products at
    /// the positives and the epoch's negatives (`2·hidden_size` per entry for the output, the
    /// hidden gradient and the decoder-weight gradient each); negatives at their expected count
    /// (`expectedNegatives`). Evaluation: the sparse product of the validation histories and the
    /// dense decoder `[users, hidden_size] x [hidden_size, items]`. Reference: the dense
    /// decoder's training products at `batch_size` rows, which the sampled products are taken from.
    public func flopCount(_ data: TrainingData) -> FLOPCount? {
        let h = config.hiddenSize, train = data.train
        var entries = Double(train.nonzeroCount)
        for r in 0..<train.rows {
            entries += CDAE.expectedNegatives(positives: train.count(ofRow: r), items: itemCount, perPositive: config.negatives)
        }
        let kept = Double(train.nonzeroCount) * (1 - Double(config.corruption))
        let training = 2 * FLOPCount.sparseDense(nonzeros: kept, width: h) + 3 * FLOPCount.sparseDense(nonzeros: entries, width: h)
        let evaluation = FLOPCount.validationHistory(data).map { history in
            FLOPCount.sparseDense(nonzeros: Double(history.nonzeros), width: h) + FLOPCount.gemm(m: history.rows, n: itemCount, k: h)
        }
        let reference = GEMMShape.denseLayerTraining(rows: min(config.batchSize, train.rows), inputs: h, outputs: itemCount)
        return FLOPCount(trainingEpoch: training, evaluation: evaluation, referenceProducts: reference)
    }

    /// The expected number of negatives `sampleNegatives` keeps for a row with `positives`
    /// entries: of `perPositive · positives` uniform draws over `items`, every non-positive item
    /// hit at least once, `(items − positives)·(1 − (1 − 1/items)^draws)`.
    public static func expectedNegatives(positives: Int, items: Int, perPositive: Int) -> Double {
        guard items > 0, positives < items else { return 0 }
        let draws = Double(MemoryEstimate.product([perPositive, positives]))
        guard draws > 0 else { return 0 }
        return Double(items - positives) * -expm1(draws * log1p(-1 / Double(items)))
    }
}
