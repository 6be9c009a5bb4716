import Foundation

/// Item-based k-nearest-neighbour baseline with cosine similarity and shrinkage (Sarwar et al.
/// 2001, "Item-Based Collaborative Filtering Recommendation Algorithms", WWW; shrinkage as in
/// Koren 2008).
///
/// `S_ij = (x_i · x_j) / (‖x_i‖ ‖x_j‖ + shrinkage)` over the item columns of the training matrix,
/// `S_jj = 0`; for each item `j` only its `k` most similar items keep their weight, and a user's
/// scores are `history · S_topk` (the sum of similarities from the history items to `j`).
/// Deviations: the similarity matrix is kept dense (`[items, items]`, bounded by
/// `memory_limit_mb`) so scoring is one sparse-dense product.
public final class ItemKNN: Ranker {
    /// ItemKNN settings.
    public struct Config: Codable, Sendable, Equatable {
        /// Neighbours kept per item.
        public var neighbours: Int
        /// Added to the cosine denominator (damps similarities built on few co-occurrences).
        public var shrinkage: Float
        /// The most memory the fit may use, in MB.
        public var memoryLimitMb: Int
    }

    public static let name = "item-knn"
    public static let task = ModelTask.ranking
    public static let summary = "Item-based kNN: cosine similarity with shrinkage, k neighbours per item."
    public static let paper = "Sarwar et al. 2001, Item-Based Collaborative Filtering Recommendation Algorithms, WWW"
    public static let defaultConfig = Config(neighbours: 100, shrinkage: 10, memoryLimitMb: 8192)
    public static let configHelp = [
        "neighbours": "Most similar items kept per item (k).",
        "shrinkage": "Added to the cosine denominator.",
        "memory_limit_mb": "Stop with an error when the fit would need more memory than this (MB).",
    ]

    /// `[items, items]`: `similarities[i, j]` is item `i`'s weight in the score of item `j`.
    public private(set) var similarities: Tensor
    let config: Config
    let threads: Int?

    /// The problems of a config: fewer than 1 neighbour, a negative shrinkage or memory limit.
    public static func configProblems(_ config: Config) -> [ConfigProblem] {
        var checks = ConfigChecks()
        checks.atLeast("neighbours", config.neighbours, 1)
        checks.nonNegative("shrinkage", config.shrinkage)
        checks.atLeast("memory_limit_mb", config.memoryLimitMb, 0)
        return checks.problems
    }

    /// Bytes the fit needs for `items` items: the similarity matrix and its pruned copy (each
    /// `items² × 4` bytes); saturates at `Int.max`.
    public static func estimatedBytes(items: Int) -> Int { MemoryEstimate.product([2, items, items, MemoryLayout<Float>.size]) }

    /// `estimatedBytes`.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        MemoryEstimate([.init(name: "similarities and their pruned copy [items, items] x 2",
                              bytes: estimatedBytes(items: dimensions.items), key: nil)])
    }

    /// Checks the config and the memory estimate (two `[items, items]` matrices).
    public init(config: Config, context: ModelContext) throws {
        try ConfigChecks(Self.configProblems(config)).check()
        try MemoryEstimate.requireWithinLimit(
            needed: ItemKNN.estimatedBytes(items: context.itemCount), limitMb: config.memoryLimitMb,
            what: "item-knn with \(context.itemCount) items")
        self.config = config
        threads = context.threads
        similarities = Tensor(shape: [0, 0])
    }

    /// Builds the pruned similarity matrix, then reports validation.
    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let start = DispatchTime.now()
        let n = data.itemCount
        var cosine = data.train.gram(threads: threads)
        var pruned = Tensor(shape: [n, n])
        let k = min(config.neighbours, max(n - 1, 0)), shrink = config.shrinkage
        cosine.withUnsafeMutableBufferPointer { s in
            let norms = (0..<n).map { s[$0 * n + $0].squareRoot() }
            for i in 0..<n {
                for j in 0..<n { s[i * n + j] /= norms[i] * norms[j] + shrink + (norms[i] * norms[j] == 0 ? 1 : 0) }
                s[i * n + i] = -.infinity
            }
            pruned.withUnsafeMutableBufferPointer { p in
                // Row j of the symmetric S lists item j's neighbours; they become column j of p.
                for j in 0..<n {
                    let row = UnsafeBufferPointer(rebasing: s[(j * n)..<(j * n + n)])
                    for i in TopK.select(row, k: k) where row[Int(i)] > 0 { p[Int(i) * n + j] = row[Int(i)] }
                }
            }
        }
        similarities = pruned
        return try FitReport.closedForm(self, data: data, session: session, fitStarted: start)
    }

    /// `[history.rows, items]` scores `history · S_topk`.
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        requireShape(
            history.cols == similarities.rows,
            "\(Self.name).scores: history \(history.shape) vs similarities \(similarities.shape)")
        return history.multiply(similarities, threads: threads)
    }

    /// Stored (non-zero) similarities.
    public var parameterCount: Int { similarities.withUnsafeBufferPointer { $0.reduce(0) { $1 != 0 ? $0 + 1 : $0 } } }

    /// The pruned similarity matrix.
    public func exportState() throws -> ModelState { ModelState(names: ["similarities"], tensors: [similarities]) }

    /// Puts back the pruned similarities `[items, items]`.
    public func importState(_ state: ModelState, training: TrainingData) throws {
        try state.requireShapes([[training.itemCount, training.itemCount]], model: Self.name)
        similarities = state.tensors[0]
    }
}
