import Foundation

/// Elementwise log-sum-exp across same-shaped variables: `y = log Σ_k exp(a_k)`, computed as
/// `s + log Σ_k exp(a_k - s)` with `s` the elementwise maximum (stable for large magnitudes),
/// e.g. the log-density of a mixture from its components' weighted log-densities.
/// The gradient of part `k` is `g · exp(a_k - y)` (its softmax weight across the parts).
/// Where every part is `-inf` the value is `-inf` and the gradient NaN.
/// - Parameter parts: at least one variable, all of one shape.
public func logSumExp(_ parts: [Variable]) -> Variable {
    requireArgument(!parts.isEmpty, "logSumExp: needs at least one part")
    let shape = parts[0].shape
    requireShape(parts.allSatisfy { $0.shape == shape }, "logSumExp: parts have different shapes: \(parts.map(\.shape))")
    var top = parts[0].value
    for part in parts.dropFirst() { top = Tensor.zipMap(top, part.value) { a, b in Swift.max(a, b) } }
    // An infinite maximum would give inf - inf; shift by 0 there (the sum is then 0 or inf).
    let shift = top.map { $0.isFinite ? $0 : 0 }
    var total = (parts[0].value - shift).exp()
    for part in parts.dropFirst() { total.add((part.value - shift).exp()) }
    let output = shift + total.log()
    return Variable.record(output, inputs: parts) { g in
        for part in parts where part.requiresGrad { part.accumulate(g * (part.value - output).exp()) }
    }
}
