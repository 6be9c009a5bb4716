// Binary operations with broadcasting. A tensor is seen as a matrix (`[n]` is one row `[1, n]`,
// a scalar is `[1, 1]`); a dimension of extent 1 stretches to the other operand's extent. So a
// `[m, n]` matrix combines with a scalar, a row vector `[n]` / `[1, n]`, or a column `[m, 1]`.

extension Tensor {
    /// The shape of a broadcast binary result; stops with a message printing `op` and both shapes
    /// when they cannot be broadcast together.
    ///
    /// Rank is the larger of the two ranks; rows and columns follow the stretching rule above.
    /// - Parameter op: the operation named in the message (default `"broadcast"`).
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String = "broadcast") -> [Int] {
        if a == b { return a }
        func matrix(_ s: [Int]) -> (Int, Int) { s.count == 2 ? (s[0], s[1]) : (1, s.first ?? 1) }
        let (ar, ac) = matrix(a), (br, bc) = matrix(b)
        func join(_ x: Int, _ y: Int) -> Int? { x == y ? x : (x == 1 ? y : (y == 1 ? x : nil)) }
        guard let rows = join(ar, br), let cols = join(ac, bc) else {
            shapeCheckFailure("\(op): shapes \(a) and \(b) cannot be broadcast together")
        }
        switch Swift.max(a.count, b.count) {
        case 2: return [rows, cols]
        case 1:
            return [cols]
        default: return []
        }
    }

    /// Combines `a` and `b` elementwise with broadcasting (see the file comment).
    /// - Parameter op: the operation named if the shapes cannot be broadcast together.
    /// - Returns: a tensor of shape `broadcastShape(a.shape, b.shape)`.
    @inlinable
    public static func broadcasting(
        _ a: Tensor, _ b: Tensor, op: String = "broadcasting", _ combine: (Float, Float) -> Float
    ) -> Tensor {
        if a.shape == b.shape { return zipMap(a, b, combine) }
        let shape = broadcastShape(a.shape, b.shape, op: op)
        var result = Tensor(uninitializedShape: shape)
        let rows = result.rows, cols = result.cols
        let aRowStep = a.rows == 1 ? 0 : a.cols, bRowStep = b.rows == 1 ? 0 : b.cols
        let aWide = a.cols != 1 || cols == 1, bWide = b.cols != 1 || cols == 1
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                result.withUnsafeMutableBufferPointer { target in
                    for i in 0..<rows {
                        let x = pa.baseAddress! + i * aRowStep, y = pb.baseAddress! + i * bRowStep
                        let t = target.baseAddress! + i * cols
                        if aWide && bWide {
                            for j in 0..<cols { t[j] = combine(x[j], y[j]) }
                        } else if aWide {
                            let yv = y[0]
                            for j in 0..<cols { t[j] = combine(x[j], yv) }
                        } else if bWide {
                            let xv = x[0]
                            for j in 0..<cols { t[j] = combine(xv, y[j]) }
                        } else {
                            let v = combine(x[0], y[0])
                            for j in 0..<cols { t[j] = v }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, op: "add (+)") { $0 + $1 } }
    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, op: "subtract (-)") { $0 - $1 } }
    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, op: "multiply (*)") { $0 * $1 } }
    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor { broadcasting(a, b, op: "divide (/)") { $0 / $1 } }
    /// Adds a constant to every element.
    public static func + (a: Tensor, s: Float) -> Tensor { a.map { $0 + s } }
    /// Subtracts a constant from every element.
    public static func - (a: Tensor, s: Float) -> Tensor { a.map { $0 - s } }
    /// Multiplies every element by a constant.
    public static func * (a: Tensor, s: Float) -> Tensor { a.scaled(by: s) }
    /// Multiplies every element by a constant.
    public static func * (s: Float, a: Tensor) -> Tensor { a.scaled(by: s) }
    /// Negates every element.
    public static prefix func - (a: Tensor) -> Tensor { a.map { -$0 } }

    /// Returns `factor * self`.
    public func scaled(by factor: Float) -> Tensor { map { $0 * factor } }

    /// Multiplies every element by `factor` in place.
    public mutating func scale(by factor: Float) {
        withUnsafeMutableBufferPointer { p in
            let t = p.baseAddress!
            for i in 0..<p.count { t[i] *= factor }
        }
    }

    /// `self += alpha * other` in place (BLAS axpy); shapes must have equal element counts.
    /// - Precondition: `count == other.count` (the message prints both shapes).
    public mutating func add(_ other: Tensor, scaledBy alpha: Float = 1) {
        requireShape(
            count == other.count, "add(_:scaledBy:): element counts differ: \(shape) and \(other.shape)")
        other.withUnsafeBufferPointer { source in
            withUnsafeMutableBufferPointer { target in
                let s = source.baseAddress!, t = target.baseAddress!
                if alpha == 1 {
                    for i in 0..<target.count { t[i] += s[i] }
                } else {
                    for i in 0..<target.count { t[i] += alpha * s[i] }
                }
            }
        }
    }

    /// Elementwise in-place sum of equal-sized tensors.
    public static func += (a: inout Tensor, b: Tensor) { a.add(b) }
}
