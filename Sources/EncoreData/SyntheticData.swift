import Foundation

/// A seeded generator of interaction data with planted low-rank preferences and popularity skew.
public enum SyntheticData {
    /// Generates `users x items` data with about `interactionsPerUser` interactions per user.
    ///
    /// Items have Zipf-like popularity `(rank + 1)^-popularitySkew`; users and items have
    /// `rank`-dimensional normal factors. Each user draws 3x candidates by popularity and keeps the
    /// `k_u` with the highest affinity (factor dot product plus noise), so a low-rank model can
    /// recover the preferences. `k_u` varies log-normally around the mean (at least 3). Explicit
    /// ratings are the affinity mapped to 1...5; timestamps follow the user's draw order.
    /// - Complexity: O(users x interactionsPerUser x rank); the ML-20M shape takes seconds in release.
    public static func generate(
        users: Int, items: Int, interactionsPerUser: Double, rank: Int = 8, popularitySkew: Double = 0.8,
        explicit: Bool = false, seed: UInt64 = 0, name: String? = nil
    ) -> Dataset {
        requireArgument(users > 0 && items > 1 && rank > 0 && interactionsPerUser >= 1,
                     "SyntheticData needs users > 0, items > 1, rank > 0, interactionsPerUser >= 1; got \(users), \(items), \(rank), \(interactionsPerUser)")
        let root = SeededRNG(seed: seed).derive("synthetic")
        var factorRNG = root.derive("item-factors")
        let itemFactors = (0..<(items * rank)).map { _ in factorRNG.normal() }
        var cumulative = [Double](repeating: 0, count: items)
        var total = 0.0
        for i in 0..<items {
            total += pow(Double(i + 1), -popularitySkew)
            cumulative[i] = total
        }
        var rng = root.derive("users")
        var interactions: [Interaction] = []
        interactions.reserveCapacity(Int(Double(users) * interactionsPerUser * 1.05))
        var mark = [Int32](repeating: -1, count: items)
        var candidates: [UInt64] = []  // descending-score sort key << 32 | item
        var userFactor = [Float](repeating: 0, count: rank)
        let scale = 1 / Float(rank).squareRoot()
        let maxPerUser = max(1, items / 2)
        for u in 0..<users {
            for d in 0..<rank { userFactor[d] = rng.normal() }
            let spread = exp(0.6 * Double(rng.normal()) - 0.18)
            let count = min(maxPerUser, max(3, Int((interactionsPerUser * spread).rounded())))
            candidates.removeAll(keepingCapacity: true)
            var attempts = 0
            while candidates.count < min(3 * count, items) && attempts < 20 * count {
                attempts += 1
                let target = rng.uniformDouble() * total
                var low = 0, high = items - 1
                while low < high {
                    let mid = (low + high) >> 1
                    if cumulative[mid] < target { low = mid + 1 } else { high = mid }
                }
                guard mark[low] != Int32(u) else { continue }
                mark[low] = Int32(u)
                var dot: Float = 0
                for d in 0..<rank { dot += userFactor[d] * itemFactors[low * rank + d] }
                let score = dot * scale + 0.6 * (rng.uniform() - 0.5)
                // Map the float to an order-preserving UInt32, then invert it for a descending sort.
                let bits = score.bitPattern
                let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
                candidates.append(UInt64(~ordered) << 32 | UInt64(low))
            }
            candidates.sort()
            let kept = min(count, candidates.count)
            for k in 0..<kept {
                let item = Int32(truncatingIfNeeded: candidates[k] & 0xFFFF_FFFF)
                let ordered = ~UInt32(truncatingIfNeeded: candidates[k] >> 32)
                let score = Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
                let rating: Float = explicit ? min(5, max(1, (3 + 1.3 * score).rounded())) : 1
                let time = 1_000_000_000 + Int64(u) * 10_000 + Int64(rng.int(below: 10_000))
                interactions.append(Interaction(user: Int32(u), item: item, rating: rating, timestamp: time))
            }
        }
        var dataset = Dataset(
            name: name ?? (explicit ? "synthetic-explicit" : "synthetic"), interactions: interactions,
            userIDs: (0..<users).map { "u\($0)" }, itemIDs: (0..<items).map { "i\($0)" },
            isImplicit: !explicit, ratingRange: explicit ? 1...5 : nil)
        dataset.compact()
        return dataset
    }

    /// The built-in synthetic datasets by name: `synthetic` (implicit, 2,000 users x 1,000 items,
    /// ~50 per user), `synthetic-explicit` (same shape, ratings 1-5), `synthetic-ml20m` (implicit,
    /// 138,000 x 20,000, ~10M interactions) and `synthetic-ml20m-explicit`.
    public static func builtIn(_ name: String, seed: UInt64 = 0) -> Dataset? {
        switch name {
        case "synthetic": return generate(users: 2000, items: 1000, interactionsPerUser: 50, seed: seed, name: name)
        case "synthetic-explicit": return generate(users: 2000, items: 1000, interactionsPerUser: 50, explicit: true, seed: seed, name: name)
        case "synthetic-ml20m": return generate(users: 138_000, items: 20_000, interactionsPerUser: 72.5, seed: seed, name: name)
        case "synthetic-ml20m-explicit":
            return generate(users: 138_000, items: 20_000, interactionsPerUser: 72.5, explicit: true, seed: seed, name: name)
        default: return nil
        }
    }

    /// Names accepted by `builtIn`.
    public static let builtInNames = ["synthetic", "synthetic-explicit", "synthetic-ml20m", "synthetic-ml20m-explicit"]
}
