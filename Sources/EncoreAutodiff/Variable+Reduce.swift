// Reductions and row-wise normalisations. Per-row / per-column results keep two dimensions
// (`[m, 1]`, `[1, n]`) so they broadcast back against `[m, n]`.

extension Variable {
    /// The sum of all elements, a scalar `[]`.
    public func sum() -> Variable {
        let shape = value.shape
        return Variable.record(Tensor(scalar: value.sum()), inputs: [self]) { g in
            self.accumulate(Tensor(shape: shape, repeating: g.scalarValue))
        }
    }

    /// The mean of all elements, a scalar `[]`.
    public func mean() -> Variable { sum().scaled(by: 1 / Float(Swift.max(value.count, 1))) }

    /// Sums of each row: `[m, n]` -> `[m, 1]`.
    public func rowSums() -> Variable {
        Variable.record(value.rowSums(), inputs: [self]) { g in self.accumulate(Variable.expand(g, to: self.shape)) }
    }

    /// Sums of each column (over rows): `[m, n]` -> `[1, n]`.
    public func columnSums() -> Variable {
        Variable.record(value.columnSums(), inputs: [self]) { g in self.accumulate(Variable.expand(g, to: self.shape)) }
    }

    /// Means of each row: `[m, n]` -> `[m, 1]`.
    public func rowMeans() -> Variable { rowSums().scaled(by: 1 / Float(Swift.max(value.cols, 1))) }

    /// Means of each column: `[m, n]` -> `[1, n]`.
    public func columnMeans() -> Variable { columnSums().scaled(by: 1 / Float(Swift.max(value.rows, 1))) }

    /// Row-wise log-softmax of `[m, n]` logits (stable forward, fused backward
    /// `dx = g - softmax * rowSum(g)`).
    public func logSoftmax() -> Variable {
        let output = value.rowLogSoftmax()
        return Variable.record(output, inputs: [self]) { g in
            let softmax = output.exp()
            self.accumulate(g - softmax * g.rowSums())
        }
    }

    /// Each row divided by its Euclidean norm (plus `epsilon`, so zero rows stay zero):
    /// `y = x / (|x| + eps)`, `dx = (g - y * rowSum(g * y) * |x| / (|x| + eps)) / (|x| + eps)`.
    public func l2NormalizedRows(epsilon: Float = 1e-12) -> Variable {
        let norms = value.rowNorms()
        let denominators = norms + epsilon
        let output = value / denominators
        return Variable.record(output, inputs: [self]) { g in
            let projection = (g * output).rowSums() * (norms / denominators)
            self.accumulate((g - output * projection) / denominators)
        }
    }

    /// Broadcasts `gradient` up to `shape` (the inverse of `accumulate`'s reduction).
    static func expand(_ gradient: Tensor, to shape: [Int]) -> Tensor {
        Tensor.broadcasting(Tensor(shape: shape), gradient, op: "backward") { _, g in g }.reshaped(shape)
    }
}

/// Concatenates matrices side by side: `[m, n1], [m, n2], ...` -> `[m, n1 + n2 + ...]`.
public func concatenateColumns(_ parts: [Variable]) -> Variable {
    requireArgument(!parts.isEmpty, "concatenateColumns: needs at least one part")
    let m = parts[0].value.rows
    requireShape(parts.allSatisfy { $0.value.rows == m }, "concatenateColumns: row counts differ: \(parts.map(\.shape))")
    let widths = parts.map(\.value.cols), total = widths.reduce(0, +)
    var result = Tensor(uninitializedShape: [m, total])
    var offset = 0
    for (part, width) in zip(parts, widths) {
        part.value.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { t in
                for i in 0..<m { for j in 0..<width { t[i * total + offset + j] = s[i * width + j] } }
            }
        }
        offset += width
    }
    return Variable.record(result, inputs: parts) { g in
        var offset = 0
        for (part, width) in zip(parts, widths) {
            if part.requiresGrad {
                var slice = Tensor(uninitializedShape: [m, width])
                g.withUnsafeBufferPointer { s in
                    slice.withUnsafeMutableBufferPointer { t in
                        for i in 0..<m { for j in 0..<width { t[i * width + j] = s[i * total + offset + j] } }
                    }
                }
                part.accumulate(slice.reshaped(part.shape))
            }
            offset += width
        }
    }
}

/// Stacks matrices vertically: `[m1, n], [m2, n], ...` -> `[m1 + m2 + ..., n]`.
public func concatenateRows(_ parts: [Variable]) -> Variable {
    requireArgument(!parts.isEmpty, "concatenateRows: needs at least one part")
    let n = parts[0].value.cols
    requireShape(parts.allSatisfy { $0.value.cols == n }, "concatenateRows: column counts differ: \(parts.map(\.shape))")
    let heights = parts.map(\.value.rows)
    let scalars = parts.flatMap(\.value.scalars)
    let result = Tensor(shape: [heights.reduce(0, +), n], scalars: scalars)
    return Variable.record(result, inputs: parts) { g in
        var start = 0
        for (part, height) in zip(parts, heights) {
            if part.requiresGrad { part.accumulate(g.rows(start..<(start + height)).reshaped(part.shape)) }
            start += height
        }
    }
}
