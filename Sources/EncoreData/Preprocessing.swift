import Foundation

/// Preprocessing steps applied in order: rating mode, deduplication, k-core, minimum and maximum
/// per user, then dense remapping (original IDs kept).
public struct Preprocessing: Sendable, Equatable, Codable {
    /// Explicit (keep rating values) or implicit (keep ratings >= threshold as 1).
    public enum Mode: Sendable, Equatable, Codable {
        /// Keep the rating values.
        case explicit
        /// Keep interactions with rating >= threshold, as 1.
        case implicit(threshold: Float)
    }

    /// The rating mode; nil keeps the data as loaded.
    public var mode: Mode?
    /// Keep only the latest interaction of each (user, item) pair (ties: the later line).
    public var deduplicate: Bool
    /// Iterative k-core: drop users and items with fewer than `kCore` interactions until none remain.
    public var kCore: Int
    /// Then drop users with fewer than this many interactions (once, after the k-core).
    public var minUserInteractions: Int
    /// Then drop users with more than this many interactions (0: no limit; counted on the same
    /// data as the minimum).
    public var maxUserInteractions: Int

    /// Creates a preprocessing; the defaults change nothing but deduplicate.
    public init(mode: Mode? = nil, deduplicate: Bool = true, kCore: Int = 0, minUserInteractions: Int = 0,
                maxUserInteractions: Int = 0) {
        self.mode = mode
        self.deduplicate = deduplicate
        self.kCore = kCore
        self.minUserInteractions = minUserInteractions
        self.maxUserInteractions = maxUserInteractions
    }
}

/// What each preprocessing step removed.
public struct PreprocessingReport: Sendable, Equatable, CustomStringConvertible {
    /// One step: its name and the interactions, users and items it removed.
    public struct Step: Sendable, Equatable {
        /// The step, e.g. `implicit >= 4`, `deduplicate`, `5-core (3 rounds)`.
        public var name: String
        /// Interactions removed.
        public var interactions: Int
        /// Users left with no interaction by this step.
        public var users: Int
        /// Items left with no interaction by this step.
        public var items: Int
    }
    /// The steps in order.
    public var steps: [Step] = []

    /// One line per step.
    public var description: String {
        steps.map { "\($0.name): removed \($0.interactions) interactions, \($0.users) users, \($0.items) items" }
            .joined(separator: "\n")
    }
}

extension Dataset {
    /// Applies `preprocessing` and returns the remapped dataset and what each step removed.
    /// - Throws: `DataError.empty` when nothing is left.
    public func preprocessed(_ preprocessing: Preprocessing) throws -> (Dataset, PreprocessingReport) {
        var report = PreprocessingReport()
        var xs = interactions
        var implicit = isImplicit
        func record(_ name: String, _ before: [Interaction]) {
            func distinct(_ list: [Interaction], _ key: (Interaction) -> Int32, _ count: Int) -> Int {
                var seen = [Bool](repeating: false, count: count)
                var n = 0
                for x in list where !seen[Int(key(x))] { seen[Int(key(x))] = true; n += 1 }
                return n
            }
            report.steps.append(.init(
                name: name, interactions: before.count - xs.count,
                users: distinct(before, { $0.user }, userCount) - distinct(xs, { $0.user }, userCount),
                items: distinct(before, { $0.item }, itemCount) - distinct(xs, { $0.item }, itemCount)))
        }
        if case let .implicit(threshold)? = preprocessing.mode {
            let before = xs
            xs = xs.filter { $0.rating >= threshold }
            for k in xs.indices { xs[k].rating = 1 }
            implicit = true
            record("implicit (rating >= \(threshold))", before)
        } else if preprocessing.mode == .explicit && isImplicit {
            throw DataError.invalidSplit(reason: "dataset '\(name)' has no ratings; explicit mode needs a rating column")
        }
        if preprocessing.deduplicate {
            let before = xs
            // Group by user (counting sort, O(n)); within a user, remember the latest index per item.
            var start = [Int](repeating: 0, count: userCount + 1)
            for x in xs { start[Int(x.user) + 1] += 1 }
            for u in 0..<userCount { start[u + 1] += start[u] }
            var next = start
            var grouped = [Int](repeating: 0, count: xs.count)
            for (i, x) in xs.enumerated() { grouped[next[Int(x.user)]] = i; next[Int(x.user)] += 1 }
            var latest = [Int](repeating: -1, count: itemCount)
            var keep = [Bool](repeating: false, count: xs.count)
            for u in 0..<userCount {
                for i in grouped[start[u]..<start[u + 1]] {
                    let item = Int(xs[i].item)
                    let previous = latest[item]
                    // Indices grow within a group, so ">=" keeps the later line on equal timestamps.
                    if previous < 0 || xs[i].timestamp >= xs[previous].timestamp {
                        if previous >= 0 { keep[previous] = false }
                        latest[item] = i
                        keep[i] = true
                    }
                }
                for i in grouped[start[u]..<start[u + 1]] { latest[Int(xs[i].item)] = -1 }
            }
            xs = xs.indices.filter { keep[$0] }.map { xs[$0] }
            record("deduplicate (keep latest)", before)
        }
        if preprocessing.kCore > 1 {
            let before = xs
            var rounds = 0
            while true {
                var userCounts = [Int](repeating: 0, count: userCount), itemCounts = [Int](repeating: 0, count: itemCount)
                for x in xs { userCounts[Int(x.user)] += 1; itemCounts[Int(x.item)] += 1 }
                let k = preprocessing.kCore
                let next = xs.filter { userCounts[Int($0.user)] >= k && itemCounts[Int($0.item)] >= k }
                if next.count == xs.count { break }
                xs = next
                rounds += 1
            }
            record("\(preprocessing.kCore)-core (\(rounds) rounds)", before)
        }
        let (minimum, maximum) = (preprocessing.minUserInteractions, preprocessing.maxUserInteractions)
        if minimum > 1 || maximum > 0 {
            let before = xs
            var userCounts = [Int](repeating: 0, count: userCount)
            for x in xs { userCounts[Int(x.user)] += 1 }
            let upper = maximum > 0 ? maximum : Int.max
            xs = xs.filter { userCounts[Int($0.user)] >= minimum && userCounts[Int($0.user)] <= upper }
            let bounds = [minimum > 1 ? ">= \(minimum)" : nil, maximum > 0 ? "<= \(maximum)" : nil].compactMap { $0 }
            record("users with \(bounds.joined(separator: " and ")) interactions", before)
        }
        guard !xs.isEmpty else { throw DataError.empty(what: "preprocessing removed every interaction of '\(name)' (\(report.description.replacingOccurrences(of: "\n", with: "; ")))") }
        var result = Dataset(name: name, interactions: xs, userIDs: userIDs, itemIDs: itemIDs,
                             isImplicit: implicit, ratingRange: implicit ? nil : ratingRange)
        result.compact()
        return (result, report)
    }

    /// Renumbers users and items densely (keeping their relative order) and drops IDs with no
    /// interaction.
    public mutating func compact() {
        var userMap = [Int32](repeating: -1, count: userCount), itemMap = [Int32](repeating: -1, count: itemCount)
        for x in interactions { userMap[Int(x.user)] = 0; itemMap[Int(x.item)] = 0 }
        var newUsers: [String] = [], newItems: [String] = []
        for u in 0..<userCount where userMap[u] == 0 { userMap[u] = Int32(newUsers.count); newUsers.append(userIDs[u]) }
        for i in 0..<itemCount where itemMap[i] == 0 { itemMap[i] = Int32(newItems.count); newItems.append(itemIDs[i]) }
        for k in interactions.indices {
            interactions[k].user = userMap[Int(interactions[k].user)]
            interactions[k].item = itemMap[Int(interactions[k].item)]
        }
        userIDs = newUsers
        itemIDs = newItems
    }
}
