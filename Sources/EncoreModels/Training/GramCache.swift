import Foundation

/// The Gram matrix `XᵀX` `[items, items]` of the last training matrix asked for, kept for the
/// next fit on the same matrix.
///
/// The closed-form item-item models (EASE, DLAE, EDLAE) start from `XᵀX`; the runner hands one
/// cache to every run of a model entry (`TrainingSession.gramCache`), so the runs of a grid and
/// of its seeds on one split compute it once. A fit without a cache computes its own. The cache
/// holds at most one matrix; a training matrix that differs from the cached one (by value)
/// replaces it.
///
/// ```swift
/// var session = TrainingSession(selectionMetric: ndcg, rng: rng)
/// session.gramCache = GramCache()
/// ```
public final class GramCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: (matrix: SparseMatrix, gram: Tensor)?

    /// An empty cache.
    public init() {}

    /// `matrix.gram(threads:)`, computed only when `matrix` is not the cached one. Splits shared
    /// between runs share their storage, so the comparison is then immediate.
    /// - Returns: `[matrix.cols, matrix.cols]`; the result does not depend on `threads`.
    public func gram(of matrix: SparseMatrix, threads: Int?) -> Tensor {
        lock.lock()
        defer { lock.unlock() }
        if let entry, entry.matrix == matrix { return entry.gram }
        entry = nil
        let gram = matrix.gram(threads: threads)
        entry = (matrix, gram)
        return gram
    }

    /// Whether the Gram matrix of `matrix` is cached.
    public func holds(_ matrix: SparseMatrix) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return entry?.matrix == matrix
    }

    /// Drops the cached matrix.
    public func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        entry = nil
    }

    /// The Gram matrix of `matrix` from `session.gramCache`, or computed afresh without one.
    public static func gram(of matrix: SparseMatrix, session: TrainingSession, threads: Int?) -> Tensor {
        session.gramCache?.gram(of: matrix, threads: threads) ?? matrix.gram(threads: threads)
    }
}
