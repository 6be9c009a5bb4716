import Foundation

extension Loss {
    /// The multinomial loss with sparse `[m, n]` targets, fused:
    /// `-sum_i sum_j x_ij (z_ij - logsumexp(z_i))`, averaged over rows by `.mean`.
    ///
    /// Forward and backward are one threaded pass over the rows each; the forward keeps
    /// `exp(z - max)` per row, so the backward only rescales it (no second exp pass). With
    /// `N_i = sum_j x_ij` the gradient is
    /// `dz_ij = s * (x_ij - N_i * softmax(z_i)_j)`, `s = -1/m` (mean) or `-1` (sum). The composed
    /// form (`logSoftmax`, `gatherEntries`, product, sum) gives the same values with four more
    /// full passes and three more `[m, n]` buffers; the tests compare the two.
    /// - Parameters:
    ///   - logits: `[m, n]`.
    ///   - targets: `[m, n]` CSR counts or 0/1 interactions (only stored entries are read).
    ///   - threads: most threads for the row passes (`nil`: all cores).
    public static func multinomialNegativeLogLikelihood(
        logits: Variable, targets: SparseMatrix, reduction: LossReduction = .mean, threads: Int? = nil
    ) -> Variable {
        let z = logits.value
        requireShape(
            z.rank == 2 && z.rows == targets.rows && z.cols == targets.cols,
            "Loss.multinomialNegativeLogLikelihood: logits \(logits.shape) vs targets \(targets.shape)")
        let m = z.rows, n = z.cols
        let scale: Float = reduction == .mean ? -1 / Float(Swift.max(m, 1)) : -1
        // exp(z - max) per row is kept for the backward pass, which then only rescales it by the
        // row's target total N_i and 1 / sum_j exp(z_ij - max), kept per row as (N_i, 1 / sum).
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
                                            let (top, sum) = expSumBelowMax(row, count: n, scratch: ep.baseAddress! + i * n)
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
        // Rows summed in order: the value does not depend on the thread count.
        let value = Float(rowLikelihood.reduce(0, +)) * scale
        return Variable.record(Tensor(scalar: value), inputs: [logits]) { g in
            let factor = scale * g.scalarValue
            var gradient = Tensor(uninitializedShape: [m, n])
            let scales = rowScales
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
            logits.accumulate(gradient)
        }
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
