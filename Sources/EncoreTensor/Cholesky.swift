/// The matrix handed to a Cholesky-based routine is not (numerically) positive definite.
public struct NotPositiveDefiniteError: Error, CustomStringConvertible, Sendable {
    /// The 0-based pivot (row and column) where the factorisation met a value <= 0 or NaN.
    public let pivot: Int
    /// The offending value of `a[pivot, pivot]` minus the squares of `L[pivot, 0..<pivot]`.
    public let value: Float
    /// The matrix order.
    public let order: Int

    /// A one-line message naming the pivot.
    public var description: String {
        "matrix of order \(order) is not positive definite: pivot \(pivot) is \(value)"
    }
}

extension Tensor {
    /// The lower Cholesky factor `L` of a symmetric positive-definite matrix: `a = L·Lᵀ`.
    ///
    /// Recursive algorithm: the leading half is factored, the rows below it are solved against
    /// it, the trailing half gets the symmetric update (GEMMs over its lower triangle only) and
    /// is factored in turn; triangles of at most 128 rows are factored directly.
    /// - Parameters:
    ///   - a: `[n, n]`; only the lower triangle (diagonal included) is read.
    ///   - threads: the most threads to use (`nil`: all cores).
    /// - Returns: `[n, n]`, lower triangular (zeros above the diagonal).
    /// - Throws: `NotPositiveDefiniteError` naming the first pivot that is not positive.
    /// - Complexity: n³/3 flops (n³/6 multiply-adds), nearly all inside GEMM.
    public static func choleskyLower(_ a: Tensor, threads: Int? = nil) throws -> Tensor {
        requireShape(a.rank == 2 && a.rows == a.cols, "choleskyLower: needs a square matrix, got \(a.shape)")
        var factor = a
        let n = a.rows
        try factor.withUnsafeMutableBufferPointer { buffer in
            guard n > 0 else { return }
            try Cholesky.factorInPlace(buffer.baseAddress!, n: n, threads: threads)
            Cholesky.zeroUpper(buffer.baseAddress!, n: n)
        }
        return factor
    }
}

/// The direct steps on small triangles of row-major buffers (any leading dimension) behind
/// `SPDInverse`'s recursion, and the factorisation's entry point.
enum Cholesky {
    /// The largest triangle factored or inverted directly: small enough that the unblocked
    /// diagonal work stays a few percent (n·nb²/3 scalar operations to factor, and the solve
    /// inverts each diagonal triangle again at every level of its recursion: n·nb²/3 per level).
    static let blockSize = 128

    /// Overwrites the lower triangle of `w` with `L` (recursive, `SPDInverse.factor`); the upper
    /// triangle becomes scratch.
    static func factorInPlace(_ w: UnsafeMutablePointer<Float>, n: Int, threads: Int?) throws {
        try SPDInverse.withWorkspace(n: n, threads: threads) { try $0.factor(w, n, n, offset: 0, total: n) }
    }

    /// Unblocked Cholesky of one `order x order` diagonal block (lower triangle, in place).
    static func factorBlock(
        _ d: UnsafeMutablePointer<Float>, ld: Int, order: Int, offset: Int, total: Int
    ) throws {
        for j in 0..<order {
            let rowJ = d + j * ld
            let pivot = rowJ[j] - dot(rowJ, rowJ, count: j)
            guard pivot > 0 && pivot.isFinite else {
                throw NotPositiveDefiniteError(pivot: offset + j, value: pivot, order: total)
            }
            let diagonal = pivot.squareRoot()
            rowJ[j] = diagonal
            for i in (j + 1)..<max(j + 1, order) {
                let rowI = d + i * ld
                rowI[j] = (rowI[j] - dot(rowI, rowJ, count: j)) / diagonal
            }
        }
    }

    /// The inverse of the lower-triangular `order x order` block `l` into `x` (zeros above).
    static func invertLower(
        _ l: UnsafePointer<Float>, ld: Int, order: Int, into x: UnsafeMutablePointer<Float>, ldx: Int
    ) {
        for i in 0..<order { (x + i * ldx).update(repeating: 0, count: order) }
        for j in 0..<order {
            x[j * ldx + j] = 1 / l[j * ld + j]
            for i in (j + 1)..<max(j + 1, order) {
                var sum: Float = 0
                for t in j..<i { sum = sum.addingProduct(l[i * ld + t], x[t * ldx + j]) }
                x[i * ldx + j] = -sum / l[i * ld + i]
            }
        }
    }

    /// Sets the strict upper triangle of `w` to zero.
    static func zeroUpper(_ w: UnsafeMutablePointer<Float>, n: Int) {
        for i in 0..<n where i + 1 < n { (w + i * n + i + 1).update(repeating: 0, count: n - i - 1) }
    }

    /// A SIMD dot product of two contiguous vectors.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            acc = acc.addingProduct(
                UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self),
                UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self))
            i += 8
        }
        var sum = acc.sum()
        while i < count {
            sum = sum.addingProduct(x[i], y[i])
            i += 1
        }
        return sum
    }
}
