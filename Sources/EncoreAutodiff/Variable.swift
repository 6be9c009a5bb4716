/// Whether a forward pass records the graph for `backward()`.
///
/// There is no global "no-grad" switch: the mode is passed to whatever builds the graph (layers,
/// models). In `.inference` parameters enter as constants (`Variable.tracked(_:)`), so no op
/// records a backward rule and no intermediate tensors are kept alive.
public enum GradientMode: Sendable {
    /// Record the graph (training).
    case recording
    /// Record nothing (evaluation, scoring).
    case inference
}

/// A node of the reverse-mode graph: a tensor value, its gradient, and how to propagate to inputs.
///
/// A `Variable` made with `init(_:requiresGrad:)` is a leaf: a parameter (`requiresGrad: true`) or a
/// constant. Every op returns a new `Variable`; it records a backward rule only when some input
/// requires a gradient, so graphs over constants cost nothing. `backward()` accumulates into the
/// `grad` of leaves (call `zeroGrad()` between steps, or let the optimizer do it).
///
/// Ops that run in parallel (matmul, sparse products, sampled dots) take a `threads:` argument
/// (`nil`: all cores); there is no hidden global thread setting.
///
/// ```swift
/// let w = Variable(Tensor.normal([3, 2], rng: &rng), requiresGrad: true)
/// let loss = (matmul(x, w)).squared().mean()
/// loss.backward()           // w.grad is now [3, 2]
/// ```
///
/// A graph is built and differentiated on one thread; `@unchecked Sendable` only lets finished
/// parameters move between tasks.
public final class Variable: @unchecked Sendable {
    /// The forward value. Optimizers and checkpoint loading assign it for parameters; do not
    /// assign it between a forward pass and its `backward()`.
    public var value: Tensor
    /// The accumulated gradient of the last `backward()` calls, shaped like `value`; `nil` until
    /// one reaches this leaf (interior nodes drop theirs after use).
    public internal(set) var grad: Tensor?
    /// Whether gradients flow to this variable.
    public let requiresGrad: Bool
    /// The inputs of the op that produced this variable (empty for leaves or constants).
    let parents: [Variable]
    /// Propagates this node's gradient to `parents`; `nil` for leaves and constants.
    let backwardRule: ((Tensor) -> Void)?

    /// A leaf: a parameter when `requiresGrad`, otherwise a constant.
    /// - Parameters:
    ///   - value: the tensor (any shape).
    ///   - requiresGrad: whether `backward()` fills `grad` (default `false`).
    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        parents = []
        backwardRule = nil
    }

    /// A scalar constant.
    public convenience init(scalar: Float) { self.init(Tensor(scalar: scalar)) }

    init(value: Tensor, parents: [Variable], backwardRule: @escaping (Tensor) -> Void) {
        self.value = value
        requiresGrad = true
        self.parents = parents
        self.backwardRule = backwardRule
    }

    /// The result of an op: records `rule` only when some input requires a gradient.
    /// - Parameters:
    ///   - value: the op's forward value.
    ///   - inputs: the variables the op read.
    ///   - rule: given the upstream gradient (shaped like `value`), accumulates into the inputs.
    static func record(
        _ value: Tensor, inputs: [Variable], rule: @escaping (Tensor) -> Void
    ) -> Variable {
        guard inputs.contains(where: \.requiresGrad) else { return Variable(value) }
        return Variable(value: value, parents: inputs, backwardRule: rule)
    }

    /// The shape of `value`.
    public var shape: [Int] { value.shape }

    /// The same value as a constant (no gradient flows back through it).
    public func detached() -> Variable { Variable(value) }

    /// `self` when recording, a detached constant in `.inference` (how layers honour the mode).
    public func tracked(_ mode: GradientMode) -> Variable { mode == .recording ? self : detached() }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Adds `gradient` to `grad`, first summing it down to this variable's shape if the forward
    /// op broadcast it. This is the ONE place where broadcasting is undone.
    /// - Precondition: `gradient` broadcasts from `shape` (the message prints both shapes).
    func accumulate(_ gradient: Tensor) {
        guard requiresGrad else { return }
        let reduced = Variable.unbroadcast(gradient, to: value.shape)
        if grad == nil { grad = reduced } else { grad!.add(reduced) }
    }

    /// Sums a broadcast gradient back to `shape` (rows, columns, or everything).
    static func unbroadcast(_ gradient: Tensor, to shape: [Int]) -> Tensor {
        if gradient.shape == shape { return gradient }
        let target = Tensor(shape: shape)
        let (rows, cols) = (target.rows, target.cols)
        var reduced = gradient
        if rows == 1 && gradient.rows != 1 { reduced = reduced.columnSums() }
        if cols == 1 && gradient.cols != 1 { reduced = reduced.rowSums() }
        requireShape(
            reduced.count == target.count,
            "backward: gradient of shape \(gradient.shape) does not broadcast from \(shape)")
        return reduced.reshaped(shape)
    }

    /// Back-propagates from this variable, accumulating into every leaf that requires a gradient.
    /// - Parameter seed: the upstream gradient, shaped like `value`; `nil` means 1 and requires a
    ///   one-element value (a scalar loss).
    public func backward(seed: Tensor? = nil) {
        guard requiresGrad else { return }
        let start: Tensor
        if let seed {
            requireShape(seed.count == value.count, "backward: seed \(seed.shape) vs value \(value.shape)")
            start = seed.reshaped(value.shape)
        } else {
            requireShape(value.count == 1, "backward: without a seed it needs a scalar, value is \(value.shape)")
            start = Tensor(shape: value.shape, repeating: 1)
        }
        let order = topologicalOrder()
        for node in order where node.backwardRule != nil { node.grad = nil }
        accumulate(start)
        for node in order.reversed() {
            guard let rule = node.backwardRule, let upstream = node.grad else { continue }
            node.grad = nil
            rule(upstream)
        }
    }

    /// Nodes reachable from `self` that require gradients, inputs before outputs.
    private func topologicalOrder() -> [Variable] {
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard node.requiresGrad, visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for parent in node.parents where parent.requiresGrad { stack.append((parent, false)) }
        }
        return order
    }
}
