import Foundation

/// DeepRec (Kuchaiev & Ginsburg, "Training Deep AutoEncoders for Collaborative Filtering",
/// 2017): a deep user-based autoencoder `items-512-512-1024-512-512-items` with SELU, heavy
/// dropout on the code, masked mean squared error (MMSE) on observed ratings, and dense
/// re-feeding.
///
/// One batch makes `1 + refeedSteps` optimizer updates, as in the paper and its PyTorch
/// reference: the masked loss of the sparse input, an update, then for each re-feed step the
/// detached dense output `f(x)` of the pass before becomes input and target (mask: its nonzero
/// entries) of another update. The training loop makes the updates (`updatesPerBatch`, one
/// `loss` call per pass); the curve's loss is that of the last re-feed pass. Deviations: Glorot-uniform weights and zero biases as the reference; the
/// epoch is chosen by early stopping on validation RMSE; a user or item without training
/// ratings is predicted as the training mean.
public final class DeepRec: RatingPredictor, GradientModel, @unchecked Sendable {
    public typealias Config = DeepRecConfig
    public static let name = "deeprec"
    public static let task = ModelTask.rating
    public static let summary = "Deep user-based autoencoder with SELU, code dropout and dense re-feeding."
    public static let paper = "Kuchaiev & Ginsburg, Training Deep AutoEncoders for Collaborative Filtering, arXiv:1708.01715, 2017"
    public static var defaultConfig: DeepRecConfig { .defaults }
    public static var configHelp: [String: String] { DeepRecConfig.help }

    /// The config the model was built from.
    public let config: DeepRecConfig
    /// Encoder layers, `items -> encoderSizes...`.
    public let encoder: [Dense]
    /// Decoder layers, mirrored back to `items`.
    public let decoder: [Dense]
    private let threads: Int?
    private var train: SparseMatrix?
    private var seen = SeenInTraining()
    private var mean: Float = 0
    /// The dense output of the batch's previous pass: the next re-feed pass's input and target.
    private var refeedTarget: Tensor?
    /// Users whose dense predictions `[chunk, items]` rating prediction computes at a time.
    static let predictionChunk = 512

    /// Creates an untrained DeepRec over the context's items.
    /// - Throws: `ModelError.invalidConfig` with `DeepRecConfig.checks`' problems.
    public init(config: DeepRecConfig, context: ModelContext) throws {
        try config.checks.check()
        self.config = config
        threads = context.threads
        var rng = context.rng.derive("init")
        let widths = [context.itemCount] + config.encoderSizes
        var encoder: [Dense] = []
        for k in 0..<(widths.count - 1) {
            encoder.append(Dense(inputs: widths[k], outputs: widths[k + 1], activation: config.activation,
                                 initializer: .glorotUniform, rng: &rng))
        }
        var decoder: [Dense] = []
        for k in stride(from: widths.count - 1, to: 0, by: -1) {
            let activation = k == 1 && !config.lastLayerActivation ? ActivationKind.identity : config.activation
            if config.constrainedDecoder {
                decoder.append(Dense(tiedTo: encoder[k - 1], activation: activation))
            } else {
                decoder.append(Dense(inputs: widths[k], outputs: widths[k - 1], activation: activation,
                                     initializer: .glorotUniform, rng: &rng))
            }
        }
        self.encoder = encoder
        self.decoder = decoder
    }

    public static func configProblems(_ config: DeepRecConfig) -> [ConfigProblem] { config.checks.problems }

    /// The layers `items -> encoder_sizes -> ... -> items` with their training state (the
    /// decoder owns only biases when constrained), a batch's activations at every width, the
    /// dense `[batch, items]` output with its target, mask and re-feed copies, and the dense
    /// predictions of one chunk of users `[predictionChunk, items]` in rating prediction.
    public static func memoryEstimate(config: DeepRecConfig, dimensions: DataDimensions) -> MemoryEstimate {
        let widths = [dimensions.items] + config.encoderSizes
        let decoderParameters = config.constrainedDecoder
            ? MemoryEstimate.sum(Array(widths.dropLast())) : MemoryEstimate.denseParameters(widths.reversed())
        let parameters = MemoryEstimate.sum([MemoryEstimate.denseParameters(widths), decoderParameters])
        var estimate = MemoryEstimate.gradientTraining(parameters: parameters, optimizer: config.optimizer, key: "encoder_sizes")
        let batch = min(config.batchSize, dimensions.users)
        let hiddenWidths = MemoryEstimate.sum(config.encoderSizes + config.encoderSizes.dropLast())
        estimate.add("batch activations [batch_size, encoder_sizes...] (values, pre-activations, gradients, dropout mask)",
                     floats: [4, batch, hiddenWidths], key: "encoder_sizes")
        estimate.add("dense output [batch_size, items] (output, target, mask, residual, gradients)",
                     floats: [6, batch, dimensions.items], key: "batch_size")
        estimate.add("dense predictions of a chunk of users [512, items]",
                     floats: [min(predictionChunk, dimensions.users), dimensions.items])
        return estimate
    }

    public var parameters: [Variable] { (encoder + decoder).flatMap(\.parameters) }
    public func exampleCount(_ data: TrainingData) -> Int { data.train.rows }
    public var batchSize: Int { config.batchSize }
    public var defaultEpochs: Int { config.epochs }
    public var updatesPerBatch: Int { 1 + config.refeedSteps }

    public func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(
            learningRate: config.learningRate, momentum: config.momentum, weightDecay: config.weightDecay, threads: threads)
    }

    public func prepareTraining(_ data: TrainingData) {
        train = data.train
        seen = SeenInTraining(data.train, columns: data.itemCount)
        mean = data.trainMean
    }

    /// The dense output `[batch, items]` of the decoder for the encoder's first-layer output.
    private func decode(fromFirst first: Variable, mode: GradientMode, rng: inout SeededRNG) -> Variable {
        var x = first
        for layer in encoder.dropFirst() { x = layer(x, mode: mode, threads: threads) }
        x = x.dropout(rate: config.dropout, training: mode == .recording, rng: &rng)
        for layer in decoder { x = layer(x, mode: mode, threads: threads) }
        return x
    }

    /// Masked MSE of a dense output against a dense target at the target's nonzero entries.
    private func maskedMSE(_ output: Variable, target: Tensor) -> Variable {
        var mask = Tensor(shape: target.shape)
        var count = 0
        target.withUnsafeBufferPointer { t in
            mask.withUnsafeMutableBufferPointer { m in
                for k in t.indices where t[k] != 0 { m[k] = 1; count += 1 }
            }
        }
        let residual = (output - Variable(target)) * Variable(mask)
        return residual.squared().sum().scaled(by: 1 / Float(max(count, 1)))
    }

    public func loss(batch: [Int], data: TrainingData, step: TrainingStep, rng: inout SeededRNG) -> Variable {
        guard let train else { fatalError("\(Self.name).loss called before prepareTraining") }
        let output: Variable, loss: Variable
        if step.updateInBatch == 0 {
            let x = train.gatherRows(batch)
            output = decode(fromFirst: encoder[0](x, threads: threads), mode: .recording, rng: &rng)
            loss = Loss.maskedSquaredError(output, targets: x, reduction: .mean)
        } else {
            guard let target = refeedTarget, target.rows == batch.count else {
                fatalError("\(Self.name).loss: re-feed pass \(step.updateInBatch) without the batch's previous pass")
            }
            output = decode(fromFirst: encoder[0](Variable(target), threads: threads), mode: .recording, rng: &rng)
            loss = maskedMSE(output, target: target)
        }
        refeedTarget = step.updateInBatch < config.refeedSteps ? output.value : nil
        return loss
    }

    /// Dense predictions `[rows.count, items]` for training rows (inference, no dropout).
    func outputs(rows: [Int]) -> Tensor {
        guard let train else { return Tensor(shape: [rows.count, encoder[0].inputs]) }
        var unused = SeededRNG(seed: 0)
        let first = encoder[0](train.gatherRows(rows), mode: .inference, threads: threads)
        return decode(fromFirst: first, mode: .inference, rng: &unused).value
    }

    public func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        requireShape(users.count == items.count, "\(Self.name).predict: \(users.count) users vs \(items.count) items")
        var values = [Float](repeating: mean, count: users.count)
        guard train != nil else { return RatingPredictions(values: values, fallbacks: users.count) }
        // Indices outside the training data are unseen: they get the fallback.
        let (needed, slot) = seen.seenRows(among: users)
        var fallbacks = 0
        let chunk = Self.predictionChunk
        // The pairs each chunk of needed users answers; one chunk's dense outputs live at a time.
        var pairsOfChunk = [[Int]](repeating: [], count: (needed.count + chunk - 1) / chunk)
        for k in 0..<users.count {
            guard let position = SeenInTraining.position(Int(users[k]), in: slot), seen.column(Int(items[k])) else {
                fallbacks += 1
                continue
            }
            pairsOfChunk[position / chunk].append(k)
        }
        let n = seen.columnCount
        for (index, pairs) in pairsOfChunk.enumerated() where !pairs.isEmpty {
            let start = index * chunk
            let dense = outputs(rows: Array(needed[start..<min(start + chunk, needed.count)]))
            for k in pairs {
                values[k] = dense[(slot[Int(users[k])] - start) * n + Int(items[k])]
            }
        }
        return RatingPredictions(values: values, fallbacks: fallbacks)
    }
}

extension DeepRec {
    /// Training, per batch: the first pass's sparse input layer (forward product and weight
    /// gradient over the stored ratings) and three products per further layer
    /// (`encoder_sizes → mirrored → items`); each re-feed pass the dense input layer
    /// `[rows, items] x [items, encoder_sizes[0]]` (forward and weight gradient; its input is
    /// detached) and the same further layers. Evaluation: the forward pass of the validation
    /// pairs' distinct seen users (sparse input layer, then dense). Reference: the output layer's
    /// training products at `batch_size` rows.
    public func flopCount(_ data: TrainingData) -> FLOPCount? {
        let rows = data.train.rows, items = data.itemCount, first = config.encoderSizes[0]
        let further = config.encoderSizes + config.encoderSizes.dropLast().reversed() + [items]
        let sparsePass = 2 * FLOPCount.sparseDense(nonzeros: Double(data.train.nonzeroCount), width: first)
            + FLOPCount.denseChainTraining(rows: rows, widths: further)
        let refeedPass = FLOPCount.denseLayerTraining(rows: rows, inputs: items, outputs: first, inputGradient: false)
            + FLOPCount.denseChainTraining(rows: rows, widths: further)
        let evaluation = FLOPCount.validationPairs(data, examplesAreItems: false).map { work in
            FLOPCount.sparseDense(nonzeros: Double(work.entries), width: first)
                + FLOPCount.denseChainForward(rows: work.examples, widths: further)
        }
        let reference = GEMMShape.denseLayerTraining(
            rows: min(config.batchSize, rows), inputs: further[further.count - 2], outputs: items)
        return FLOPCount(trainingEpoch: sparsePass + Double(config.refeedSteps) * refeedPass, evaluation: evaluation,
                         referenceProducts: reference)
    }
}
