/// The shape of one matrix product `op(A) · op(B)`, `[m, k] x [k, n] -> [m, n]`, as
/// `Tensor.matmul` takes it: `A` is stored `[m, k]` (or `[k, m]` when `transposeA`), `B` is stored
/// `[k, n]` (or `[n, k]` when `transposeB`).
///
/// Models name the products their epochs are made of (`FLOPCount.referenceProducts`) so that a
/// benchmark can time the GEMM at exactly those shapes.
public struct GEMMShape: Sendable, Hashable, CustomStringConvertible {
    /// Rows of the result.
    public var m: Int
    /// Columns of the result.
    public var n: Int
    /// The inner dimension.
    public var k: Int
    /// Whether `A` is stored transposed (`[k, m]`).
    public var transposeA: Bool
    /// Whether `B` is stored transposed (`[n, k]`).
    public var transposeB: Bool

    /// Creates a shape.
    public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
        self.m = m
        self.n = n
        self.k = k
        self.transposeA = transposeA
        self.transposeB = transposeB
    }

    /// `2·m·n·k`: a multiply and an add per term.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// The layout as `encore bench gemm --op` names it: `A*B`, `A*B^T`, `A^T*B` or `A^T*B^T`.
    public var layout: String { "A\(transposeA ? "^T" : "")*B\(transposeB ? "^T" : "")" }

    /// `500x20000x600 A*B`: `m x n x k` and the layout.
    public var description: String { "\(m)x\(n)x\(k) \(layout)" }

    /// The three products of a dense layer `Y = X·W` (`X` `[rows, inputs]`, `W` `[inputs, outputs]`)
    /// in a training step: the forward product `X·W`, the input gradient `dY·Wᵀ` and the weight
    /// gradient `Xᵀ·dY`, as the reverse-mode `matmul` computes them.
    public static func denseLayerTraining(rows: Int, inputs: Int, outputs: Int) -> [GEMMShape] {
        [
            GEMMShape(m: rows, n: outputs, k: inputs),
            GEMMShape(m: rows, n: inputs, k: outputs, transposeB: true),
            GEMMShape(m: inputs, n: outputs, k: rows, transposeA: true),
        ]
    }
}

