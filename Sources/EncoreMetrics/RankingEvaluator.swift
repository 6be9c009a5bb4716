import Foundation

/// Full-ranking evaluation: every item is ranked for every user, the user's history excluded.
///
/// Users are scored in batches of `batchSize` rows by a caller closure, so at most one
/// `[batchSize, items]` score block is alive (ML-20M: 138,000 x 20,000 never materialises).
/// Within a batch users are split across `threads`; each user's top `max k` items are selected
/// once (partial selection, not a sort) and every metric at every cut-off is read off that list.
/// A cut-off above the item count selects every eligible item: lists are capped at the item
/// count (`Metric.listLength(items:)`), so memory never grows with k, and the formulas are
/// unchanged (`precision@k` still divides by k).
///
/// ```swift
/// let evaluator = RankingEvaluator(metrics: try Metric.parse(["recall@20", "ndcg@100"]))
/// let report = evaluator.evaluate(history: train, targets: test) { rows in model.scores(rows) }
/// print(report.means["ndcg@100"]!)
/// ```
public struct RankingEvaluator: Sendable {
    /// The ranking metrics evaluated, in the order given.
    public let metrics: [Metric]
    /// Users scored per call of the scoring closure.
    public let batchSize: Int
    /// Threads for the per-user work (`nil`: all cores).
    public let threads: Int?
    /// The largest cut-off among `metrics`: the length of each user's selected list (capped at
    /// the item count when evaluating).
    public let maxK: Int

    /// Creates an evaluator.
    /// - Precondition: `metrics` non-empty and all ranking metrics; `batchSize >= 1`.
    public init(metrics: [Metric], batchSize: Int = 1024, threads: Int? = nil) {
        requireArgument(!metrics.isEmpty, "RankingEvaluator needs at least one metric")
        for metric in metrics {
            requireArgument(metric.isRanking, "RankingEvaluator evaluates ranking metrics only, got \(metric)")
        }
        requireArgument(batchSize >= 1, "batchSize must be >= 1, got \(batchSize)")
        var unique: [Metric] = []
        for metric in metrics where !unique.contains(metric) { unique.append(metric) }
        self.metrics = unique
        self.batchSize = batchSize
        self.threads = threads
        self.maxK = unique.map { $0.k! }.max()!
    }

    /// Evaluates every row of `targets` that has at least one target.
    /// - Parameters:
    ///   - history: `[users, items]` items to exclude from each user's ranking (train or fold-in).
    ///   - targets: `[users, items]` held-out items T (every stored entry counts, whatever its value).
    ///   - score: returns the scores `[rows.count, items]` of the users `rows`; called once per
    ///     batch, in increasing row order, never concurrently.
    /// - Returns: per-user values, means, coverage and the number of users skipped for empty T.
    /// - Complexity: O(users · items) for the scans plus O(users · maxK log maxK).
    public func evaluate(
        history: SparseMatrix, targets: SparseMatrix, score: (Range<Int>) throws -> Tensor
    ) rethrows -> RankingReport {
        requireArgument(
            history.rows == targets.rows && history.cols == targets.cols,
            "history \(history.shape) and targets \(targets.shape) must have the same shape")
        let users = targets.rows, itemCount = targets.cols
        let kMax = Metric.cap(maxK, items: itemCount)
        let perUserMetrics = metrics.filter { $0.kind != .coverage }
        var perUser = [[Float]](repeating: [], count: perUserMetrics.count)
        var evaluated: [Int] = []
        var skipped = 0
        // Smallest 0-based rank at which each item appeared in any user's list (for coverage@k).
        var bestRank = [Int32](repeating: Int32.max, count: itemCount)

        var start = 0
        while start < users {
            let range = start..<min(users, start + batchSize)
            start = range.upperBound
            let active = range.filter { targets.count(ofRow: $0) > 0 }
            skipped += range.count - active.count
            if active.isEmpty { continue }
            let block = try score(range)
            requireArgument(
                block.shape == [range.count, itemCount],
                "score(\(range)) returned shape \(block.shape), expected [\(range.count), \(itemCount)]")
            var lists = [Int32](repeating: -1, count: active.count * kMax)
            var values = [Float](repeating: 0, count: active.count * perUserMetrics.count)
            block.withUnsafeBufferPointer { scores in
                lists.withUnsafeMutableBufferPointer { listBuffer in
                    values.withUnsafeMutableBufferPointer { valueBuffer in
                        let shared = UncheckedSendableBox((scores, listBuffer, valueBuffer))
                        Parallel.forEachChunk(active.count, threads: threads, minimumChunk: 16) { chunk in
                            let (scores, listBuffer, valueBuffer) = shared.value
                            var workspace = UserWorkspace(itemCount: itemCount, maxK: kMax)
                            for a in chunk {
                                let user = active[a]
                                workspace.evaluate(
                                    scores: scores.baseAddress! + (user - range.lowerBound) * itemCount,
                                    itemCount: itemCount, history: history.columns(ofRow: user),
                                    targets: targets.columns(ofRow: user), maxK: kMax)
                                for r in 0..<kMax { listBuffer[a * kMax + r] = r < workspace.length ? workspace.items[r] : -1 }
                                for (m, metric) in perUserMetrics.enumerated() {
                                    valueBuffer[a * perUserMetrics.count + m] = workspace.value(metric)
                                }
                            }
                        }
                    }
                }
            }
            for a in 0..<active.count {
                for r in 0..<kMax {
                    let item = lists[a * kMax + r]
                    if item < 0 { break }
                    if Int32(r) < bestRank[Int(item)] { bestRank[Int(item)] = Int32(r) }
                }
                for m in 0..<perUserMetrics.count { perUser[m].append(values[a * perUserMetrics.count + m]) }
            }
            evaluated.append(contentsOf: active)
        }

        var coverage: [String: Double] = [:]
        for metric in metrics where metric.kind == .coverage {
            let k = Int32(clamping: Metric.cap(metric.k!, items: kMax))
            coverage[metric.name] = itemCount == 0 ? 0 : Double(bestRank.lazy.filter { $0 < k }.count) / Double(itemCount)
        }
        var byName: [String: [Float]] = [:]
        for (m, metric) in perUserMetrics.enumerated() { byName[metric.name] = perUser[m] }
        return RankingReport(
            metrics: metrics, perUser: byName, evaluatedUsers: evaluated, skippedUsers: skipped, coverage: coverage)
    }
}

/// Per-thread scratch for one user: the selected list and prefix sums over ranks.
struct UserWorkspace {
    var items: [Int32]
    var scores: [Float]
    var selector: TopKSelector
    var isTarget: [Bool]
    /// hits[r] = |R_{r} ∩ T| for r = 0...maxK (hits[0] = 0).
    var hits: [Int32]
    var dcg: [Double]
    var precisionSum: [Double]
    /// idealDCG[n] = Σ_{r=1...n} 1 / log2(r + 1).
    var idealDCG: [Double]
    /// discount[r] = 1 / log2(r + 1).
    var discount: [Double]
    var firstHit = 0
    var length = 0
    var targetCount = 0

    init(itemCount: Int, maxK: Int) {
        selector = TopKSelector(k: maxK)
        items = [Int32](repeating: 0, count: maxK)
        scores = [Float](repeating: 0, count: maxK)
        isTarget = [Bool](repeating: false, count: itemCount)
        hits = [Int32](repeating: 0, count: maxK + 1)
        dcg = [Double](repeating: 0, count: maxK + 1)
        precisionSum = [Double](repeating: 0, count: maxK + 1)
        idealDCG = [Double](repeating: 0, count: maxK + 1)
        discount = [Double](repeating: 0, count: maxK + 1)
        for r in stride(from: 1, through: maxK, by: 1) {
            discount[r] = 1 / log2(Double(r + 1))
            idealDCG[r] = idealDCG[r - 1] + discount[r]
        }
    }

    mutating func evaluate(
        scores row: UnsafePointer<Float>, itemCount: Int, history: ArraySlice<Int32>,
        targets: ArraySlice<Int32>, maxK: Int
    ) {
        length = items.withUnsafeMutableBufferPointer { itemBuffer in
            scores.withUnsafeMutableBufferPointer { scoreBuffer in
                selector.select(
                    scores: row, itemCount: itemCount, excluded: history,
                    items: itemBuffer.baseAddress!, values: scoreBuffer.baseAddress!)
            }
        }
        targetCount = targets.count
        for t in targets { isTarget[Int(t)] = true }
        firstHit = 0
        for r in 1...maxK {
            let rel = r <= length && isTarget[Int(items[r - 1])]
            hits[r] = hits[r - 1] + (rel ? 1 : 0)
            dcg[r] = dcg[r - 1] + (rel ? discount[r] : 0)
            precisionSum[r] = precisionSum[r - 1] + (rel ? Double(hits[r]) / Double(r) : 0)
            if rel && firstHit == 0 { firstHit = r }
        }
        for t in targets { isTarget[Int(t)] = false }
    }

    func value(_ metric: Metric) -> Float {
        let k = metric.k!
        // The list holds at most the item count (hits.count - 1); ranks past it add nothing.
        let listed = min(k, hits.count - 1)
        let h = Double(hits[listed])
        let denominator = Double(min(k, targetCount))
        switch metric.kind {
        case .precision: return Float(h / Double(k))
        case .recall: return Float(h / denominator)
        case .recallFull: return Float(h / Double(targetCount))
        case .ndcg: return Float(dcg[listed] / idealDCG[min(listed, targetCount)])
        case .map: return Float(precisionSum[listed] / denominator)
        case .mrr: return firstHit > 0 && firstHit <= k ? Float(1 / Double(firstHit)) : 0
        case .hit: return h > 0 ? 1 : 0
        case .coverage, .rmse, .mae: preconditionFailure("\(metric) has no per-user value")
        }
    }
}

