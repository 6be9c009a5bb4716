/// A lookup table of learned vectors: `table[index]` for each index, `table: [count, dimension]`.
///
/// The forward pass gathers rows; the backward pass scatter-adds the upstream rows into a zero
/// table, so its work is proportional to the rows looked up (plus the zero fill of the gradient).
/// A negative index is padding: it reads a zero row and receives no gradient, so padded
/// positions of a batch of sequences never touch the table.
///
/// ```swift
/// var rng = SeededRNG(seed: 1)
/// let items = Embedding(count: 3706, dimension: 256, rng: &rng)
/// let vectors = items([4, 17, -1])      // [3, 256]; the last row is zero (padding)
/// ```
public final class Embedding: Sendable {
    /// The table `[count, dimension]`.
    public let table: Variable
    /// Rows of the table and their width.
    public let count: Int, dimension: Int

    /// A table initialised with N(0, 1) draws (PyTorch's `nn.Embedding` default).
    /// - Parameters:
    ///   - count: rows (e.g. items); `dimension`: the width of each vector.
    ///   - rng: the seeded generator the table is drawn from.
    public init(count: Int, dimension: Int, rng: inout SeededRNG) {
        precondition(count > 0 && dimension > 0, "Embedding needs positive sizes, got [\(count), \(dimension)]")
        self.count = count
        self.dimension = dimension
        table = Variable(Tensor.normal([count, dimension], rng: &rng), requiresGrad: true)
    }

    /// The parameters: the table.
    public var parameters: [Variable] { [table] }

    /// Rows `indices` of the table as `[indices.count, dimension]`; a negative index gives a zero row.
    /// - Parameter mode: `.inference` uses the table as a constant (no graph is recorded).
    /// - Precondition: every index is below `count`.
    public func callAsFunction(_ indices: [Int], mode: GradientMode = .recording) -> Variable {
        table.tracked(mode).lookupRows(indices)
    }
}

extension Variable {
    /// Rows `indices` of a `[m, n]` matrix as `[indices.count, n]`, with a zero row for each
    /// negative index (padding); the gradient of the rows read is scatter-added back.
    public func lookupRows(_ indices: [Int]) -> Variable {
        let (m, n) = (value.rows, value.cols)
        precondition(indices.allSatisfy { $0 < m }, "lookupRows: an index is outside \(value.shape)")
        var result = Tensor(shape: [indices.count, n])
        value.withUnsafeBufferPointer { s in
            result.withUnsafeMutableBufferPointer { t in
                for (i, index) in indices.enumerated() where index >= 0 {
                    (t.baseAddress! + i * n).update(from: s.baseAddress! + index * n, count: n)
                }
            }
        }
        return Variable.record(result, inputs: [self]) { g in
            var grad = Tensor(shape: [m, n])
            g.withUnsafeBufferPointer { s in
                grad.withUnsafeMutableBufferPointer { t in
                    for (i, index) in indices.enumerated() where index >= 0 {
                        let target = t.baseAddress! + index * n, source = s.baseAddress! + i * n
                        for j in 0..<n { target[j] += source[j] }
                    }
                }
            }
            self.accumulate(grad)
        }
    }
}
