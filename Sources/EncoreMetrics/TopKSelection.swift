/// The one top-k selection of the metrics module (to be pointed at EncoreTensor's `TopK` when it
/// lands; nothing else in this module selects).
///
/// Order: higher score first; equal scores by lower item index. Excluded items never appear.
/// NaN scores rank below every number (including -inf).
/// - Parameters:
///   - scores: one row of `itemCount` scores.
///   - excluded: item indices to skip, strictly increasing (a CSR row).
///   - k: the most items to return.
///   - items, values: output buffers of at least `k` entries, filled best first.
/// - Returns: the number of items written, `min(k, eligible items)`.
/// - Complexity: O(n + s log k) for n items and s heap replacements (about k log(n/k) for random
///   scores): a bounded heap whose worst element is the admission threshold, then a sort of k.
@inline(__always)
func selectTopK(
    scores: UnsafePointer<Float>, itemCount: Int, excluded: ArraySlice<Int32>, k: Int,
    items: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>
) -> Int {
    guard k > 0 else { return 0 }
    // The heap is a min-heap on "goodness": the root is the worst kept item. Because items are
    // visited in increasing index order, a new item with a score equal to the root's is worse than
    // it, so admission needs a strictly higher score, and ties resolve to the lower index.
    var size = 0
    var excludedIndex = excluded.startIndex
    var nextExcluded = excludedIndex < excluded.endIndex ? Int(excluded[excludedIndex]) : itemCount
    @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
        // true when heap entry a ranks below heap entry b
        let sa = values[a], sb = values[b]
        if sa.isNaN || sb.isNaN {
            if sa.isNaN != sb.isNaN { return sa.isNaN }
            return items[a] > items[b]
        }
        return sa < sb || (sa == sb && items[a] > items[b])
    }
    @inline(__always) func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var w = i
            if l < size && worse(l, w) { w = l }
            if r < size && worse(r, w) { w = r }
            if w == i { return }
            swap(&values[i], &values[w]); swap(&items[i], &items[w])
            i = w
        }
    }
    var item = 0
    while item < itemCount {
        // Scan the gap up to the next excluded item without a per-item mask check.
        let end = nextExcluded
        while item < end && size < k {
            items[size] = Int32(item); values[size] = scores[item]
            size += 1
            if size == k { for i in stride(from: k / 2 - 1, through: 0, by: -1) { siftDown(i) } }
            item += 1
        }
        if size == k {
            var threshold = values[0]
            while item < end {
                let s = scores[item]
                if s > threshold || (threshold.isNaN && !s.isNaN) {
                    values[0] = s; items[0] = Int32(item)
                    siftDown(0)
                    threshold = values[0]
                }
                item += 1
            }
        }
        if item == nextExcluded && item < itemCount {
            item += 1
            excludedIndex += 1
            nextExcluded = excludedIndex < excluded.endIndex ? Int(excluded[excludedIndex]) : itemCount
        }
    }
    // Heap-sort the kept items best first: repeatedly move the worst to the end.
    let count = size
    if count < k { for i in stride(from: count / 2 - 1, through: 0, by: -1) { siftDown(i) } }
    while size > 1 {
        size -= 1
        swap(&values[0], &values[size]); swap(&items[0], &items[size])
        siftDown(0)
    }
    return count
}
