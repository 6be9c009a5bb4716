import Foundation

// Activations. Rules reuse the forward output where that is cheaper and stable.

extension Variable {
    /// Logistic sigmoid; derivative `y (1 - y)`.
    public func sigmoid() -> Variable { elementwise(value.sigmoid()) { _, y in y * (1 - y) } }

    /// Hyperbolic tangent; derivative `1 - y^2`.
    public func tanh() -> Variable { elementwise(value.tanh()) { _, y in 1 - y * y } }

    /// `max(x, 0)`; derivative 1 for `x > 0`, else 0.
    public func relu() -> Variable { elementwise(value.relu()) { x, _ in x > 0 ? 1 : 0 } }

    /// ELU; derivative 1 for `x > 0`, else `y + alpha`.
    public func elu(alpha: Float = 1) -> Variable {
        elementwise(value.elu(alpha: alpha)) { x, y in x > 0 ? 1 : y + alpha }
    }

    /// SELU; derivative `lambda` for `x > 0`, else `y + lambda * alpha`.
    public func selu() -> Variable {
        let lambda = Activation.seluLambda, alpha = Activation.seluAlpha
        return elementwise(value.selu()) { x, y in x > 0 ? lambda : y + lambda * alpha }
    }

    /// Leaky ReLU; derivative 1 for `x > 0`, else `slope`.
    public func leakyRelu(slope: Float = 0.01) -> Variable {
        elementwise(value.leakyRelu(slope: slope)) { x, _ in x > 0 ? 1 : slope }
    }

    /// Stable softplus `log(1 + e^x)`; derivative `sigmoid(x)`.
    public func softplus() -> Variable {
        elementwise(value.softplus()) { x, _ in Activation.sigmoid(x) }
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
