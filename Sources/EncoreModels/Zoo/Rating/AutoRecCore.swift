import Foundation

/// The shared implementation of I-AutoRec and U-AutoRec: an autoencoder over the rows of a
/// rating matrix, `h(r) = f(W g(V r + mu) + b)`, trained on observed entries only.
///
/// Shapes with `D` input dimensions (users for I-AutoRec, items for U-AutoRec): encoder weight
/// `V` `[D, hidden]`, encoder bias `mu` `[hidden]`, decoder weight `W` stored output-major as
/// `[D, hidden]` (so an output is a dot product of a code with one of its rows) and bias `b`
/// `[D]`. Training decodes only the batch's observed entries with `sampledDot`; the dense
/// `[batch, D]` output is never formed.
public final class AutoRecCore: @unchecked Sendable {
    /// Whether examples are items (I-AutoRec: the transposed rating matrix) or users.
    public let itemBased: Bool
    /// The config the model was built from.
    public let config: AutoRecConfig
    /// Encoder weight `V`, `[D, hidden]`.
    public let encoderWeight: Variable
    /// Encoder bias `mu`, `[hidden]`.
    public let encoderBias: Variable
    /// Decoder weight `W`, output-major `[D, hidden]`.
    public let decoderWeight: Variable
    /// Decoder bias `b`, `[D]`.
    public let decoderBias: Variable
    let threads: Int?
    /// The training matrix in the model's orientation (`[examples, D]`), set by `prepare`.
    private(set) var matrix: SparseMatrix?
    private var seen = SeenInTraining()
    private var mean: Float = 0

    /// Creates the parameters with PyTorch's `nn.Linear` default initialisation
    /// (uniform in `±1/sqrt(fanIn)` for weights and biases), as the reference implementation.
    /// - Throws: `ModelError.invalidConfig` for non-positive sizes or an unknown optimizer.
    public init(itemBased: Bool, config: AutoRecConfig, context: ModelContext) throws {
        try config.checks.check()
        self.itemBased = itemBased
        self.config = config
        threads = context.threads
        let d = itemBased ? context.trainRows : context.itemCount
        let h = config.hiddenUnits
        var rng = context.rng.derive("init")
        func uniform(_ shape: [Int], fanIn: Int) -> Variable {
            Variable(Initializer.fanInUniform.make(shape, fanIn: fanIn, fanOut: 0, rng: &rng), requiresGrad: true)
        }
        encoderWeight = uniform([d, h], fanIn: d)
        encoderBias = uniform([h], fanIn: d)
        decoderWeight = uniform([d, h], fanIn: h)
        decoderBias = uniform([d], fanIn: h)
    }

    /// What an AutoRec with `D` inputs and `N` examples allocates (`D` = users and `N` = items for
    /// I-AutoRec, the other way round for U-AutoRec): `2 D h + h + D` parameters with their
    /// training state, a batch's codes `[batch, h]` and observed entries, the oriented copy of
    /// the training matrix, and the codes of every example at prediction time `[N, h]`.
    public static func memoryEstimate(itemBased: Bool, config: AutoRecConfig, dimensions: DataDimensions) -> MemoryEstimate {
        let inputs = itemBased ? dimensions.users : dimensions.items
        let examples = itemBased ? dimensions.items : dimensions.users
        let h = config.hiddenUnits, batch = min(config.batchSize, examples)
        let parameters = MemoryEstimate.sum([MemoryEstimate.product([2, inputs, h]), h, inputs])
        var estimate = MemoryEstimate.gradientTraining(parameters: parameters, optimizer: config.optimizer, key: "hidden_units")
        estimate.add("batch codes [batch_size, hidden_units] (values, pre-activations, gradients)", floats: [4, batch, h], key: "hidden_units")
        let entries = min(MemoryEstimate.product([batch, inputs]), dimensions.interactions)
        estimate.add("observed entries of a batch (indices, outputs, gradients)", floats: [6, entries])
        estimate.add("oriented training matrix", bytes: MemoryEstimate.sum([
            MemoryEstimate.product([8, dimensions.interactions]), MemoryEstimate.product([8, examples])]))
        estimate.add("prediction codes [examples, hidden_units]", floats: [examples, h], key: "hidden_units")
        return estimate
    }

    /// `[V, mu, W, b]`.
    public var parameters: [Variable] { [encoderWeight, encoderBias, decoderWeight, decoderBias] }

    /// Keeps the oriented training matrix, which users and items were seen, and the mean.
    func prepare(_ data: TrainingData) {
        let oriented = itemBased ? data.train.transposed() : data.train
        matrix = oriented
        seen = SeenInTraining(oriented)
        mean = data.trainMean
    }

    /// Examples per epoch: items (I-AutoRec) or users (U-AutoRec).
    func exampleCount(_ data: TrainingData) -> Int { itemBased ? data.itemCount : data.train.rows }

    /// The batch loss: `sum over the batch's observed entries (r - h(r))^2 + (B/N) lambda/2
    /// (||W||^2 + ||V||^2)` (biases are not penalised, as in the reference).
    func loss(batch: [Int]) -> Variable {
        guard let matrix else { fatalError("AutoRec.loss called before prepareTraining") }
        let x = matrix.gatherRows(batch)
        let code = (matmul(x, encoderWeight, threads: threads) + encoderBias).activated(config.encoderActivation)
        let entries = EntryIndices(nonzerosOf: x)
        var output = sampledDot(code, decoderWeight, at: entries, threads: threads)
        let biasEntries = EntryIndices(
            rows: [Int32](repeating: 0, count: entries.count), columns: entries.columns,
            rowCount: 1, columnCount: matrix.cols)
        output = output + decoderBias.reshaped([1, matrix.cols]).gatherEntries(biasEntries)
        if config.decoderActivation != .identity { output = output.activated(config.decoderActivation) }
        let error = Loss.squaredError(output, targets: Tensor(shape: [x.nonzeroCount], scalars: x.values), reduction: .sum)
        guard config.lambda > 0 else { return error }
        let share = Float(batch.count) / Float(max(matrix.rows, 1))
        return error + Loss.l2Penalty([encoderWeight, decoderWeight], coefficient: share * config.lambda / 2)
    }

    /// Codes `g(V r + mu)` of the given example rows, `[rows.count, hidden]` (inference).
    func codes(_ rows: [Int]) -> Tensor {
        guard let matrix else { return Tensor(shape: [rows.count, config.hiddenUnits]) }
        let x = matrix.gatherRows(rows)
        let linear = x.multiply(encoderWeight.value, threads: threads) + encoderBias.value
        return Variable(linear).activated(config.encoderActivation).value
    }

    /// Predicts `(user, item)` pairs: example = item (I-AutoRec) or user, output = the other.
    /// Pairs whose user or item has no training rating get the training mean.
    func predict(users: [Int32], items: [Int32]) -> RatingPredictions {
        requireShape(users.count == items.count, "AutoRec.predict: \(users.count) users vs \(items.count) items")
        guard matrix != nil else {
            return RatingPredictions(values: [Float](repeating: mean, count: users.count), fallbacks: users.count)
        }
        let examples = itemBased ? items : users, outputs = itemBased ? users : items
        // Indices outside the training data are unseen: they get the fallback.
        let (needed, slot) = seen.seenRows(among: examples)
        let code = codes(needed)
        let h = config.hiddenUnits
        var values = [Float](repeating: mean, count: users.count)
        var fallbacks = 0
        code.withUnsafeBufferPointer { pc in
            decoderWeight.value.withUnsafeBufferPointer { pw in
                decoderBias.value.withUnsafeBufferPointer { pb in
                    for n in 0..<users.count {
                        let o = Int(outputs[n])
                        guard let position = SeenInTraining.position(Int(examples[n]), in: slot), seen.column(o) else {
                            fallbacks += 1
                            continue
                        }
                        let z = Tensor.dot(pc.baseAddress! + position * h, pw.baseAddress! + o * h, count: h) + pb[o]
                        values[n] = AutoRecCore.activate(z, config.decoderActivation)
                    }
                }
            }
        }
        return RatingPredictions(values: values, fallbacks: fallbacks)
    }

    static func activate(_ z: Float, _ kind: ActivationKind) -> Float {
        kind == .identity ? z : Variable(Tensor(scalar: z)).activated(kind).value.scalarValue
    }

    /// The optimizer the config names.
    func makeOptimizer(threads: Int?) -> any Optimizer {
        config.optimizer.make(learningRate: config.learningRate, threads: threads)
    }
}

extension AutoRecCore {
    /// Training: the encoder's sparse product and weight gradient over every stored rating, and
    /// the decoder's sampled products at the same entries (`2·hidden_units` per entry for the
    /// output, the code gradient and the decoder-weight gradient each): `10·nnz·hidden_units`.
    /// Evaluation: the codes of the validation pairs' distinct seen examples (their stored
    /// entries times `hidden_units`) and one dot product per predicted pair. Reference: the dense
    /// decoder's training products `[batch_size, hidden_units] x [hidden_units, D]`, which the
    /// sampled products are taken from.
    func flopCount(_ data: TrainingData) -> FLOPCount {
        let h = config.hiddenUnits, entries = Double(data.train.nonzeroCount)
        let training = 2 * FLOPCount.sparseDense(nonzeros: entries, width: h) + 3 * FLOPCount.sparseDense(nonzeros: entries, width: h)
        let evaluation = FLOPCount.validationPairs(data, examplesAreItems: itemBased).map { work in
            FLOPCount.sparseDense(nonzeros: Double(work.entries), width: h) + FLOPCount.sparseDense(nonzeros: Double(work.pairs), width: h)
        }
        let (examples, inputs) = itemBased ? (data.itemCount, data.train.rows) : (data.train.rows, data.itemCount)
        let reference = GEMMShape.denseLayerTraining(rows: min(config.batchSize, examples), inputs: h, outputs: inputs)
        return FLOPCount(trainingEpoch: training, evaluation: evaluation, referenceProducts: reference)
    }
}

extension AutoRecVariant {
    /// `AutoRecCore.flopCount(_:)`.
    public func flopCount(_ data: TrainingData) -> FLOPCount? { core.flopCount(data) }
}
