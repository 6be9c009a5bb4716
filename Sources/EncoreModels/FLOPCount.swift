/// The floating-point work of a model on one training set, counted from its layer shapes: what
/// `encore bench model` divides by the measured seconds (GFLOP/s) and compares with the GEMM
/// rate at the model's own shapes (`referenceProducts`).
///
/// What is counted: matrix products only, two FLOPs per multiply-add.
/// - a GEMM `[m, k] x [k, n]`: `2·m·n·k` (`gemm`);
/// - a sparse x dense product (a CSR operand, either side): `2·nnz·n`, `nnz` the stored entries
///   of the sparse operand and `n` the dense operand's other dimension (`sparseDense`);
/// - a sampled product (`sampledDot`, one dot product of length `k` per entry): `2·k` per entry.
///
/// A dense layer in training costs its forward product, its weight gradient and, when its input
/// depends on parameters, its input gradient (`denseLayerTraining`); a layer fed with data (a
/// sparse batch, a detached dense input) has no input gradient. Not counted: activations,
/// softmax and losses, dropout masks, bias additions, gathers and copies, optimizer updates,
/// and the top-k selection of evaluation. Random sizes (entries kept by input dropout, negatives
/// drawn per epoch) are counted at their expected value.
public struct FLOPCount: Sendable, Equatable {
    /// FLOPs of one training epoch: every batch, every pass of a batch
    /// (`GradientModel.updatesPerBatch`). For a closed-form model, the whole fit.
    public var trainingEpoch: Double
    /// FLOPs of one evaluation pass over `TrainingData.validation` (scoring the validation users'
    /// histories, or predicting the validation pairs), nil when the model does not count it.
    public var evaluation: Double?
    /// The products the epoch's speed is measured against: those of the layer that dominates
    /// the epoch, at its training shapes (e.g. Mult-VAE's `[batch, 600] x [600, items]` output layer
    /// with its two gradient products). A model whose dominant work is a sampled product names the
    /// dense products it samples from. Empty: no GEMM to compare with (the benchmark then reports
    /// no efficiency).
    public var referenceProducts: [GEMMShape]

    /// Creates a count.
    public init(trainingEpoch: Double, evaluation: Double?, referenceProducts: [GEMMShape]) {
        self.trainingEpoch = trainingEpoch
        self.evaluation = evaluation
        self.referenceProducts = referenceProducts
    }

    /// `2·m·n·k`, a `[m, k] x [k, n]` GEMM.
    public static func gemm(m: Int, n: Int, k: Int) -> Double { 2 * Double(m) * Double(n) * Double(k) }

    /// `2·nonzeros·width`, a sparse operand with `nonzeros` stored entries times a dense one of `width` columns.
    public static func sparseDense(nonzeros: Double, width: Int) -> Double { 2 * nonzeros * Double(width) }

    /// A dense layer `[rows, inputs] -> [rows, outputs]` in training: forward and weight gradient,
    /// plus the input gradient when `inputGradient` (three or two GEMMs of `2·rows·inputs·outputs`).
    public static func denseLayerTraining(rows: Int, inputs: Int, outputs: Int, inputGradient: Bool = true) -> Double {
        (inputGradient ? 3 : 2) * gemm(m: rows, n: outputs, k: inputs)
    }

    /// Dense layers chained through `widths` (`widths[0] -> widths[1] -> ...`) on `rows` rows:
    /// the sum of `gemm(rows, widths[i + 1], widths[i])`, one forward pass.
    public static func denseChainForward(rows: Int, widths: [Int]) -> Double {
        zip(widths, widths.dropFirst()).reduce(0) { $0 + gemm(m: rows, n: $1.1, k: $1.0) }
    }

    /// Dense layers chained through `widths` in training, each with its input gradient
    /// (three GEMMs per layer): three times `denseChainForward`.
    public static func denseChainTraining(rows: Int, widths: [Int]) -> Double {
        3 * denseChainForward(rows: rows, widths: widths)
    }
}

extension Recommender {
    /// Not counted: a model says nothing about its work unless it implements `flopCount(_:)`.
    public func flopCount(_ data: TrainingData) -> FLOPCount? { nil }
}

extension FLOPCount {
    /// The rows and stored entries of the validation users' histories (what a ranker scores
    /// from), nil when the validation data are rating pairs.
    public static func validationHistory(_ data: TrainingData) -> (rows: Int, nonzeros: Int)? {
        guard case .ranking(let targets) = data.validation else { return nil }
        return (targets.history.rows, targets.history.nonzeroCount)
    }

    /// What predicting the validation pairs touches in a model that encodes whole rows of the
    /// training matrix (AutoRec, DeepRec): `examples`, the distinct rows (items when
    /// `examplesAreItems`, else users) with training entries among the pairs, each encoded once;
    /// `entries`, their stored training entries; `pairs`, the pairs whose user and item both have
    /// training entries (the others get the fallback, no product). Nil for ranking validation.
    public static func validationPairs(
        _ data: TrainingData, examplesAreItems: Bool
    ) -> (examples: Int, entries: Int, pairs: Int)? {
        guard case .ratings(let pairs) = data.validation else { return nil }
        var userEntries = [Int](repeating: 0, count: data.train.rows)
        var itemEntries = [Int](repeating: 0, count: data.itemCount)
        for r in 0..<data.train.rows { userEntries[r] = data.train.rowPointers[r + 1] - data.train.rowPointers[r] }
        for c in data.train.columnIndices { itemEntries[Int(c)] += 1 }
        func entries(_ counts: [Int], _ index: Int32) -> Int { counts.indices.contains(Int(index)) ? counts[Int(index)] : 0 }
        var examples = Set<Int32>(), entryCount = 0, predicted = 0
        for (user, item) in zip(pairs.users, pairs.items) {
            let (users, items) = (entries(userEntries, user), entries(itemEntries, item))
            let (example, exampleEntries) = examplesAreItems ? (item, items) : (user, users)
            if exampleEntries > 0, examples.insert(example).inserted { entryCount += exampleEntries }
            if users > 0 && items > 0 { predicted += 1 }
        }
        return (examples.count, entryCount, predicted)
    }
}
