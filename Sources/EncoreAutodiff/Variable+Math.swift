import Foundation

// Elementwise math. Each rule expresses d(out)/d(in) from the input `x` and/or output `y`.

extension Variable {
    /// A unary op whose local derivative is `derivative(x, y)` (input, output) elementwise.
    func elementwise(_ output: Tensor, _ derivative: @escaping (Float, Float) -> Float) -> Variable {
        Variable.record(output, inputs: [self]) { g in
            self.accumulate(Tensor.zipMap(g, self.value, output) { g, x, y in g * derivative(x, y) })
        }
    }

    /// `e^x` elementwise.
    public func exp() -> Variable {
        elementwise(value.exp()) { g, _, y in Tensor.zipMap(g, y) { g, y in g * y } }
    }

    /// Natural logarithm elementwise.
    public func log() -> Variable {
        elementwise(value.log()) { g, x, _ in Tensor.zipMap(g, x) { g, x in g * (1 / x) } }
    }

    /// Square root elementwise (the gradient at 0 is infinite).
    public func sqrt() -> Variable { elementwise(value.sqrt()) { _, y in 0.5 / y } }

    /// `x * x` elementwise.
    public func squared() -> Variable {
        elementwise(value.squared()) { g, x, _ in Tensor.zipMap(g, x) { g, x in g * (2 * x) } }
    }

    /// `|x|` elementwise (gradient `sign(x)`, 0 at 0).
    public func abs() -> Variable {
        elementwise(value.abs()) { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }
    }

    /// Clamps into `[lower, upper]`; the gradient is passed only strictly inside the interval.
    public func clamped(_ lower: Float, _ upper: Float) -> Variable {
        elementwise(value.clamped(lower, upper)) { x, _ in x > lower && x < upper ? 1 : 0 }
    }
}
