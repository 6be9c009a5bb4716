import EncoreExperiments
import Foundation

/// RLAE, EASE with a relaxed diagonal constraint (Moon, Kim and Lee 2023, "It's Enough: Relaxing
/// Diagonal Constraints in Linear Autoencoders for Recommendation", SIGIR).
///
/// EASE forbids each item from predicting itself (`diag(B) = 0`); RLAE only bounds that weight:
/// it minimises `‖X − XB‖² + λ‖B‖²` subject to `diag(B) ≤ ξ`. With `P = (XᵀX + λI)⁻¹` the
/// minimiser is `B = I − P·dMat(λ + μ)`, where the multiplier `μ_j = max(0, (1 − ξ)/P[j, j] − λ)`
/// is positive only for the items whose unconstrained weight on themselves, `1 − λ·P[j, j]`,
/// would exceed ξ (their `B[j, j]` is then ξ). `ξ = 0` gives EASE. A user's scores are `x·B`.
/// Deviation: none.
final class RLAE: Ranker {
    /// RLAE settings (snake_case keys in specs).
    struct Config: Codable, Sendable {
        /// L2 weight `λ` added to the diagonal, > 0.
        var lambda: Float
        /// The bound `ξ` on each item's weight on itself, in [0, 1).
        var xi: Float
        /// The most memory the fit may use, in MB (`XᵀX` and its inverse).
        var memoryLimitMb: Int
    }

    static let name = "rlae"
    static let task = ModelTask.ranking
    static let summary = "RLAE: EASE with the diagonal bounded by xi instead of forced to zero."
    static let paper = "Moon, Kim and Lee 2023, It's Enough: Relaxing Diagonal Constraints in Linear Autoencoders, SIGIR"
    static let defaultConfig = Config(lambda: 400, xi: 0.1, memoryLimitMb: 8192)
    static let configHelp = [
        "lambda": "L2 weight added to the diagonal of X^T X.",
        "xi": "Upper bound in [0, 1) on each item's weight on itself (0: EASE).",
        "memory_limit_mb": "Stop with an error when the fit would need more memory than this (MB).",
    ]

    /// `[items, items]` weights `B` (empty before fitting).
    private(set) var weights = Tensor(shape: [0, 0])
    let config: Config
    let threads: Int?

    /// Checks the config and the memory the fit will need; allocates nothing.
    init(config: Config, context: ModelContext) throws {
        guard config.lambda > 0, config.xi >= 0, config.xi < 1 else {
            throw ModelError.invalidConfig("rlae: lambda must be > 0 and xi in [0, 1)")
        }
        let needed = 2 * context.itemCount * context.itemCount * MemoryLayout<Float>.size
        guard needed <= config.memoryLimitMb * 1_048_576 else {
            throw ModelError.memoryLimit(needed: needed, limit: config.memoryLimitMb * 1_048_576,
                                         what: "RLAE with \(context.itemCount) items")
        }
        self.config = config
        threads = context.threads
    }

    /// Solves for `B` in closed form, then reports the selection metric on validation.
    func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let start = DispatchTime.now()
        let n = data.itemCount
        let gram = data.train.gram(threads: threads)                          // XᵀX, [items, items]
        let lambda = [Float](repeating: config.lambda, count: n)
        var b: Tensor
        do {
            b = try FullRankLinearAutoencoder.penalizedInverse(gram: gram, penalty: lambda, threads: threads)  // P
        } catch {
            throw ModelError.invalidConfig("rlae: \(error)")
        }
        let scale = (0..<n).map { j in max(config.lambda, (1 - config.xi) / b[j, j]) }   // λ + μ_j
        FullRankLinearAutoencoder.freeDiagonalWeights(&b, penalty: scale, threads: threads)  // B = I − P·dMat(λ + μ)
        weights = b
        return try FitReport.closedForm(self, data: data, session: session, fitStarted: start)
    }

    /// `[history.rows, items]` scores `history · B`.
    func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        precondition(history.cols == weights.rows, "RLAE: history \(history.shape) vs weights \(weights.shape)")
        return history.multiply(weights, threads: threads)
    }

    /// `items²` weights.
    var parameterCount: Int { weights.count }

    /// The weights `B`: what `encore run --save-model` keeps of the fit (a `GradientModel` needs
    /// no code for this: its `parameters` are saved).
    func exportState() throws -> ModelState { ModelState(names: ["weights"], tensors: [weights]) }

    /// Puts back the weights of a saved model (`encore recommend`).
    func importState(_ state: ModelState, training: TrainingData) throws {
        try state.requireShapes([[training.itemCount, training.itemCount]], model: Self.name)
        weights = state.tensors[0]
    }
}
