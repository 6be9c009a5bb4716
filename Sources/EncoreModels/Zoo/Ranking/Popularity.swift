import Foundation

/// Most-popular baseline: every user gets the items ranked by their number of training
/// interactions (the same scores for everyone; the caller removes each user's history).
///
/// Paper: none (the standard baseline of implicit-feedback evaluation, e.g. Liang et al. 2018
/// and Steck 2019 report it). Deviation: none; ties keep item order.
public final class Popularity: Ranker {
    /// Popularity has no settings; `weighted` chooses sums of values over interaction counts.
    public struct Config: Codable, Sendable, Equatable {
        /// Sum the interaction values (true) instead of counting interactions (false).
        public var weighted: Bool
    }

    public static let name = "popularity"
    public static let task = ModelTask.ranking
    public static let summary = "Most-popular baseline: items ranked by training interactions."
    public static let paper = "Baseline (e.g. Liang et al. 2018, WWW; Steck 2019, WWW)"
    public static let defaultConfig = Config(weighted: false)
    public static let configHelp = ["weighted": "Sum interaction values instead of counting interactions."]

    /// `[items]` popularity of each item.
    public private(set) var counts: Tensor
    let config: Config

    /// The counts per item.
    public static func memoryEstimate(config: Config, dimensions: DataDimensions) -> MemoryEstimate {
        MemoryEstimate([.init(name: "counts per item", bytes: MemoryEstimate.product([2, dimensions.items, 4]), key: nil)])
    }

    /// Creates an unfitted model (all counts zero).
    public init(config: Config, context: ModelContext) throws {
        self.config = config
        counts = Tensor(shape: [context.itemCount])
    }

    /// Counts interactions per item, then reports validation.
    public func fit(_ data: TrainingData, session: TrainingSession) throws -> FitReport {
        let start = DispatchTime.now()
        var totals = [Float](repeating: 0, count: data.itemCount)
        for (e, column) in data.train.columnIndices.enumerated() {
            totals[Int(column)] += config.weighted ? data.train.values[e] : 1
        }
        counts = Tensor(shape: [data.itemCount], scalars: totals)
        return try FitReport.closedForm(self, data: data, session: session, fitStarted: start)
    }

    /// `[history.rows, items]`: every row is the popularity vector.
    public func scores(history: SparseMatrix, trainingRows: [Int]) -> Tensor {
        requireShape(
            history.cols == counts.count, "\(Self.name).scores: history \(history.shape) vs \(counts.count) items")
        var result = Tensor(uninitializedShape: [history.rows, history.cols])
        let n = history.cols
        counts.withUnsafeBufferPointer { c in
            result.withUnsafeMutableBufferPointer { r in
                for row in 0..<history.rows { (r.baseAddress! + row * n).update(from: c.baseAddress!, count: n) }
            }
        }
        return result
    }

    /// Popularity trains no parameters.
    public var parameterCount: Int { 0 }

    /// The popularity of each item.
    public func exportState() throws -> ModelState { ModelState(names: ["counts"], tensors: [counts]) }

    /// Puts back the popularity `[items]`.
    public func importState(_ state: ModelState, training: TrainingData) throws {
        try state.requireShapes([[training.itemCount]], model: Self.name)
        counts = state.tensors[0]
    }
}
