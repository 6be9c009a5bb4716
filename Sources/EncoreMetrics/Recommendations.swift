import Foundation

/// Each user's top-k items after excluding history, with their scores, for saving and inspection.
public struct Recommendations: Sendable, Equatable {
    /// The row index of each user, in the order given.
    public let users: [Int]
    /// The cut-off, capped at the item count.
    public let k: Int
    /// `items[u]`: user `users[u]`'s items best first (fewer than k when fewer are eligible).
    public let items: [[Int32]]
    /// `scores[u][r]`: the score of `items[u][r]`.
    public let scores: [[Float]]

    /// Selects the top `k` items of every row of `history` (same selection, order and tie rule
    /// as `RankingEvaluator`), scoring `batchSize` rows at a time.
    /// - Parameters:
    ///   - history: `[users, items]` items excluded from each user's list.
    ///   - k: the cut-off; capped at the item count (a list holds each item at most once).
    ///   - score: returns `[rows.count, items]` scores for `rows`, called once per batch in order.
    public init(
        history: SparseMatrix, k: Int, batchSize: Int = 1024, threads: Int? = nil,
        score: (Range<Int>) throws -> Tensor
    ) rethrows {
        requireArgument(k >= 1 && batchSize >= 1, "k (\(k)) and batchSize (\(batchSize)) must be >= 1")
        let users = history.rows, itemCount = history.cols
        let k = Metric.cap(k, items: itemCount)
        var items: [[Int32]] = [], scores: [[Float]] = []
        var start = 0
        while start < users {
            let range = start..<min(users, start + batchSize)
            start = range.upperBound
            let block = try score(range)
            requireArgument(
                block.shape == [range.count, itemCount],
                "score(\(range)) returned shape \(block.shape), expected [\(range.count), \(itemCount)]")
            var listItems = [Int32](repeating: 0, count: range.count * k)
            var listScores = [Float](repeating: 0, count: range.count * k)
            var lengths = [Int](repeating: 0, count: range.count)
            block.withUnsafeBufferPointer { buffer in
                listItems.withUnsafeMutableBufferPointer { itemBuffer in
                    listScores.withUnsafeMutableBufferPointer { scoreBuffer in
                        lengths.withUnsafeMutableBufferPointer { lengthBuffer in
                            let shared = UncheckedSendableBox((buffer, itemBuffer, scoreBuffer, lengthBuffer))
                            Parallel.forEachChunk(range.count, threads: threads, minimumChunk: 16) { chunk in
                                let (buffer, itemBuffer, scoreBuffer, lengthBuffer) = shared.value
                                var selector = TopKSelector(k: k)
                                for row in chunk {
                                    lengthBuffer[row] = selector.select(
                                        scores: buffer.baseAddress! + row * itemCount, itemCount: itemCount,
                                        excluded: history.columns(ofRow: range.lowerBound + row),
                                        items: itemBuffer.baseAddress! + row * k, values: scoreBuffer.baseAddress! + row * k)
                                }
                            }
                        }
                    }
                }
            }
            for row in 0..<range.count {
                items.append(Array(listItems[(row * k)..<(row * k + lengths[row])]))
                scores.append(Array(listScores[(row * k)..<(row * k + lengths[row])]))
            }
        }
        self.users = Array(0..<users)
        self.k = k
        self.items = items
        self.scores = scores
    }

    /// Creates recommendations from explicit lists (e.g. read back from a file).
    public init(users: [Int], k: Int, items: [[Int32]], scores: [[Float]]) {
        requireArgument(users.count == items.count && items.count == scores.count, "users, items and scores differ in count")
        self.users = users
        self.k = k
        self.items = items
        self.scores = scores
    }

    /// The CSV text: header `user,rank,item,score`, one line per recommended item, rank 1-based,
    /// users in the stored order, score printed with enough digits to round-trip a Float.
    /// - Parameters:
    ///   - userIDs: original ID of each row index (`userIDs[users[u]]`).
    ///   - itemIDs: original ID of each item column.
    public func csv(userIDs: [String], itemIDs: [String]) -> String {
        var text = "user,rank,item,score\n"
        for (u, user) in users.enumerated() {
            for (r, item) in items[u].enumerated() {
                text += "\(FileSupport.csvField(userIDs[user])),\(r + 1),\(FileSupport.csvField(itemIDs[Int(item)])),\(scores[u][r])\n"
            }
        }
        return text
    }

    /// Writes `csv(userIDs:itemIDs:)` to `url` atomically (temporary file, then rename).
    /// - Throws: `MetricsError.io` when the file cannot be written.
    public func write(to url: URL, userIDs: [String], itemIDs: [String]) throws {
        try CSV.writeAtomically(csv(userIDs: userIDs, itemIDs: itemIDs), to: url)
    }
}

/// The test-targets file that goes with a recommendations file: header `user,item`, one line per
/// target of each listed user, items in increasing column order.
public func targetsCSV(targets: SparseMatrix, users: [Int], userIDs: [String], itemIDs: [String]) -> String {
    var text = "user,item\n"
    for user in users {
        for item in targets.columns(ofRow: user) {
            text += "\(FileSupport.csvField(userIDs[user])),\(FileSupport.csvField(itemIDs[Int(item)]))\n"
        }
    }
    return text
}

/// Writes `targetsCSV(...)` to `url` atomically.
/// - Throws: `MetricsError.io` when the file cannot be written.
public func writeTargetsCSV(to url: URL, targets: SparseMatrix, users: [Int], userIDs: [String], itemIDs: [String]) throws {
    try CSV.writeAtomically(targetsCSV(targets: targets, users: users, userIDs: userIDs, itemIDs: itemIDs), to: url)
}

/// CSV writing shared by the writers above.
enum CSV {
    /// Writes `text` atomically (`FileSupport.writeAtomically`).
    static func writeAtomically(_ text: String, to url: URL) throws {
        do {
            try FileSupport.writeAtomically(Data(text.utf8), to: url)
        } catch {
            throw MetricsError.io(path: error.path, reason: error.reason)
        }
    }
}
