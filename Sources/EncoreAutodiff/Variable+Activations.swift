import Foundation

// Activations. Rules reuse the forward output where that is cheaper and stable.

extension Variable {
    /// A unary op whose backward pass is `gradient(g, x, y)` on whole tensors (upstream gradient,
    /// input, output): the hot activations pass literal `zipMap` closures so they vectorise.
    func elementwise(_ output: Tensor, backward: @escaping (Tensor, Tensor, Tensor) -> Tensor) -> Variable {
        Variable.record(output, inputs: [self]) { g in self.accumulate(backward(g, self.value, output)) }
    }

    /// Logistic sigmoid; derivative `y (1 - y)`.
    public func sigmoid() -> Variable {
        elementwise(value.sigmoid()) { g, _, y in Tensor.zipMap(g, y) { g, y in g * (y * (1 - y)) } }
    }

    /// Hyperbolic tangent; derivative `1 - y^2`.
    public func tanh() -> Variable {
        elementwise(value.tanh()) { g, _, y in Tensor.zipMap(g, y) { g, y in g * (1 - y * y) } }
    }

    /// `max(x, 0)`; derivative 1 for `x > 0`, else 0.
    public func relu() -> Variable {
        elementwise(value.relu()) { g, x, _ in Tensor.zipMap(g, x) { g, x in x > 0 ? g : 0 } }
    }

    /// ELU; derivative 1 for `x > 0`, else `y + alpha`.
    public func elu(alpha: Float = 1) -> Variable {
        elementwise(value.elu(alpha: alpha)) { g, x, y in
            Tensor.zipMap(g, x, y) { g, x, y in x > 0 ? g : g * (y + alpha) }
        }
    }

    /// SELU; derivative `lambda` for `x > 0`, else `y + lambda * alpha`.
    public func selu() -> Variable {
        let lambda = Activation.seluLambda, scale = Activation.seluLambda * Activation.seluAlpha
        return elementwise(value.selu()) { g, x, y in
            Tensor.zipMap(g, x, y) { g, x, y in x > 0 ? g * lambda : g * (y + scale) }
        }
    }

    /// Leaky ReLU; derivative 1 for `x > 0`, else `slope`.
    public func leakyRelu(slope: Float = 0.01) -> Variable {
        elementwise(value.leakyRelu(slope: slope)) { x, _ in x > 0 ? 1 : slope }
    }

    /// Stable softplus `log(1 + e^x)`; derivative `sigmoid(x)`.
    public func softplus() -> Variable {
        elementwise(value.softplus()) { g, x, _ in Tensor.zipMap(g, x.sigmoid()) { g, s in g * s } }
    }

    /// Applies a named activation (how layers and model configs choose one).
    public func activated(_ activation: ActivationKind) -> Variable {
        switch activation {
        case .identity: return identity()
        case .sigmoid: return sigmoid()
        case .tanh: return tanh()
        case .relu: return relu()
        case .elu: return elu()
        case .selu: return selu()
        case .leakyRelu: return leakyRelu()
        case .softplus: return softplus()
        }
    }
}

/// The activations a layer or model config can name (`"relu"`, `"selu"`, ...).
public enum ActivationKind: String, Sendable, Codable, CaseIterable {
    /// No activation.
    case identity
    /// Logistic sigmoid.
    case sigmoid
    /// Hyperbolic tangent.
    case tanh
    /// Rectified linear unit.
    case relu
    /// Exponential linear unit (`alpha` 1).
    case elu
    /// Scaled ELU (Klambauer et al. 2017).
    case selu
    /// Leaky ReLU (slope 0.01).
    case leakyRelu = "leaky_relu"
    /// `log(1 + e^x)`.
    case softplus
}
