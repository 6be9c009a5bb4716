import Foundation

// Reductions. Per-row and per-column results keep two dimensions (`[m, 1]` and `[1, n]`) so they
// broadcast straight back against the `[m, n]` input.

extension Tensor {
    /// The sum of all elements (0 for an empty tensor), accumulated in 16 lanes.
    public func sum() -> Float {
        withUnsafeBufferPointer { p in Tensor.laneSum(p.baseAddress!, p.count) }
    }

    /// The mean of all elements (NaN for an empty tensor).
    public func mean() -> Float { sum() / Float(count) }

    /// The sum of squares of all elements.
    public func squaredNorm() -> Float {
        withUnsafeBufferPointer { p in Tensor.laneDot(p.baseAddress!, p.baseAddress!, p.count) }
    }

    /// The dot product of two tensors with equal element counts.
    public static func dot(_ a: Tensor, _ b: Tensor) -> Float {
        requireShape(a.count == b.count, "dot: element counts differ: \(a.shape) and \(b.shape)")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in laneDot(pa.baseAddress!, pb.baseAddress!, pa.count) }
        }
    }

    /// The largest element (`-infinity` for an empty tensor).
    public func max() -> Float {
        withUnsafeBufferPointer { p in p.reduce(-Float.infinity) { Swift.max($0, $1) } }
    }

    /// Sums of each row: `[m, n]` -> `[m, 1]`.
    public func rowSums() -> Tensor { rowReduce { Tensor.laneSum($0, $1) } }

    /// Means of each row: `[m, n]` -> `[m, 1]`.
    public func rowMeans() -> Tensor {
        let n = Float(cols)
        return rowReduce { Tensor.laneSum($0, $1) / n }
    }

    /// Largest element of each row: `[m, n]` -> `[m, 1]` (`-infinity` for empty rows).
    public func rowMaxima() -> Tensor {
        rowReduce { p, n in
            var best = -Float.infinity
            for j in 0..<n { best = Swift.max(best, p[j]) }
            return best
        }
    }

    /// Euclidean norm of each row: `[m, n]` -> `[m, 1]`.
    public func rowNorms() -> Tensor { rowReduce { Tensor.laneDot($0, $0, $1).squareRoot() } }

    /// Sums of each column (over rows): `[m, n]` -> `[1, n]`.
    public func columnSums() -> Tensor {
        let m = rows, n = cols
        var result = Tensor(shape: [1, n])
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                let t = target.baseAddress!
                for i in 0..<m {
                    let s = source.baseAddress! + i * n
                    for j in 0..<n { t[j] += s[j] }
                }
            }
        }
        return result
    }

    /// Means of each column: `[m, n]` -> `[1, n]`.
    public func columnMeans() -> Tensor { columnSums().scaled(by: 1 / Float(rows)) }

    /// Applies `reduce(rowStart, cols)` to each row, giving `[m, 1]`.
    @inlinable
    func rowReduce(_ reduce: (UnsafePointer<Float>, Int) -> Float) -> Tensor {
        let m = rows, n = cols
        var result = Tensor(uninitializedShape: [m, 1])
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for i in 0..<m { target[i] = reduce(source.baseAddress! + i * n, n) }
            }
        }
        return result
    }

    /// The dot product of `count` floats at two pointers (SIMD16 lanes), for kernels in other
    /// modules that walk rows themselves.
    @_transparent
    public static func dot(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, count: Int) -> Float {
        laneDot(p, q, count)
    }

    /// Sum of `count` floats in 16 independent lanes (vectorised and more accurate than a chain).
    @inlinable
    static func laneSum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD16<Float>.zero
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = lanes.sum()
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// Dot product of `count` floats in 32 independent lanes (four ymm accumulators, so the
    /// multiply-adds are not serialised on one dependency chain). Transparent: other modules call
    /// it per sampled entry with short rows (CDAE: 50), where a call costs as much as the dot.
    @_transparent @usableFromInline
    static func laneDot(_ p: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD16<Float>.zero, more = SIMD16<Float>.zero
        var i = 0
        let rp = UnsafeRawPointer(p), rq = UnsafeRawPointer(q)
        while i + 32 <= count {
            lanes.addProduct(rp.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self),
                             rq.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            more.addProduct(rp.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self),
                            rq.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self))
            i += 32
        }
        if i + 16 <= count {
            lanes.addProduct(rp.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self),
                             rq.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
            i += 16
        }
        lanes += more
        var total = lanes.sum()
        while i < count { total += p[i] * q[i]; i += 1 }
        return total
    }
}
