import Foundation

/// A learning-rate schedule: the rate used at step `t` (0-based) given the base rate.
public enum LearningRateSchedule: Sendable, Codable, Equatable {
    /// The base rate throughout.
    case constant
    /// `base * factor^(t / every)` (integer division): a drop every `every` steps.
    case step(every: Int, factor: Float)
    /// `base * decay^t`.
    case exponential(decay: Float)

    /// The rate at 0-based step `t`.
    public func rate(base: Float, step t: Int) -> Float {
        switch self {
        case .constant: return base
        case let .step(every, factor): return base * pow(factor, Float(t / Swift.max(every, 1)))
        case let .exponential(decay): return base * pow(decay, Float(t))
        }
    }
}

/// An optimizer's complete mutable state, for checkpoints: restoring it continues training
/// bit-exactly (Float values survive JSON and property-list round trips exactly).
public struct OptimizerState: Sendable, Codable, Equatable {
    /// Steps taken so far.
    public var step: Int
    /// Per parameter (in the order passed to `step`), its slot tensors as `(shape, scalars)`.
    public var slots: [[SavedTensor]]
}

/// A tensor as plain arrays (Codable).
public struct SavedTensor: Sendable, Codable, Equatable {
    /// The shape.
    public var shape: [Int]
    /// The row-major scalars.
    public var scalars: [Float]
    /// Captures a tensor.
    public init(_ tensor: Tensor) { shape = tensor.shape; scalars = tensor.scalars }
    /// The tensor back.
    public var tensor: Tensor { Tensor(shape: shape, scalars: scalars) }
}

/// Updates parameters from their gradients.
public protocol Optimizer: AnyObject {
    /// Applies one update to every parameter that has a gradient, then clears the gradients.
    /// Pass the same parameters in the same order every step (state is kept by position).
    func step(_ parameters: [Variable])
    /// The state to checkpoint.
    var state: OptimizerState { get }
    /// Restores a checkpointed state (the parameter list must match the one it was saved with).
    func restore(_ state: OptimizerState)
}

/// The shared machinery: learning-rate schedule, weight decay, gradient-norm clipping, per-parameter
/// state and checkpoints. A concrete optimizer overrides only `newSlots(for:)` and
/// `update(_:gradient:slots:rate:step:)` (the mlx-swift pattern).
open class OptimizerBase: Optimizer {
    /// The base learning rate.
    public var learningRate: Float
    /// The schedule applied to `learningRate` by step.
    public var schedule: LearningRateSchedule
    /// L2 weight decay added to the gradient (`g + weightDecay * p`; AdamW decouples it instead).
    public var weightDecay: Float
    /// When set, gradients are scaled so their global L2 norm is at most this value.
    public var maxGradientNorm: Float?
    /// The most threads an update uses (`nil`: all cores); the training loop sets it to the
    /// run's thread count. Results do not depend on it.
    public var threads: Int?
    /// Steps taken.
    public private(set) var stepCount = 0
    private var slots: [[Tensor]] = []
    /// The parameter shapes `slots` were made or checked for (empty until the first step).
    private var parameterShapes: [[Int]] = []

    /// - Parameters: see the properties.
    public init(
        learningRate: Float, weightDecay: Float = 0, maxGradientNorm: Float? = nil,
        schedule: LearningRateSchedule = .constant
    ) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.maxGradientNorm = maxGradientNorm
        self.schedule = schedule
    }

    /// The state tensors a new parameter starts with (e.g. zero moments). Override.
    open func newSlots(for value: Tensor) -> [Tensor] { [] }

    /// Updates one parameter in place. Override.
    /// - Parameters:
    ///   - value: the parameter; `gradient`: its (decayed, clipped) gradient;
    ///   - slots: its state; `rate`: the scheduled learning rate; `step`: 1-based step number.
    open func update(_ value: inout Tensor, gradient: Tensor, slots: inout [Tensor], rate: Float, step: Int) {
        fatalError("\(type(of: self)) must override update(_:gradient:slots:rate:step:)")
    }

    /// Whether weight decay is applied to the gradient (coupled L2). AdamW returns `false`.
    open var couplesWeightDecay: Bool { true }

    /// See `Optimizer.step`.
    public func step(_ parameters: [Variable]) {
        if slots.isEmpty {
            slots = parameters.map { newSlots(for: $0.value) }
            parameterShapes = parameters.map(\.value.shape)
        } else if parameterShapes.isEmpty {
            // A restored state: checked once against the parameters it is now applied to.
            if let mismatch = slotMismatch(slots.map { $0.map(\.shape) }, parameters: parameters) {
                shapeCheckFailure("\(stepName): \(mismatch)")
            }
            parameterShapes = parameters.map(\.value.shape)
        }
        requireShape(
            parameterShapes.count == parameters.count,
            "\(stepName): optimizer state holds \(parameterShapes.count) parameters, step got \(parameters.count)")
        for (index, parameter) in parameters.enumerated() {
            requireShape(
                parameter.value.shape == parameterShapes[index],
                "\(stepName): parameter \(index) has shape \(parameter.value.shape), its optimizer state was made for \(parameterShapes[index])")
            if let gradient = parameter.grad {
                requireShape(
                    gradient.shape == parameter.value.shape,
                    "\(stepName): parameter \(index) has shape \(parameter.value.shape) but its gradient \(gradient.shape)")
            }
        }
        let rate = schedule.rate(base: learningRate, step: stepCount)
        stepCount += 1
        var clipScale: Float = 1
        if let maxGradientNorm {
            let norm = parameters.reduce(Float(0)) { $0 + ($1.grad?.squaredNorm() ?? 0) }.squareRoot()
            if norm > maxGradientNorm { clipScale = maxGradientNorm / norm }
        }
        for (index, parameter) in parameters.enumerated() {
            guard var gradient = parameter.grad else { continue }
            // Drop the variable's reference first so clipping and decay mutate the buffer in place.
            parameter.zeroGrad()
            if clipScale != 1 { gradient.scale(by: clipScale) }
            if weightDecay != 0 {
                if couplesWeightDecay { gradient.add(parameter.value, scaledBy: weightDecay) }
                else { parameter.value.scale(by: 1 - rate * weightDecay) }
            }
            update(&parameter.value, gradient: gradient, slots: &slots[index], rate: rate, step: stepCount)
            parameter.zeroGrad()
        }
    }

    /// The name checks print: `Adam.step`.
    private var stepName: String { "\(type(of: self)).step" }

    /// See `Optimizer.state`.
    public var state: OptimizerState {
        OptimizerState(step: stepCount, slots: slots.map { $0.map(SavedTensor.init) })
    }

    /// See `Optimizer.restore`. The next `step` checks the state against its parameters (see
    /// `stateMismatch(_:parameters:)`).
    public func restore(_ state: OptimizerState) {
        stepCount = state.step
        slots = state.slots.map { $0.map(\.tensor) }
        parameterShapes = []
    }

    /// Why `state` cannot drive this optimizer over `parameters`, or `nil` when it can: a state
    /// with no slots (never stepped) fits any parameters; otherwise it needs one slot list per
    /// parameter, each with the shapes `newSlots(for:)` gives for that parameter's value.
    public func stateMismatch(_ state: OptimizerState, parameters: [Variable]) -> String? {
        slotMismatch(state.slots.map { $0.map(\.shape) }, parameters: parameters)
    }

    /// `stateMismatch` on the shapes of the slot tensors alone.
    private func slotMismatch(_ slotShapes: [[[Int]]], parameters: [Variable]) -> String? {
        if slotShapes.isEmpty { return nil }
        guard slotShapes.count == parameters.count else {
            return "the optimizer state holds \(slotShapes.count) parameters, there are \(parameters.count)"
        }
        for (index, (found, parameter)) in zip(slotShapes, parameters).enumerated() {
            let expected = newSlots(for: parameter.value).map(\.shape)
            guard expected == found else {
                return "parameter \(index) of shape \(parameter.value.shape) needs optimizer state \(expected), got \(found)"
            }
        }
        return nil
    }
}
