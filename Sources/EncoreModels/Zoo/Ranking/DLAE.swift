import Foundation

/// DLAE and EDLAE, the full-rank dropout linear autoencoders (Steck 2020, "Autoencoders that
/// don't overfit towards the Identity", NeurIPS).
///
/// A linear autoencoder `B` `[items, items]` trained on inputs with dropout probability `p`
/// (kept entries scaled by `1/(1−p)`) minimises, in expectation over the dropout,
/// `‖X − XB‖² + ‖Λ^{1/2}·B‖² + λ‖B‖²` with `Λ = p/(1−p)·dMat(diag(XᵀX))`: dropout is an L2
/// penalty that grows with each item's popularity. With `G = XᵀX`, `d = diag(Λ) + λ` and
/// `P = (G + dMat(d))⁻¹`:
/// - DLAE (`emphasized` false): `B = (G + dMat(d))⁻¹·G = I − P·dMat(d)`. Its diagonal
///   `1 − d_j·P[j, j]` stays positive for every `p < 1`: dropout shrinks the identity but does
///   not remove it.
/// - EDLAE (`emphasized` true): the errors count only at the dropped-out entries (full emphasis,
///   weighted `1/p` so that λ keeps its scale), so no item is predicted from itself:
///   `B = I − P·dMat(1 ⊘ diag(P))`, `diag(B) = 0` (the paper's Eqs. 8-9), which is EASE with
///   `λ + p/(1−p)·G[j, j]` in place of λ; at `p = 0` it is EASE.
///
/// Scores `= X·B`. The Gram matrix is computed once per fit (or taken from the session's
/// `GramCache`) and every (λ, p) of `lambda_grid` x `dropout_grid` is solved from it and scored
/// on validation; the best is kept. Deviations: none in the closed forms (EDLAE's is the
/// author's notebook's `learn_EDLAE_fullrank`, DLAE's the paper's `(XᵀX + Λ)⁻¹XᵀX` with λ added
/// to `Λ` as the notebook adds it). The paper also fits low-rank versions iteratively; only the
/// full-rank closed forms are here. Defaults: the notebook's full-rank EDLAE setting for ML-20M
/// (`p` 0.33, λ 300), for both models.
public final class DLAE: Ranker {
    /// DLAE / EDLAE settings.
    public struct Config: Codable, Sendable, Equatable {
        /// L2 weight λ added to the penalty of every item.
        public var lambda: Float
        /// Input dropout probability `p` in `[0, 1)`; the induced penalty is `p/(1−p)·G[j, j]`.
        public var dropout: Float
        /// Count the errors only at dropped-out entries (EDLAE, zero diagonal) instead of at
        /// every entry (DLAE).
        public var emphasized: Bool
        /// λ values to choose from on validation (empty: use `lambda`).
        public var lambdaGrid: [Float]
        /// Dropout values to choose from on validation, every one with every λ (empty: use
        /// `dropout`).
        public var dropoutGrid: [Float]
        /// The most memory the fit may use, in MB.
        public var memoryLimitMb: Int
    }

    public static let name = "dlae"
    public static let task = ModelTask.ranking
    public static let summary = "DLAE: closed-form full-rank linear autoencoder trained with input dropout."
    public static let paper = "Steck 2020, Autoencoders that don't overfit towards the Identity, NeurIPS"
    public static let defaultConfig = Config(
        lambda: 300, dropout: 0.33, emphasized: false, lambdaGrid: [], dropoutGrid: [], memoryLimitMb: 8192)
    /// The defaults of the emphasised variant, registered as `edlae`.
    public static let emphasizedDefaults: Config = {
        var config = defaultConfig
        config.emphasized = true
        return config
    }()
    public static let configHelp = [
        "lambda": "L2 regularisation added to every item's penalty (lambda >= 0; lambda and dropout not both 0).",
        "dropout": "Input dropout probability p in [0, 1); it adds p/(1-p) x the item's diagonal entry of X^T X to its penalty.",
        "emphasized": "Count errors only at dropped-out entries (EDLAE: zero diagonal) instead of at every entry (DLAE).",
        "lambda_grid": "If non-empty, the lambdas tried on validation, each with every dropout (Gram computed once); the best is kept.",
        "dropout_grid": "If non-empty, the dropout probabilities tried on validation, each with every lambda.",
        "memory_limit_mb": "Stop with an error when the fit would need more memory than this (MB).",
    ]

    /// `[items, items]` item-item weights (empty before fitting).
    public private(set) var weights: Tensor
    /// The λ of the fitted weights.
    public private(set) var chosenLambda: Float
    /// The dropout probability of the fitted weights.
    public private(set) var chosenDropout: Float
    let config: Config
    let threads: Int?

    /// The problems of a config: a λ < 0, a dropout outside `[0, 1)` (also in the grids), λ and
    /// dropout both 0 for some grid point (`XᵀX` alone is singular on sparse data), a negative
    /// memory limit.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.nonNegative("lambda", config.lambda)
        checks.rate("dropout", config.dropout)
        for (index, lambda) in config.lambdaGrid.enumerated() { checks.nonNegative("lambda_grid[\(index)]", lambda) }
        for (index, dropout) in config.dropoutGrid.enumerated() { checks.rate("dropout_grid[\(index)]", dropout) }
        checks.atLeast("memory_limit_mb", config.memoryLimitMb, 0)
        if checks.problems.isEmpty, lambdas(config).contains(0), dropouts(config).contains(0) {
            let key = config.lambdaGrid.isEmpty ? "lambda" : "lambda_grid[\(config.lambdaGrid.firstIndex(of: 0)!)]"
            checks.require(false, key: key, expected: "a number > 0 where dropout can be 0 (X^T X alone is singular)",
                           found: "0")
        }
        return checks.problems
    }

    /// The Gram matrix, inverted and turned into the weights in its own storage (`items² × 4`
    /// bytes; one more such matrix when a `GramCache` holds it, as when runs share a process),
    /// plus, for a grid, the Gram matrix kept for the next point and the best weights.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        var estimate = MemoryEstimate()
        let items = dimensions.items
        estimate.add("Gram matrix, inverted into the weights in place [items, items]", floats: [items, items])
        if lambdas(config).count * dropouts(config).count > 1 {
            estimate.add("the Gram matrix kept for the next point and the best weights of the grid [items, items] x 2",
                         floats: [2, items, items])
        }
        return estimate
    }

    /// Checks the config and the memory estimate; allocates nothing.
    /// - Throws: `ModelError.invalidConfig` with `configProblems`; `ModelError.memoryLimit` when
    ///   the estimate exceeds `memory_limit_mb`.
    public init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        let dimensions = DataDimensions(users: context.trainRows, items: context.itemCount, interactions: 0)
        try MemoryEstimate.requireWithinLimit(
            needed: Self.memoryEstimate(config: config, dimensions: dimensions).bytes, limitMb: config.memoryLimitMb,
            what: "\(config.emphasized ? "EDLAE" : "DLAE") with \(context.itemCount) items")
        self.config = config
        threads = context.threads
        weights = Tensor(shape: [0, 0])
        chosenLambda = config.lambda
        chosenDropout = config.dropout
    }

    /// The weights for one (λ, p) from the Gram matrix `gram` (not modified): DLAE's
    /// `I − P·dMat(d)`, or EDLAE's `I − P·dMat(1 ⊘ diag(P))` when `emphasized`.
    /// - Throws: `NotPositiveDefiniteError` if `gram + dMat(d)` is not numerically SPD.
    public static func solve(gram: Tensor, lambda: Float, dropout: Float, emphasized: Bool, threads: Int?) throws -> Tensor {
        var b = gram
        try formWeights(&b, lambda: lambda, dropout: dropout, emphasized: emphasized, threads: threads)
        return b
    }

    /// `solve` in the storage of the Gram matrix (no copy when `matrix` is the only reference to it).
    /// - Throws: `NotPositiveDefiniteError` if `matrix + dMat(d)` is not numerically SPD.
    public static func formWeights(_ matrix: inout Tensor, lambda: Float, dropout: Float, emphasized: Bool, threads: Int?) throws {
        let penalty = FullRankLinearAutoencoder.dropoutPenalty(gram: matrix, lambda: lambda, dropout: dropout)
        try FullRankLinearAutoencoder.formPenalizedInverse(&matrix, penalty: penalty, threads: threads)
        if emphasized {
            FullRankLinearAutoencoder.zeroDiagonalWeights(&matrix, threads: threads)
        } else {
            FullRankLinearAutoencoder.freeDiagonalWeights(&matrix, penalty: penalty, threads: threads)
        }
    }

    /// Takes the Gram matrix (from `session.gramCache` when the session has one), solves each
    /// (λ, p) of the grid (λ outer, p inner), one curve record each, keeps the best on validation.
    /// The last point turns the Gram matrix itself into its weights (`gramForFit`).
    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let start = DispatchTime.now()
        var gram: Tensor? = GramCache.gram(of: data.train, session: session, threads: threads)
        let gramSeconds = GradientTrainer.seconds(since: start)
        let points = Self.lambdas(config).flatMap { lambda in Self.dropouts(config).map { (lambda: lambda, dropout: $0) } }
        let emphasized = config.emphasized
        let name = emphasized ? "edlae" : Self.name
        return try FitReport.closedFormGrid(
            self, count: points.count, data: data, session: session, setupSeconds: gramSeconds,
            fit: { index in
                let point = points[index]
                weights = Tensor(shape: [0, 0])
                var b = FullRankLinearAutoencoder.gramForFit(&gram, index: index, count: points.count)
                do {
                    try DLAE.formWeights(&b, lambda: point.lambda, dropout: point.dropout, emphasized: emphasized, threads: threads)
                    weights = b
                } catch {
                    throw ModelError.invalidConfig(
                        "\(name): X^T X plus the penalty of lambda \(point.lambda), dropout \(point.dropout) is not positive "
                            + "definite (\(error)); an item without training interactions needs lambda > 0")
                }
                (chosenLambda, chosenDropout) = point
            },
            save: { weights },
            restore: { best, index in
                weights = best
                (chosenLambda, chosenDropout) = points[index]
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

    /// The λ values a fit tries.
    static func lambdas(_ config: Config) -> [Float] { config.lambdaGrid.isEmpty ? [config.lambda] : config.lambdaGrid }

    /// The dropout values a fit tries.
    static func dropouts(_ config: Config) -> [Float] { config.dropoutGrid.isEmpty ? [config.dropout] : config.dropoutGrid }
}

extension DLAE {
    /// The fitted weights `[items, items]` with the chosen λ and dropout probability.
    public func exportState() throws -> ModelState {
        ModelState(names: ["weights", "lambda_dropout"],
                   tensors: [weights, Tensor(shape: [2], scalars: [chosenLambda, chosenDropout])])
    }

    /// Puts back the weights `[items, items]` and the chosen λ and dropout probability.
    public func importState(_ state: ModelState, training: TrainingData) throws {
        try state.requireShapes([[training.itemCount, training.itemCount], [2]], model: Self.name)
        weights = state.tensors[0]
        chosenLambda = state.tensors[1][0]
        chosenDropout = state.tensors[1][1]
    }
}
