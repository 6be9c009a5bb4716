import Foundation

/// RecVAE's encoder: `x → L2-normalise → (dropout) → h_1 … h_L → (μ, log σ²)` with densely
/// connected hidden layers `h_k = LayerNorm(swish(W_k h_{k-1} + b_k + h_1 + … + h_{k-1}))`
/// (`h_0` the input; the first product is CSR × dense), LayerNorm with `ε = 0.1` and a learned
/// gain and bias as the authors' code, and two linear heads for the mean and the log-variance.
/// The composite prior reads the posterior of the encoder as the previous epoch left it.
public final class RecVAEEncoder: Sendable {
    /// The variance floor of every LayerNorm (the authors' `eps=1e-1`).
    public static let layerNormEpsilon: Float = 0.1

    /// `[items → hidden]`, then `[hidden → hidden]` layers (linear; swish and LayerNorm follow).
    let layers: [Dense]
    /// Per hidden layer, the LayerNorm gain `[hidden]` (starts at 1) and bias (starts at 0).
    let norms: [(gain: Variable, bias: Variable)]
    /// The heads `[hidden → latent]` for `μ` and `log σ²`.
    let meanHead: Dense, logVarianceHead: Dense

    /// A seeded encoder; every linear layer is initialised as PyTorch's `nn.Linear` (weights and
    /// biases uniform in `±1/sqrt(fan_in)`).
    init(items: Int, hiddenSize: Int, hiddenLayers: Int, latentSize: Int, rng: inout SeededRNG) {
        var layers: [Dense] = []
        var norms: [(gain: Variable, bias: Variable)] = []
        for k in 0..<hiddenLayers {
            layers.append(Self.linear(k == 0 ? items : hiddenSize, hiddenSize, rng: &rng))
            norms.append((Variable(Tensor(shape: [hiddenSize], repeating: 1), requiresGrad: true),
                          Variable(Tensor(shape: [hiddenSize]), requiresGrad: true)))
        }
        self.layers = layers
        self.norms = norms
        meanHead = Self.linear(hiddenSize, latentSize, rng: &rng)
        logVarianceHead = Self.linear(hiddenSize, latentSize, rng: &rng)
    }

    /// A linear layer initialised as PyTorch's default: `U(±1/sqrt(inputs))` for weight and bias.
    static func linear(_ inputs: Int, _ outputs: Int, rng: inout SeededRNG) -> Dense {
        let layer = Dense(inputs: inputs, outputs: outputs, initializer: .zeros, rng: &rng)
        let bound = 1 / Float(max(inputs, 1)).squareRoot()
        layer.weight.value = Tensor.uniform([inputs, outputs], low: -bound, high: bound, rng: &rng)
        layer.bias?.value = Tensor.uniform([outputs], low: -bound, high: bound, rng: &rng)
        return layer
    }

    /// The trainable parameters in a fixed order: per hidden layer its weight, bias, gain and
    /// LayerNorm bias, then the two heads.
    public var parameters: [Variable] {
        zip(layers, norms).flatMap { layer, norm in layer.parameters + [norm.gain, norm.bias] }
            + meanHead.parameters + logVarianceHead.parameters
    }

    /// `(μ, log σ²)`, each `[rows, latent]`, of an input already normalised (and dropped out).
    /// - Parameter mode: `.inference` uses the parameters as constants.
    func callAsFunction(_ input: SparseMatrix, mode: GradientMode, threads: Int?) -> (mean: Variable, logVariance: Variable) {
        var h = layers[0](input, mode: mode, threads: threads)
        var sum: Variable?
        for k in layers.indices {
            if k > 0 {
                h = layers[k](h, mode: mode, threads: threads)
                if let sum { h = h + sum }
            }
            h = h.swish().layerNormalizedRows(
                gain: norms[k].gain.tracked(mode), bias: norms[k].bias.tracked(mode), epsilon: Self.layerNormEpsilon,
                threads: threads)
            sum = sum.map { $0 + h } ?? h
        }
        return (meanHead(h, mode: mode, threads: threads), logVarianceHead(h, mode: mode, threads: threads))
    }

    /// The log-density of RecVAE's composite prior at `z`, elementwise `[rows, latent]`:
    /// `log(w_1 N(z; 0, 1) + w_2 N(z; μ_old, σ²_old) + w_3 N(z; 0, e^wideLogVariance))`, where
    /// `(μ_old, log σ²_old)` is the posterior of the previous epoch's encoder for the same users
    /// (constants) and `weights` the mixture weights `(w_1, w_2, w_3)` (the paper's
    /// `[3/20, 3/4, 1/10]`). The gradient flows to `z` only.
    /// - Parameters:
    ///   - z: `[rows, latent]` samples.
    ///   - previousMean: `[rows, latent]`; `previousLogVariance`: `[rows, latent]`.
    ///   - weights: three mixture weights > 0.
    ///   - wideLogVariance: the log-variance of the wide component (10).
    public static func compositePriorLogDensity(
        _ z: Variable, previousMean: Tensor, previousLogVariance: Tensor, weights: [Float], wideLogVariance: Float
    ) -> Variable {
        requireArgument(weights.count == 3, "compositePriorLogDensity: needs 3 mixture weights, got \(weights.count)")
        requireShape(previousMean.shape == z.shape && previousLogVariance.shape == z.shape,
                     "compositePriorLogDensity: z \(z.shape), posterior \(previousMean.shape) and \(previousLogVariance.shape)")
        let halfLogTwoPi = Float(0.5 * Foundation.log(2 * Double.pi))
        let squared = z.squared()
        // log w - ½ log 2π - ½ log σ² - ½ (z - μ)² / σ² for each component.
        let standard = squared * -0.5 + (Foundation.log(weights[0]) - halfLogTwoPi)
        let wide = squared * (-0.5 * Foundation.exp(-wideLogVariance))
            + (Foundation.log(weights[2]) - halfLogTwoPi - 0.5 * wideLogVariance)
        let halfPrecision = previousLogVariance.mapLanes { v in VectorMath.exp(-v) * VectorMath.V(repeating: -0.5) }
        let previousConstant = VectorMath.V(repeating: Foundation.log(weights[1]) - halfLogTwoPi)
        let offset = previousLogVariance.mapLanes { v in previousConstant - VectorMath.V(repeating: 0.5) * v }
        let previous = (z - Variable(previousMean)).squared() * Variable(halfPrecision) + Variable(offset)
        return logSumExp([standard, previous, wide])
    }
}
