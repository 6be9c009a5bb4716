import Foundation

extension Variable {
    /// Layer normalisation of each row of a `[m, n]` matrix (Ba et al. 2016), with a learned
    /// per-column gain and bias: `y = (x - μ) / sqrt(σ² + ε) · gain + bias`, where `μ` and `σ²`
    /// are the row's mean and biased variance (divided by `n`), as PyTorch's `nn.LayerNorm`.
    ///
    /// One fused op: the forward pass keeps the normalised rows `x̂` and `1 / sqrt(σ² + ε)` per
    /// row; the backward pass is
    /// `dx = (dx̂ - mean(dx̂) - x̂ · mean(dx̂ · x̂)) / sqrt(σ² + ε)` with `dx̂ = g · gain`, and
    /// `dgain = Σ_rows g · x̂`, `dbias = Σ_rows g`. Rows run in parallel; the column sums run in
    /// row order, so results do not depend on the thread count.
    /// - Parameters:
    ///   - gain: `[n]` (or `[1, n]`) scale.
    ///   - bias: `[n]` (or `[1, n]`) shift.
    ///   - epsilon: added to the variance (> 0).
    ///   - threads: most threads for the row passes (`nil`: all cores).
    public func layerNormalizedRows(gain: Variable, bias: Variable, epsilon: Float, threads: Int? = nil) -> Variable {
        let x = value
        requireShape(x.rank == 2, "layerNormalizedRows: needs a matrix, got \(shape)")
        let m = x.rows, n = x.cols
        requireShape(gain.value.count == n && bias.value.count == n,
                     "layerNormalizedRows: gain \(gain.shape) and bias \(bias.shape) must hold \(n) values for input \(shape)")
        requireArgument(epsilon > 0, "layerNormalizedRows: epsilon must be > 0, got \(epsilon)")
        var normalized = Tensor(uninitializedShape: [m, n])
        var output = Tensor(uninitializedShape: [m, n])
        var inverseDeviations = [Float](repeating: 0, count: m)
        x.withUnsafeBufferPointer { xp in
            gain.value.withUnsafeBufferPointer { gp in
                bias.value.withUnsafeBufferPointer { bp in
                    normalized.withUnsafeMutableBufferPointer { np in
                        output.withUnsafeMutableBufferPointer { op in
                            inverseDeviations.withUnsafeMutableBufferPointer { dp in
                                Parallel.forEachChunk(m, threads: threads, minimumChunk: 32) { rows in
                                    for i in rows {
                                        let row = xp.baseAddress! + i * n
                                        let mean = Variable.rowSum(row, n) / Float(n)
                                        let xhat = np.baseAddress! + i * n
                                        for j in 0..<n { xhat[j] = row[j] - mean }
                                        let variance = Tensor.dot(xhat, xhat, count: n) / Float(n)
                                        let inverse = 1 / (variance + epsilon).squareRoot()
                                        dp[i] = inverse
                                        let out = op.baseAddress! + i * n
                                        for j in 0..<n {
                                            xhat[j] *= inverse
                                            out[j] = xhat[j] * gp[j] + bp[j]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Variable.record(output, inputs: [self, gain, bias]) { g in
            if bias.requiresGrad { bias.accumulate(g.columnSums().reshaped(bias.shape)) }
            if gain.requiresGrad { gain.accumulate((g * normalized).columnSums().reshaped(gain.shape)) }
            guard self.requiresGrad else { return }
            var dx = Tensor(uninitializedShape: [m, n])
            g.withUnsafeBufferPointer { up in
                gain.value.withUnsafeBufferPointer { gp in
                    normalized.withUnsafeBufferPointer { np in
                        dx.withUnsafeMutableBufferPointer { dxp in
                            Parallel.forEachChunk(m, threads: threads, minimumChunk: 32) { rows in
                                for i in rows {
                                    let upstream = up.baseAddress! + i * n, xhat = np.baseAddress! + i * n
                                    let out = dxp.baseAddress! + i * n
                                    // out holds dx̂ = g · gain first.
                                    for j in 0..<n { out[j] = upstream[j] * gp[j] }
                                    let meanGradient = Variable.rowSum(out, n) / Float(n)
                                    let meanProjection = Tensor.dot(out, xhat, count: n) / Float(n)
                                    let inverse = inverseDeviations[i]
                                    for j in 0..<n { out[j] = (out[j] - meanGradient - xhat[j] * meanProjection) * inverse }
                                }
                            }
                        }
                    }
                }
            }
            self.accumulate(dx)
        }
    }

    /// The sum of `count` floats at `p` (eight lanes).
    static func rowSum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = VectorMath.V()
        var j = 0
        while j + 8 <= count {
            lanes += UnsafeRawPointer(p + j).loadUnaligned(as: VectorMath.V.self)
            j += 8
        }
        var total = lanes.sum()
        while j < count { total += p[j]; j += 1 }
        return total
    }
}
