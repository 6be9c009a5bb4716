import Foundation

/// EASE^R, the closed-form shallow autoencoder (Steck 2019, "Embarrassingly Shallow Autoencoders
/// for Sparse Data", WWW).
///
/// `G = XᵀX + λI`, `P = G⁻¹`, `B = I − P·diag(1/diag(P))` (so `diag(B) = 0`), scores `= X·B`.
/// `G` comes from a symmetric update over the sparse `X` (`SparseMatrix.gram`) and `P` from the
/// Cholesky-based `Tensor.formInverseSPD` (`FullRankLinearAutoencoder`); `B` overwrites `P` in
/// place. With `lambda_grid` set, the Gram matrix is computed once and each λ is fitted and
/// scored on validation; the best is kept (the paper tunes λ the same way).
/// Deviations: none (the paper's λ for ML-20M is 500, the default here).
public final class EASE: Ranker {
    /// EASE settings.
    public struct Config: Codable, Sendable, Equatable {
        /// L2 weight λ added to the Gram diagonal.
        public var lambda: Float
        /// λ values to choose from on validation (empty: use `lambda`).
        public var lambdaGrid: [Float]
        /// The most memory the fit may use, in MB (`estimatedBytes`: one `[items, items]` Float
        /// matrix).
        public var memoryLimitMb: Int
    }

    public static let name = "ease"
    public static let task = ModelTask.ranking
    public static let summary = "EASE: closed-form item-item autoencoder with zero diagonal."
    public static let paper = "Steck 2019, Embarrassingly Shallow Autoencoders for Sparse Data, WWW"
    public static let defaultConfig = Config(lambda: 500, lambdaGrid: [], memoryLimitMb: 8192)
    public static let configHelp = [
        "lambda": "L2 regularisation added to the diagonal of X^T X.",
        "lambda_grid": "If non-empty, the lambdas tried on validation (Gram computed once); the best is kept.",
        "memory_limit_mb": "Stop with an error when the fit would need more memory than this (MB).",
    ]

    /// `[items, items]` item-item weights with zero diagonal (empty before fitting).
    public private(set) var weights: Tensor
    /// The λ of the fitted weights.
    public private(set) var chosenLambda: Float
    let config: Config
    let threads: Int?

    /// Bytes a single-λ fit needs for `items` items: the Gram matrix, inverted and turned into the
    /// weights in its own storage (`items² × 4` bytes; one more such matrix when a `GramCache`
    /// holds it, as when runs share a process); saturates at `Int.max`.
    public static func estimatedBytes(items: Int) -> Int { MemoryEstimate.product([items, items, MemoryLayout<Float>.size]) }

    /// The problems of a config: a λ (or a λ of the grid) <= 0, a negative memory limit.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.positive("lambda", config.lambda)
        for (index, lambda) in config.lambdaGrid.enumerated() { checks.positive("lambda_grid[\(index)]", lambda) }
        checks.atLeast("memory_limit_mb", config.memoryLimitMb, 0)
        return checks.problems
    }

    /// `estimatedBytes`, and two more `[items, items]` matrices when a λ grid is tried (the Gram
    /// matrix kept for the next λ and the best weights).
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        var estimate = MemoryEstimate()
        let items = dimensions.items
        estimate.add("Gram matrix, inverted into the weights in place [items, items]", bytes: estimatedBytes(items: items))
        if config.lambdaGrid.count > 1 {
            estimate.add("the Gram matrix kept for the next lambda and the best weights of the grid [items, items] x 2",
                         floats: [2, items, items])
        }
        return estimate
    }

    /// Checks the config and the memory estimate; allocates nothing.
    /// - Throws: `ModelError.memoryLimit` when `memoryEstimate` exceeds `memory_limit_mb`;
    ///   `ModelError.invalidConfig` with `configProblems`.
    public init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        try MemoryEstimate.requireWithinLimit(
            needed: Self.memoryEstimate(
                config: config, dimensions: DataDimensions(users: context.trainRows, items: context.itemCount, interactions: 0)).bytes,
            limitMb: config.memoryLimitMb,
            what: "EASE with \(context.itemCount) items")
        self.config = config
        threads = context.threads
        weights = Tensor(shape: [0, 0])
        chosenLambda = config.lambda
    }

    /// The weights for one λ from the Gram matrix `gram` (not modified).
    /// - Throws: `NotPositiveDefiniteError` if `gram + λI` is not numerically SPD.
    public static func solve(gram: Tensor, lambda: Float, threads: Int?) throws -> Tensor {
        var b = gram
        try formWeights(&b, lambda: lambda, threads: threads)
        return b
    }

    /// Turns the Gram matrix into the weights for λ in its own storage (no copy when `matrix`
    /// is the only reference to it).
    /// - Throws: `NotPositiveDefiniteError` if `matrix + λI` is not numerically SPD.
    public static func formWeights(_ matrix: inout Tensor, lambda: Float, threads: Int?) throws {
        requireShape(matrix.rank == 2 && matrix.rows == matrix.cols, "EASE.solve: gram must be square, got \(matrix.shape)")
        let penalty = [Float](repeating: lambda, count: matrix.rows)
        try FullRankLinearAutoencoder.formPenalizedInverse(&matrix, penalty: penalty, threads: threads)
        FullRankLinearAutoencoder.zeroDiagonalWeights(&matrix, threads: threads)
    }

    /// Takes the Gram matrix (from `session.gramCache` when the session has one), solves for λ
    /// (or each λ of the grid, keeping the best on validation), one curve record per λ. The
    /// last λ turns the Gram matrix itself into its weights (`gramForFit`).
    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let start = DispatchTime.now()
        var gram: Tensor? = GramCache.gram(of: data.train, session: session, threads: threads)
        let gramSeconds = GradientTrainer.seconds(since: start)
        let grid = config.lambdaGrid.isEmpty ? [config.lambda] : config.lambdaGrid
        return try FitReport.closedFormGrid(
            self, count: grid.count, data: data, session: session, setupSeconds: gramSeconds,
            fit: { index in
                let lambda = grid[index]
                weights = Tensor(shape: [0, 0])
                var b = FullRankLinearAutoencoder.gramForFit(&gram, index: index, count: grid.count)
                do {
                    try EASE.formWeights(&b, lambda: lambda, threads: threads)
                    weights = b
                } catch {
                    throw ModelError.invalidConfig("ease: X^T X + \(lambda) I is not positive definite (\(error))")
                }
                chosenLambda = lambda
            },
            save: { weights },
            restore: { best, index in
                weights = best
                chosenLambda = grid[index]
            })
    }

    /// `[history.rows, items]` scores `history · B`.
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        requireShape(
            history.cols == weights.rows, "\(Self.name).scores: history \(history.shape) vs weights \(weights.shape)")
        return history.multiply(weights, threads: threads)
    }

    /// `items²` weights.
    public var parameterCount: Int { weights.count }

    /// The item-item weights `B` and the chosen λ.
    public func exportState() throws -> ModelState {
        ModelState(names: ["weights", "lambda"], tensors: [weights, Tensor(shape: [1], scalars: [chosenLambda])])
    }

    /// Puts back the weights `[items, items]` and the chosen λ.
    public func importState(_ state: ModelState, training: TrainingData) throws {
        try state.requireShapes([[training.itemCount, training.itemCount], [1]], model: Self.name)
        weights = state.tensors[0]
        chosenLambda = state.tensors[1][0]
    }
}

extension EASE {
    /// Fit (one λ): the Gram matrix over the sparse rows (`p·(p + 1)/2` multiply-adds for a row
    /// of `p` entries: its upper triangle of pairs) and the SPD inverse (`n³` flops, `n³/3` each
    /// for Cholesky, triangular inverse and product, `Tensor.inverseSPD`); each further λ of
    /// `lambda_grid` repeats the inverse. Evaluation: the validation histories times the
    /// `[items, items]` weights. Reference: a product of a quarter of the order each way
    /// (`[items/4, items/4] x [items/4, items/4]`), the typical GEMM of the top levels of the
    /// inverse's recursion over halves, where nearly all of its flops are.
    public func flopCount(_ data: TrainingData) -> FLOPCount? {
        let n = data.itemCount, train = data.train
        let gram = (0..<train.rows).reduce(0.0) { total, row in
            let p = Double(train.count(ofRow: row))
            return total + p * (p + 1)
        }
        let evaluation = FLOPCount.validationHistory(data).map { FLOPCount.sparseDense(nonzeros: Double($0.nonzeros), width: n) }
        let quarter = max(1, n / 4)
        let reference = [GEMMShape(m: quarter, n: quarter, k: quarter)]
        // The SPD inverse: Cholesky, triangular inverse and product, n³/3 flops each.
        let inverse = Double(n) * Double(n) * Double(n)
        return FLOPCount(trainingEpoch: gram + inverse, evaluation: evaluation, referenceProducts: reference)
    }
}
