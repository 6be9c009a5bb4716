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
    /// - Complexity: O(cols log k) with a bounded min-heap.
    public static func select(
        _ scores: UnsafeBufferPointer<Float>, k: Int, excluding: UnsafeBufferPointer<Int32>? = nil
    ) -> [Int32] {
        requireArgument(k >= 0, "TopK.select: needs k >= 0, got \(k)")
        var heap = TopKHeap(capacity: k, reserving: scores.count)
        heap.scan(scores, excluding: excluding)
        return heap.sortedIndices()
    }

    /// The top `k` column indices of each row of `scores`.
    /// - Parameters:
    ///   - scores: `[rows, cols]` (a vector is one row).
    ///   - k: how many per row (>= 0).
    ///   - history: optional `[rows, cols]` CSR matrix whose stored entries are excluded per row
    ///     (the items a user already has); its values are ignored.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Returns: one array per row, each at most `k` long, best first.
    /// - Complexity: O(rows * cols * log k); memory O(rows * k).
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
                    var heap = TopKHeap(capacity: k, reserving: cols)
                    for r in range {
                        let row = UnsafeBufferPointer(rebasing: base[(r * cols)..<((r + 1) * cols)])
                        heap.removeAll()
                        if let history {
                            history.columnIndices.withUnsafeBufferPointer { all in
                                let slice = UnsafeBufferPointer(
                                    rebasing: all[history.rowPointers[r]..<history.rowPointers[r + 1]])
                                heap.scan(row, excluding: slice)
                            }
                        } else {
                            heap.scan(row, excluding: nil)
                        }
                        (output.value + r).initialize(to: heap.sortedIndices())
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

/// A bounded min-heap of (score, index) whose root is the worst kept candidate.
struct TopKHeap {
    private var scores: [Float] = []
    private var indices: [Int32] = []
    let capacity: Int

    /// - Parameters:
    ///   - capacity: `k`, the most candidates kept.
    ///   - columns: how many candidates a row offers; no more than that is reserved.
    init(capacity: Int, reserving columns: Int) {
        self.capacity = capacity
        scores.reserveCapacity(Swift.min(capacity, columns))
        indices.reserveCapacity(Swift.min(capacity, columns))
    }

    mutating func removeAll() {
        scores.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
    }

    /// Whether (s1, i1) ranks strictly better than (s2, i2): higher score, then lower index.
    @inline(__always)
    static func better(_ s1: Float, _ i1: Int32, _ s2: Float, _ i2: Int32) -> Bool {
        s1 > s2 || (s1 == s2 && i1 < i2)
    }

    /// Offers every column of `row` not listed in the sorted `excluding`.
    mutating func scan(_ row: UnsafeBufferPointer<Float>, excluding: UnsafeBufferPointer<Int32>?) {
        guard capacity > 0 else { return }
        var next = 0
        let excludedCount = excluding?.count ?? 0
        for j in 0..<row.count {
            if next < excludedCount, Int(excluding![next]) == j {
                next += 1
                continue
            }
            var score = row[j]
            // NaN compares false with everything, which would corrupt the heap order.
            if score.isNaN { score = -.infinity }
            offer(score, Int32(j))
        }
    }

    @inline(__always)
    mutating func offer(_ score: Float, _ index: Int32) {
        if scores.count < capacity {
            scores.append(score)
            indices.append(index)
            siftUp(scores.count - 1)
        } else if Self.better(score, index, scores[0], indices[0]) {
            scores[0] = score
            indices[0] = index
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.better(scores[parent], indices[parent], scores[child], indices[child]) else { return }
            scores.swapAt(parent, child)
            indices.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        let count = scores.count
        while true {
            let left = 2 * parent + 1
            if left >= count { return }
            var worst = left
            let right = left + 1
            if right < count && Self.better(scores[left], indices[left], scores[right], indices[right]) {
                worst = right
            }
            guard Self.better(scores[parent], indices[parent], scores[worst], indices[worst]) else { return }
            scores.swapAt(parent, worst)
            indices.swapAt(parent, worst)
            parent = worst
        }
    }

    /// The kept indices, best first.
    func sortedIndices() -> [Int32] {
        let order = (0..<scores.count).sorted { Self.better(scores[$0], indices[$0], scores[$1], indices[$1]) }
        return order.map { indices[$0] }
    }
}
