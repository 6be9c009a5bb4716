import Foundation

/// Weight initialisers, all drawing from a `SeededRNG` passed in.
public enum Initializer: String, Sendable, Codable, CaseIterable {
    /// Uniform in `±sqrt(6 / (fanIn + fanOut))` (Glorot & Bengio 2010).
    case glorotUniform = "glorot_uniform"
    /// Normal with standard deviation `sqrt(2 / (fanIn + fanOut))`.
    case glorotNormal = "glorot_normal"
    /// Normal with standard deviation `sqrt(2 / fanIn)` (He et al. 2015), for ReLU.
    case heNormal = "he_normal"
    /// Uniform in `±sqrt(6 / fanIn)`.
    case heUniform = "he_uniform"
    /// Normal with standard deviation `sqrt(1 / fanIn)` (LeCun), for SELU networks.
    case lecunNormal = "lecun_normal"
    /// Uniform in `±1 / sqrt(fanIn)`: PyTorch's `nn.Linear` default, for weights and biases alike.
    case fanInUniform = "fan_in_uniform"
    /// All zeros (biases).
    case zeros

    /// A tensor of the given shape initialised for a layer with `fanIn` inputs and `fanOut` outputs.
    /// - Parameters:
    ///   - shape: e.g. `[fanIn, fanOut]` for a `Dense` weight.
    ///   - rng: advanced by one draw per element (none for `.zeros`).
    public func make(_ shape: [Int], fanIn: Int, fanOut: Int, rng: inout SeededRNG) -> Tensor {
        let fanIn = Float(Swift.max(fanIn, 1)), fanOut = Float(Swift.max(fanOut, 1))
        switch self {
        case .glorotUniform:
            let limit = (6 / (fanIn + fanOut)).squareRoot()
            return Tensor.uniform(shape, low: -limit, high: limit, rng: &rng)
        case .glorotNormal:
            return Tensor.normal(shape, standardDeviation: (2 / (fanIn + fanOut)).squareRoot(), rng: &rng)
        case .heNormal:
            return Tensor.normal(shape, standardDeviation: (2 / fanIn).squareRoot(), rng: &rng)
        case .heUniform:
            let limit = (6 / fanIn).squareRoot()
            return Tensor.uniform(shape, low: -limit, high: limit, rng: &rng)
        case .lecunNormal:
            return Tensor.normal(shape, standardDeviation: (1 / fanIn).squareRoot(), rng: &rng)
        case .fanInUniform:
            let limit = 1 / fanIn.squareRoot()
            return Tensor.uniform(shape, low: -limit, high: limit, rng: &rng)
        case .zeros:
            return Tensor(shape: shape)
        }
    }
}
