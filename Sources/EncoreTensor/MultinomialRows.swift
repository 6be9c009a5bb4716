import Foundation

/// The row passes of the multinomial log-likelihood with sparse targets, the kernels behind the
/// autodiff loss `Loss.multinomialNegativeLogLikelihood`: one threaded pass over the rows
/// forward, which keeps `exp(z - max)` per row, and one backward that only rescales it.
public struct MultinomialRows: Sendable {
    /// `exp(z_ij - max_j z_ij)`, `[m, n]`.
    public let exponentials: Tensor
    /// Per row: the target total `N_i = sum_j x_ij` and `1 / sum_j exp(z_ij - max)`.
    public let rowScales: [SIMD2<Float>]
    /// Per row: `sum_j x_ij (z_ij - logsumexp(z_i))`, the row's log-likelihood.
    public let rowLikelihood: [Double]

    /// The forward pass over `logits` `[m, n]` with CSR `targets` of the same shape (only stored
    /// entries are read).
    public init(logits z: Tensor, targets: SparseMatrix, threads: Int? = nil) {
        requireShape(
            z.rank == 2 && z.rows == targets.rows && z.cols == targets.cols,
            "MultinomialRows: logits \(z.shape) vs targets \(targets.shape)")
        let m = z.rows, n = z.cols
        var exponentials = Tensor(uninitializedShape: [m, n])
        var rowScales = [SIMD2<Float>](repeating: .zero, count: m)
        var rowLikelihood = [Double](repeating: 0, count: m)
        z.withUnsafeBufferPointer { zp in
            targets.rowPointers.withUnsafeBufferPointer { rp in
                targets.columnIndices.withUnsafeBufferPointer { cp in
                    targets.values.withUnsafeBufferPointer { vp in
                        exponentials.withUnsafeMutableBufferPointer { ep in
                            rowScales.withUnsafeMutableBufferPointer { scales in
                                rowLikelihood.withUnsafeMutableBufferPointer { likelihood in
                                    Parallel.forEachChunk(m, threads: threads, minimumChunk: 16) { range in
                                        for i in range {
                                            let row = zp.baseAddress! + i * n
                                            let (top, sum) = Self.expSumBelowMax(row, count: n, scratch: ep.baseAddress! + i * n)
                                            let rowLSE = top + Foundation.log(sum)
                                            var total: Float = 0, dot: Double = 0
                                            for e in rp[i]..<rp[i + 1] {
                                                total += vp[e]
                                                dot += Double(vp[e]) * Double(row[Int(cp[e])] - rowLSE)
                                            }
                                            scales[i] = SIMD2(total, 1 / sum)
                                            likelihood[i] = dot
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.exponentials = exponentials
        self.rowScales = rowScales
        self.rowLikelihood = rowLikelihood
    }

    /// The gradient `dz_ij = factor * (x_ij - N_i softmax(z_i)_j)` for the `targets` of the
    /// forward pass.
    public func gradient(targets: SparseMatrix, factor: Float, threads: Int? = nil) -> Tensor {
        requireShape(targets.rows == exponentials.rows && targets.cols == exponentials.cols,
                     "MultinomialRows.gradient: targets \(targets.shape) vs \(exponentials.shape)")
        let m = exponentials.rows, n = exponentials.cols
        let scales = rowScales
        var gradient = Tensor(uninitializedShape: [m, n])
        exponentials.withUnsafeBufferPointer { ep in
            gradient.withUnsafeMutableBufferPointer { gp in
                Parallel.forEachChunk(m, threads: threads, minimumChunk: 16) { range in
                    for i in range {
                        let row = ep.baseAddress! + i * n, out = gp.baseAddress! + i * n
                        // out = -factor * N_i * softmax(z_i), then + factor * x at the targets.
                        let weight = VectorMath.V(repeating: -factor * scales[i].x * scales[i].y)
                        VectorMath.apply(row, out, count: n) { v in v * weight }
                        for e in targets.rowPointers[i]..<targets.rowPointers[i + 1] {
                            out[Int(targets.columnIndices[e])] += factor * targets.values[e]
                        }
                    }
                }
            }
        }
        return gradient
    }

    /// `(max_j x_j, sum_j exp(x_j - max))` of one row; `scratch` receives the `count` values
    /// `exp(x_j - max)`.
    private static func expSumBelowMax(
        _ row: UnsafePointer<Float>, count n: Int, scratch: UnsafeMutablePointer<Float>
    ) -> (Float, Float) {
        var lanes = VectorMath.V(repeating: -.infinity)
        var j = 0
        while j + 8 <= n {
            let v = UnsafeRawPointer(row + j).loadUnaligned(as: VectorMath.V.self)
            lanes = lanes.replacing(with: v, where: v .> lanes)
            j += 8
        }
        var top = lanes.max()
        while j < n { top = Swift.max(top, row[j]); j += 1 }
        guard top.isFinite else {
            // The loss is not finite either (the trainer stops on it); keep the buffer defined.
            scratch.update(repeating: .nan, count: n)
            return (top, 1)
        }
        VectorMath.apply(row, scratch, count: n) { v in VectorMath.exp(v - VectorMath.V(repeating: top)) }
        var sums = VectorMath.V()
        j = 0
        while j + 8 <= n {
            sums += UnsafeRawPointer(scratch + j).loadUnaligned(as: VectorMath.V.self)
            j += 8
        }
        var sum = sums.sum()
        while j < n { sum += scratch[j]; j += 1 }
        return (top, sum)
    }
}
