/// A fully connected layer `y = activation(x W + b)` with `W: [inputs, outputs]`, `b: [outputs]`.
///
/// A layer can be tied to another one (`init(tiedTo:)`): it then uses the other layer's weight
/// transposed (`[outputs, inputs]` of the other = `[inputs, outputs]` here) and owns only its bias,
/// as in tied-weight autoencoders.
///
/// ```swift
/// var rng = SeededRNG(seed: 1)
/// let encoder = Dense(inputs: 3706, outputs: 600, activation: .selu, initializer: .lecunNormal, rng: &rng)
/// let hidden = encoder(batch)           // batch: SparseMatrix [b, 3706] -> [b, 600]
/// ```
public final class Dense: Sendable {
    /// The weight `[inputs, outputs]`, or the tied layer's `[outputs, inputs]` weight.
    public let weight: Variable
    /// The bias `[outputs]`, if any.
    public let bias: Variable?
    /// Whether `weight` is another layer's weight used transposed.
    public let isTied: Bool
    /// The activation applied after the affine map.
    public let activation: ActivationKind
    /// Input and output widths.
    public let inputs: Int, outputs: Int

    /// A layer with its own weight.
    /// - Parameters:
    ///   - inputs: input width; `outputs`: output width.
    ///   - activation: default `.identity`.
    ///   - useBias: default `true`; the bias starts at zero.
    ///   - initializer: for the weight (default Glorot uniform).
    ///   - rng: the seeded generator the weight is drawn from.
    public init(
        inputs: Int, outputs: Int, activation: ActivationKind = .identity, useBias: Bool = true,
        initializer: Initializer = .glorotUniform, rng: inout SeededRNG
    ) {
        requireShape(inputs >= 0 && outputs >= 0, "Dense: widths must be >= 0, got inputs \(inputs), outputs \(outputs)")
        self.inputs = inputs
        self.outputs = outputs
        self.activation = activation
        isTied = false
        weight = Variable(
            initializer.make([inputs, outputs], fanIn: inputs, fanOut: outputs, rng: &rng), requiresGrad: true)
        bias = useBias ? Variable(Tensor(shape: [outputs]), requiresGrad: true) : nil
    }

    /// A layer using `other`'s weight transposed: it maps `other.outputs` -> `other.inputs`.
    public init(tiedTo other: Dense, activation: ActivationKind = .identity, useBias: Bool = true) {
        requireArgument(!other.isTied, "Dense(tiedTo:): needs an untied layer")
        inputs = other.outputs
        outputs = other.inputs
        self.activation = activation
        isTied = true
        weight = other.weight
        bias = useBias ? Variable(Tensor(shape: [outputs]), requiresGrad: true) : nil
    }

    /// The parameters this layer owns (a tied layer does not own its weight).
    public var parameters: [Variable] { (isTied ? [] : [weight]) + (bias.map { [$0] } ?? []) }

    /// Applies the layer to a dense `[batch, inputs]` input, giving `[batch, outputs]`.
    /// - Parameters:
    ///   - mode: `.inference` uses the parameters as constants (no graph is recorded).
    ///   - threads: GEMM threads (`nil`: all cores).
    public func callAsFunction(_ input: Variable, mode: GradientMode = .recording, threads: Int? = nil) -> Variable {
        requireShape(
            input.value.cols == inputs,
            "Dense: input width differs from the layer's: expects [batch, \(inputs)], got \(input.shape)")
        let linear = matmul(input, weight.tracked(mode), transposeB: isTied, threads: threads)
        return finish(linear, mode: mode)
    }

    /// Applies the layer to a sparse `[batch, inputs]` input (CSR x dense, no densification).
    public func callAsFunction(_ input: SparseMatrix, mode: GradientMode = .recording, threads: Int? = nil) -> Variable {
        requireShape(
            input.cols == inputs,
            "Dense: input width differs from the layer's: expects [batch, \(inputs)], got sparse \(input.shape)")
        let w = weight.tracked(mode)
        let linear = matmul(input, isTied ? w.transposed() : w, threads: threads)
        return finish(linear, mode: mode)
    }

    private func finish(_ linear: Variable, mode: GradientMode) -> Variable {
        let shifted = bias.map { linear + $0.tracked(mode) } ?? linear
        return activation == .identity ? shifted : shifted.activated(activation)
    }
}
