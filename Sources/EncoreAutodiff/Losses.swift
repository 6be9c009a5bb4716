import Foundation

/// How a loss combines its per-element terms.
public enum LossReduction: Sendable {
    /// The plain sum.
    case sum
    /// The sum divided by the number of terms (entries, or rows for row-wise losses).
    case mean
}

/// Loss functions. Each returns a scalar `[]` variable.
public enum Loss {
    /// Squared error `sum_e (prediction[e] - target[e])^2` over observed entries only.
    /// - Parameters:
    ///   - predictions: `[E]` predictions at the entries (e.g. from `gatherEntries` or `sampledDot`).
    ///   - targets: `[E]` observed values.
    ///   - reduction: `.mean` divides by `E`.
    public static func squaredError(
        _ predictions: Variable, targets: Tensor, reduction: LossReduction = .mean
    ) -> Variable {
        requireShape(
            predictions.value.count == targets.count,
            "Loss.squaredError: predictions \(predictions.shape) vs targets \(targets.shape)")
        let residual = predictions.value - targets.reshaped(predictions.shape)
        let scale: Float = reduction == .mean ? 1 / Float(Swift.max(targets.count, 1)) : 1
        return Variable.record(Tensor(scalar: residual.squaredNorm() * scale), inputs: [predictions]) { g in
            predictions.accumulate(residual.scaled(by: 2 * scale * g.scalarValue))
        }
    }

    /// Squared error of a dense `[m, n]` prediction at the stored entries of a `[m, n]` CSR
    /// matrix of targets (unobserved cells contribute nothing).
    public static func maskedSquaredError(
        _ prediction: Variable, targets: SparseMatrix, reduction: LossReduction = .mean
    ) -> Variable {
        requireShape(
            prediction.value.rows == targets.rows && prediction.value.cols == targets.cols,
            "Loss.maskedSquaredError: prediction \(prediction.shape) vs targets \(targets.shape)")
        let entries = EntryIndices(nonzerosOf: targets)
        return squaredError(
            prediction.gatherEntries(entries), targets: Tensor(shape: [targets.nonzeroCount], scalars: targets.values),
            reduction: reduction)
    }

    /// Multinomial log-likelihood loss (Mult-VAE): `-sum_j x_ij log softmax(logits_i)_j`,
    /// averaged over rows by `.mean`.
    /// - Parameters:
    ///   - logits: `[m, n]`.
    ///   - targets: `[m, n]` counts or 0/1 interactions.
    public static func multinomialNegativeLogLikelihood(
        logits: Variable, targets: Tensor, reduction: LossReduction = .mean
    ) -> Variable {
        requireShape(
            logits.shape == targets.shape,
            "Loss.multinomialNegativeLogLikelihood: logits \(logits.shape) vs targets \(targets.shape)")
        let scale: Float = reduction == .mean ? -1 / Float(Swift.max(targets.rows, 1)) : -1
        return (logits.logSoftmax() * Variable(targets)).sum().scaled(by: scale)
    }

    /// Binary cross-entropy on logits, `softplus(z) - t z` (stable), for a dense `[m, n]` output
    /// or a vector `[E]` of logits at sampled entries; fused gradient `sigmoid(z) - t`.
    /// - Parameters:
    ///   - logits: any shape.
    ///   - targets: same element count, values in `[0, 1]`.
    public static func binaryCrossEntropyWithLogits(
        _ logits: Variable, targets: Tensor, reduction: LossReduction = .mean
    ) -> Variable {
        requireShape(
            logits.value.count == targets.count,
            "Loss.binaryCrossEntropyWithLogits: logits \(logits.shape) vs targets \(targets.shape)")
        let t = targets.reshaped(logits.shape)
        let z = logits.value
        // Vectorised: softplus(z) = max(z, 0) + log1p(e^-|z|), and the gradient's sigmoid.
        let terms = z.softplus() - t * z
        let scale: Float = reduction == .mean ? 1 / Float(Swift.max(targets.count, 1)) : 1
        return Variable.record(Tensor(scalar: terms.sum() * scale), inputs: [logits]) { g in
            let factor = scale * g.scalarValue
            logits.accumulate((z.sigmoid() - t).scaled(by: factor))
        }
    }

    /// KL divergence of `N(mean, exp(logVariance))` from `N(0, I)`:
    /// `-0.5 sum (1 + logVar - mean^2 - exp(logVar))`, averaged over rows by `.mean`.
    /// - Parameters: `mean` and `logVariance` are `[m, latent]`.
    public static func gaussianKLDivergence(
        mean: Variable, logVariance: Variable, reduction: LossReduction = .mean
    ) -> Variable {
        requireShape(
            mean.shape == logVariance.shape,
            "Loss.gaussianKLDivergence: mean \(mean.shape) vs logVariance \(logVariance.shape)")
        let scale: Float = reduction == .mean ? -0.5 / Float(Swift.max(mean.value.rows, 1)) : -0.5
        return ((logVariance + 1) - mean.squared() - logVariance.exp()).sum().scaled(by: scale)
    }

    /// L2 weight penalty `coefficient * sum_p |p|^2` over the given parameters (no 1/2 factor).
    public static func l2Penalty(_ parameters: [Variable], coefficient: Float) -> Variable {
        let total = parameters.reduce(Float(0)) { $0 + $1.value.squaredNorm() }
        return Variable.record(Tensor(scalar: coefficient * total), inputs: parameters) { g in
            for p in parameters where p.requiresGrad { p.accumulate(p.value.scaled(by: 2 * coefficient * g.scalarValue)) }
        }
    }
}
