/// The one top-k selection of the package: `TopK` (row-wise on tensors), the ranking evaluator
/// and the recommendation writer all select through it.
///
/// Order: higher score first; equal scores by lower item index. Excluded items never appear.
/// NaN scores rank as -inf (after every finite score, ties by index) and are reported as -inf.
///
/// Method: each (score, item) is packed into one `UInt64` key whose unsigned order is the ranking
/// order (smaller = better). Items scoring above the current threshold are appended to a buffer
/// of `capacity` keys; when it fills, a quickselect keeps the best k and the k-th best score
/// becomes the new threshold. A final quickselect and a sort of k keys give the list.
/// - Complexity: O(n) comparisons for n items plus O(k log k); no heap, few branches per item.
public struct TopKSelector {
    /// The cut-off.
    public let k: Int
    private var buffer: [UInt64]

    /// Creates a selector for `k >= 1` with its own scratch (one per thread).
    public init(k: Int) {
        requireArgument(k >= 1, "TopKSelector needs k >= 1, got \(k)")
        self.k = k
        buffer = [UInt64](repeating: 0, count: 2 * k + 64)
    }

    /// The key of (score, item): descending score in the high 32 bits, ascending item in the low.
    @inline(__always)
    static func key(_ score: Float, _ item: Int) -> UInt64 {
        // +0.0 turns -0.0 into +0.0, so equal scores get equal keys.
        let normalized = score.isNaN ? -Float.infinity : score + 0
        let bits = normalized.bitPattern
        let ascending = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt64(~ascending) << 32 | UInt64(UInt32(item))
    }

    /// Selects the best `min(k, eligible)` items of one row.
    /// - Parameters:
    ///   - scores: one row of `itemCount` scores.
    ///   - excluded: item indices to skip, strictly increasing (a CSR row).
    ///   - items, values: outputs of at least `k` entries, filled best first.
    /// - Returns: the number of items written.
    public mutating func select(
        scores: UnsafePointer<Float>, itemCount: Int, excluded: ArraySlice<Int32>,
        items: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>
    ) -> Int {
        let k = self.k
        return buffer.withUnsafeMutableBufferPointer { buffer in
            let keys = buffer.baseAddress!, capacity = buffer.count
            var count = 0
            // Items arrive in increasing index order, so an item tying the threshold score loses
            // to the kept one: admission needs a strictly higher score. -inf admits everything.
            var threshold = -Float.infinity
            var admitAll = true
            var item = 0
            var excludedIndex = excluded.startIndex
            while item < itemCount {
                let end = excludedIndex < excluded.endIndex ? Int(excluded[excludedIndex]) : itemCount
                while item < end {
                    let s = scores[item]
                    if admitAll || s > threshold {
                        keys[count] = Self.key(s, item)
                        count += 1
                        if count == capacity {
                            Self.partition(keys, count: count, k: k)
                            count = k
                            threshold = Float(bitPattern: Self.scoreBits(keys[k - 1]))
                            admitAll = false
                        }
                    }
                    item += 1
                }
                if end < itemCount {
                    item = end + 1
                    excludedIndex += 1
                }
            }
            if count > k {
                Self.partition(keys, count: count, k: k)
                count = k
            }
            var selected = UnsafeMutableBufferPointer(start: keys, count: count)
            selected.sort()
            for r in 0..<count {
                let index = Int(UInt32(truncatingIfNeeded: keys[r]))
                items[r] = Int32(index)
                let s = scores[index]
                values[r] = s.isNaN ? -.infinity : s
            }
            return count
        }
    }

    /// The normalized score bits of a key.
    @inline(__always)
    static func scoreBits(_ key: UInt64) -> UInt32 {
        let ascending = ~UInt32(truncatingIfNeeded: key >> 32)
        return ascending & 0x8000_0000 != 0 ? ascending & 0x7FFF_FFFF : ~ascending
    }

    /// Reorders `keys[0..<count]` so its first `k` entries are the `k` smallest (unordered, with
    /// the k-th smallest at `k - 1`). Keys are distinct (the item index is in every key).
    static func partition(_ keys: UnsafeMutablePointer<UInt64>, count: Int, k: Int) {
        var low = 0, high = count - 1
        let target = k - 1
        while low < high {
            // Median of three as pivot, moved to `high`.
            let mid = low + (high - low) / 2
            if keys[mid] < keys[low] { swap(&keys[mid], &keys[low]) }
            if keys[high] < keys[low] { swap(&keys[high], &keys[low]) }
            if keys[mid] < keys[high] { swap(&keys[mid], &keys[high]) }
            let pivot = keys[high]
            var store = low
            for i in low..<high where keys[i] < pivot {
                swap(&keys[i], &keys[store])
                store += 1
            }
            swap(&keys[store], &keys[high])
            if store == target { return }
            if store < target { low = store + 1 } else { high = store - 1 }
        }
    }
}
