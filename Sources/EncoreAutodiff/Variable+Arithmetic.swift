// Broadcasting arithmetic. Backward rules hand full-shape gradients to `accumulate`, which sums
// them back to each input's shape.

/// Elementwise sum with broadcasting (scalar, row `[n]`/`[1, n]`, column `[m, 1]`).
public func + (a: Variable, b: Variable) -> Variable {
    Variable.record(a.value + b.value, inputs: [a, b]) { g in
        a.accumulate(g)
        b.accumulate(g)
    }
}

/// Elementwise difference with broadcasting.
public func - (a: Variable, b: Variable) -> Variable {
    Variable.record(a.value - b.value, inputs: [a, b]) { g in
        a.accumulate(g)
        if b.requiresGrad { b.accumulate(-g) }
    }
}

/// Elementwise product with broadcasting.
public func * (a: Variable, b: Variable) -> Variable {
    Variable.record(a.value * b.value, inputs: [a, b]) { g in
        if a.requiresGrad { a.accumulate(g * b.value) }
        if b.requiresGrad { b.accumulate(g * a.value) }
    }
}

/// Elementwise quotient with broadcasting.
public func / (a: Variable, b: Variable) -> Variable {
    let quotient = a.value / b.value
    return Variable.record(quotient, inputs: [a, b]) { g in
        if a.requiresGrad { a.accumulate(g / b.value) }
        // d(a/b)/db = -(a/b)/b
        if b.requiresGrad { b.accumulate(-(g * quotient) / b.value) }
    }
}

/// Negation.
public prefix func - (a: Variable) -> Variable { a.scaled(by: -1) }

/// Adds a constant to every element.
public func + (a: Variable, s: Float) -> Variable {
    Variable.record(a.value + s, inputs: [a]) { g in a.accumulate(g) }
}

/// Subtracts a constant from every element.
public func - (a: Variable, s: Float) -> Variable { a + (-s) }

/// Multiplies every element by a constant.
public func * (a: Variable, s: Float) -> Variable { a.scaled(by: s) }

/// Multiplies every element by a constant.
public func * (s: Float, a: Variable) -> Variable { a.scaled(by: s) }

extension Variable {
    /// `factor * self`.
    public func scaled(by factor: Float) -> Variable {
        Variable.record(value.scaled(by: factor), inputs: [self]) { g in self.accumulate(g.scaled(by: factor)) }
    }

    /// The same value and gradient (a named no-op, e.g. the identity activation).
    public func identity() -> Variable {
        Variable.record(value, inputs: [self]) { g in self.accumulate(g) }
    }

    /// The same elements with a new shape of equal count; the gradient is reshaped back.
    public func reshaped(_ shape: [Int]) -> Variable {
        let original = value.shape
        return Variable.record(value.reshaped(shape), inputs: [self]) { g in
            self.accumulate(g.reshaped(original))
        }
    }

    /// The matrix transpose `[m, n]` -> `[n, m]`.
    public func transposed() -> Variable {
        let original = value.shape
        return Variable.record(value.transposed(), inputs: [self]) { g in
            self.accumulate(g.transposed().reshaped(original))
        }
    }
}
