import Foundation

extension Tensor {
    /// Row-wise softmax of `[m, n]` logits, computed as `e^(x - max) / sum` (no overflow).
    public func rowSoftmax() -> Tensor {
        rowLogSoftmax().exp()
    }

    /// Row-wise log-softmax `x - max - log(sum(e^(x - max)))` of `[m, n]` logits.
    /// A vector is treated as one row; empty rows stay empty.
    public func rowLogSoftmax() -> Tensor {
        let m = rows, n = cols
        var result = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for i in 0..<m {
                    let s = source.baseAddress! + i * n, t = target.baseAddress! + i * n
                    var top = -Float.infinity
                    for j in 0..<n { top = Swift.max(top, s[j]) }
                    // t = e^(s - max) in eight-lane blocks, then summed.
                    for j in 0..<n { t[j] = s[j] - top }
                    VectorMath.apply(t, t, count: n, VectorMath.exp)
                    var total: Float = 0
                    for j in 0..<n { total += t[j] }
                    // (x - max) - log(total), not x - (max + log(total)): keeps precision for
                    // large logits, where max + log(total) would round to max's ulp.
                    let logTotal = Foundation.log(total)
                    for j in 0..<n { t[j] = (s[j] - top) - logTotal }
                }
            }
        }
        return result
    }
}
