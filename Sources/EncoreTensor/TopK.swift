/// Partial top-k selection per row: the `k` highest scores without sorting the whole row.
///
/// Order: score descending, ties broken by the LOWER column index (the metrics' convention).
/// NaN scores count as `-infinity` (ties with it go by index). Excluded columns (a user's history)
/// are never returned, as if their scores were `-infinity` and removed; when fewer than `k`
/// columns remain, all of them are returned (the result is shorter than `k`).
///
/// ```swift
/// let top = TopK.select(rows: scores, k: 20, excluding: trainHistory)  // [[Int32]], one per row
/// ```
public enum TopK {
    /// The top `k` column indices of one row of scores.
    /// - Parameters:
    ///   - scores: one row, `[cols]`.
    ///   - k: how many to return (>= 0).
    ///   - excluding: column indices never to return, sorted increasing (a CSR row's indices).
    /// - Returns: at most `k` indices, best first.
    /// - Complexity: O(cols + k log k) (`TopKSelector`).
    public static func select(
        _ scores: UnsafeBufferPointer<Float>, k: Int, excluding: UnsafeBufferPointer<Int32>? = nil
    ) -> [Int32] {
        requireArgument(k >= 0, "TopK.select: needs k >= 0, got \(k)")
        var selector = Swift.min(k, scores.count) > 0 ? TopKSelector(k: Swift.min(k, scores.count)) : nil
        return select(scores.baseAddress, count: scores.count, excluded: excluding.map { Array($0)[...] } ?? [],
                      with: &selector)
    }

    /// One row through `selector` (nil: nothing to select, an empty list).
    static func select(
        _ scores: UnsafePointer<Float>?, count: Int, excluded: ArraySlice<Int32>, with selector: inout TopKSelector?
    ) -> [Int32] {
        guard let scores, selector != nil else { return [] }
        let k = selector!.k
        var items = [Int32](repeating: 0, count: k), values = [Float](repeating: 0, count: k)
        let length = items.withUnsafeMutableBufferPointer { itemBuffer in
            values.withUnsafeMutableBufferPointer { valueBuffer in
                selector!.select(
                    scores: scores, itemCount: count, excluded: excluded,
                    items: itemBuffer.baseAddress!, values: valueBuffer.baseAddress!)
            }
        }
        return Array(items.prefix(length))
    }

    /// The top `k` column indices of each row of `scores`.
    /// - Parameters:
    ///   - scores: `[rows, cols]` (a vector is one row).
    ///   - k: how many per row (>= 0).
    ///   - history: optional `[rows, cols]` CSR matrix whose stored entries are excluded per row
    ///     (the items a user already has); its values are ignored.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Returns: one array per row, each at most `k` long, best first.
    /// - Complexity: O(rows * (cols + k log k)); memory O(rows * k).
    public static func select(
        rows scores: Tensor, k: Int, excluding history: SparseMatrix? = nil, threads: Int? = nil
    ) -> [[Int32]] {
        requireArgument(k >= 0, "TopK.select: needs k >= 0, got \(k)")
        let rows = scores.rows, cols = scores.cols
        if let history {
            requireShape(
                history.rows == rows && history.cols == cols,
                "TopK.select: shapes differ: scores \(scores.shape) vs history \(history.shape)")
        }
        var result = [[Int32]](repeating: [], count: rows)
        scores.withUnsafeBufferPointer { base in
            result.withUnsafeMutableBufferPointer { out in
                let output = UncheckedSendableBox(out.baseAddress!)
                Parallel.forEachChunk(rows, threads: threads, minimumChunk: 64) { range in
                    var selector = Swift.min(k, cols) > 0 ? TopKSelector(k: Swift.min(k, cols)) : nil
                    for r in range {
                        let excluded = history?.columns(ofRow: r) ?? []
                        let top = select(base.baseAddress.map { $0 + r * cols }, count: cols, excluded: excluded, with: &selector)
                        (output.value + r).initialize(to: top)
                    }
                }
            }
        }
        return result
    }

    /// Like `select(rows:k:excluding:threads:)`, flattened: `[rows * k]` indices, row `r` at
    /// `r * k ..< (r + 1) * k`, padded with `-1` where a row has fewer than `k` candidates.
    public static func selectFlat(
        rows scores: Tensor, k: Int, excluding history: SparseMatrix? = nil, threads: Int? = nil
    ) -> [Int32] {
        requireArgument(
            !scores.rows.multipliedReportingOverflow(by: k).overflow,
            "TopK.selectFlat: \(scores.rows) rows x k \(k) indices overflow Int")
        let lists = select(rows: scores, k: k, excluding: history, threads: threads)
        var flat = [Int32](repeating: -1, count: lists.count * k)
        for (r, list) in lists.enumerated() {
            for (i, index) in list.enumerated() { flat[r * k + i] = index }
        }
        return flat
    }
}
