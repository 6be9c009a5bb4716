import Foundation

extension Variable {
    /// Swish (SiLU) `y = x · sigmoid(x)` (Ramachandran et al. 2017), eight lanes at a time;
    /// derivative `s + y (1 - s)` with `s = sigmoid(x)`, recomputed in the backward pass.
    public func swish() -> Variable {
        let output = value.mapLanes { x in x * VectorMath.sigmoid(x) }
        return Variable.record(output, inputs: [self]) { g in
            self.accumulate(Variable.swishGradient(upstream: g, input: self.value, output: output))
        }
    }

    /// `g · (s + y (1 - s))` elementwise, `s = sigmoid(x)`.
    private static func swishGradient(upstream g: Tensor, input x: Tensor, output y: Tensor) -> Tensor {
        requireShape(g.shape == x.shape, "swish backward: gradient \(g.shape) vs input \(x.shape)")
        var result = Tensor(uninitializedShape: x.shape)
        let count = x.count
        g.withUnsafeBufferPointer { gp in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    result.withUnsafeMutableBufferPointer { rp in
                        let g = gp.baseAddress!, x = xp.baseAddress!, y = yp.baseAddress!, r = rp.baseAddress!
                        let one = VectorMath.V(repeating: 1)
                        var i = 0
                        while i + 8 <= count {
                            let gv = UnsafeRawPointer(g + i).loadUnaligned(as: VectorMath.V.self)
                            let xv = UnsafeRawPointer(x + i).loadUnaligned(as: VectorMath.V.self)
                            let yv = UnsafeRawPointer(y + i).loadUnaligned(as: VectorMath.V.self)
                            let s = VectorMath.sigmoid(xv)
                            UnsafeMutableRawPointer(r + i).storeBytes(of: gv * (s + yv * (one - s)), as: VectorMath.V.self)
                            i += 8
                        }
                        while i < count {
                            let s = Activation.sigmoid(x[i])
                            r[i] = g[i] * (s + y[i] * (1 - s))
                            i += 1
                        }
                    }
                }
            }
        }
        return result
    }
}
