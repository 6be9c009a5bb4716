import EncoreExperiments
import Foundation

/// DLAE, the full-rank denoising linear autoencoder in closed form (Steck 2020, "Autoencoders
/// that don't overfit towards the Identity", NeurIPS): a variant of EASE.
///
/// Training the linear autoencoder `X·B ≈ X` with input dropout of probability `p` is, in
/// expectation, least squares plus the penalty `‖Λ^½·B‖²` with `Λ = p/(1−p)·diag(XᵀX)`: the rows
/// of `B` of popular input items are pulled hardest towards zero, which keeps `B` away from the
/// identity (EASE forbids the identity by forcing `diag(B) = 0` instead). The minimiser is
/// `B = (XᵀX + Λ)⁻¹·XᵀX = I − P·Λ` with `P = (XᵀX + Λ)⁻¹`, and a user's scores are `x·B`.
/// Deviation: `lambda` adds a plain L2 term `λ·I` to `Λ`, so that items without training
/// interactions keep `XᵀX + Λ` invertible.
final class DLAE: Ranker {
    /// DLAE settings (snake_case keys in specs).
    struct Config: Codable, Sendable {
        /// Probability `p` of the emulated input dropout, in [0, 1).
        var dropout: Float
        /// Plain L2 weight `λ` added to the diagonal, > 0.
        var lambda: Float
        /// The most memory the fit may use, in MB (`XᵀX`, its inverse and the factor workspace).
        var memoryLimitMb: Int
    }

    static let name = "dlae"
    static let task = ModelTask.ranking
    static let summary = "DLAE: closed-form linear autoencoder with emulated input dropout."
    static let paper = "Steck 2020, Autoencoders that don't overfit towards the Identity, NeurIPS"
    static let defaultConfig = Config(dropout: 0.33, lambda: 100, memoryLimitMb: 8192)
    static let configHelp = [
        "dropout": "Probability p of the emulated input dropout; the penalty is p/(1-p) diag(X^T X).",
        "lambda": "Plain L2 weight added to the diagonal of X^T X.",
        "memory_limit_mb": "Stop with an error when the fit would need more memory than this (MB).",
    ]

    /// `[items, items]` weights `B` (empty before fitting).
    private(set) var weights = Tensor(shape: [0, 0])
    let config: Config
    let threads: Int?

    /// Checks the config and the memory the fit will need; allocates nothing.
    init(config: Config, context: ModelContext) throws {
        guard config.dropout >= 0, config.dropout < 1, config.lambda > 0 else {
            throw ModelError.invalidConfig("dlae: dropout must be in [0, 1) and lambda > 0")
        }
        let needed = 3 * context.itemCount * context.itemCount * MemoryLayout<Float>.size
        guard needed <= config.memoryLimitMb * 1_048_576 else {
            throw ModelError.memoryLimit(needed: needed, limit: config.memoryLimitMb * 1_048_576,
                                         what: "DLAE with \(context.itemCount) items")
        }
        self.config = config
        threads = context.threads
    }

    /// Solves for `B` in closed form, then reports the selection metric on validation.
    func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let start = DispatchTime.now()
        let n = data.itemCount
        var system = data.train.gram(threads: threads)                  // XᵀX, [items, items]
        var penalty = [Float](repeating: config.lambda, count: n)       // diagonal of Λ + λI
        let dropoutWeight = config.dropout / (1 - config.dropout)
        system.withUnsafeMutableBufferPointer { g in
            for i in 0..<n {
                penalty[i] += dropoutWeight * g[i * n + i]
                g[i * n + i] += penalty[i]
            }
        }
        var b = try Tensor.inverseSPD(system, threads: threads)         // P = (XᵀX + Λ + λI)⁻¹
        b.withUnsafeMutableBufferPointer { p in                          // B = I − P·(Λ + λI)
            for i in 0..<n {
                for j in 0..<n { p[i * n + j] *= -penalty[j] }
                p[i * n + i] += 1
            }
        }
        weights = b
        return try FitReport.closedForm(self, data: data, session: session, fitStarted: start)
    }

    /// `[history.rows, items]` scores `history · B`.
    func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        precondition(history.cols == weights.rows, "DLAE: history \(history.shape) vs weights \(weights.shape)")
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
