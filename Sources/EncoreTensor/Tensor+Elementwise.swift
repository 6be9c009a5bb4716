import Foundation

// Elementwise kernels. Every loop runs over raw pointers, after the shapes are checked, so that
// release builds vectorise them; the closures are @inlinable and specialised at each call.

extension Tensor {
    /// Returns `transform` applied to every element; the shape is unchanged.
    /// - Complexity: O(count).
    @inlinable
    public func map(_ transform: (Float) -> Float) -> Tensor {
        var result = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                let s = source.baseAddress!, t = target.baseAddress!
                for i in 0..<source.count { t[i] = transform(s[i]) }
            }
        }
        return result
    }

    /// Returns `transform` applied eight lanes at a time (the vectorised math kernels).
    /// - Complexity: O(count).
    @inlinable
    public func mapLanes(_ transform: (VectorMath.V) -> VectorMath.V) -> Tensor {
        var result = Tensor(uninitializedShape: shape)
        withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                VectorMath.apply(source.baseAddress!, target.baseAddress!, count: source.count, transform)
            }
        }
        return result
    }

    /// Combines two tensors of the same shape element by element.
    /// - Precondition: `a.shape == b.shape` (the message prints both).
    @inlinable
    public static func zipMap(_ a: Tensor, _ b: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        requireShape(a.shape == b.shape, "zipMap: shapes differ: \(a.shape) and \(b.shape)")
        var result = Tensor(uninitializedShape: a.shape)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                result.withUnsafeMutableBufferPointer { target in
                    let x = pa.baseAddress!, y = pb.baseAddress!, t = target.baseAddress!
                    for i in 0..<pa.count { t[i] = combine(x[i], y[i]) }
                }
            }
        }
        return result
    }

    /// Combines three tensors of the same shape element by element (used by backward rules).
    /// - Precondition: all three shapes are equal.
    @inlinable
    public static func zipMap(
        _ a: Tensor, _ b: Tensor, _ c: Tensor, _ combine: (Float, Float, Float) -> Float
    ) -> Tensor {
        requireShape(
            a.shape == b.shape && b.shape == c.shape,
            "zipMap: shapes differ: \(a.shape), \(b.shape) and \(c.shape)")
        var result = Tensor(uninitializedShape: a.shape)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeBufferPointer { pc in
                    result.withUnsafeMutableBufferPointer { target in
                        let x = pa.baseAddress!, y = pb.baseAddress!, z = pc.baseAddress!
                        let t = target.baseAddress!
                        for i in 0..<pa.count { t[i] = combine(x[i], y[i], z[i]) }
                    }
                }
            }
        }
        return result
    }

    /// `e^x` elementwise.
    public func exp() -> Tensor { mapLanes(VectorMath.exp) }
    /// Natural logarithm elementwise (`-inf` at 0, NaN below).
    public func log() -> Tensor { mapLanes(VectorMath.log) }
    /// Square root elementwise.
    public func sqrt() -> Tensor { map { $0.squareRoot() } }
    /// `x * x` elementwise.
    public func squared() -> Tensor { map { $0 * $0 } }
    /// `|x|` elementwise.
    public func abs() -> Tensor { map { Swift.abs($0) } }
    /// Clamps every element into `[lower, upper]`.
    /// - Precondition: `lower <= upper`.
    public func clamped(_ lower: Float, _ upper: Float) -> Tensor {
        requireArgument(lower <= upper, "clamped: bounds reversed: \(lower) > \(upper)")
        return map { Swift.min(Swift.max($0, lower), upper) }
    }
    /// The logistic function `1 / (1 + e^-x)`, stable for large `|x|`.
    public func sigmoid() -> Tensor { mapLanes(VectorMath.sigmoid) }
    /// Hyperbolic tangent elementwise.
    public func tanh() -> Tensor { mapLanes(VectorMath.tanh) }
    /// `max(x, 0)` elementwise.
    public func relu() -> Tensor { map { $0 > 0 ? $0 : 0 } }
    /// ELU: `x` for `x > 0`, `alpha * (e^x - 1)` otherwise.
    public func elu(alpha: Float = 1) -> Tensor {
        mapLanes { x in
            (VectorMath.V(repeating: alpha) * VectorMath.expm1(x)).replacing(with: x, where: x .> 0)
        }
    }
    /// SELU (Klambauer et al. 2017): `lambda * elu(x, alpha)` with the self-normalising constants.
    public func selu() -> Tensor {
        let lambda = VectorMath.V(repeating: Activation.seluLambda)
        let scale = VectorMath.V(repeating: Activation.seluLambda * Activation.seluAlpha)
        return mapLanes { x in (scale * VectorMath.expm1(x)).replacing(with: lambda * x, where: x .> 0) }
    }
    /// Leaky ReLU: `x` for `x > 0`, `slope * x` otherwise.
    public func leakyRelu(slope: Float = 0.01) -> Tensor { map { $0 > 0 ? $0 : slope * $0 } }
    /// `log(1 + e^x)` computed as `max(x, 0) + log1p(e^-|x|)` (no overflow).
    public func softplus() -> Tensor {
        mapLanes { x in
            x.replacing(with: 0, where: x .< 0)
                + VectorMath.log1p(VectorMath.exp(-x.replacing(with: -x, where: x .< 0)))
        }
    }
}

/// Scalar activation functions shared by the tensor kernels and the autodiff rules.
public enum Activation {
    /// SELU's `lambda`.
    public static let seluLambda: Float = 1.0507009873554805
    /// SELU's `alpha`.
    public static let seluAlpha: Float = 1.6732632423543772

    /// Stable logistic function.
    @inlinable public static func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }
    /// Stable `log(1 + e^x)`.
    @inlinable public static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }
    /// SELU of one value.
    @inlinable public static func selu(_ x: Float) -> Float {
        x > 0 ? seluLambda * x : seluLambda * seluAlpha * Foundation.expm1(x)
    }
}
