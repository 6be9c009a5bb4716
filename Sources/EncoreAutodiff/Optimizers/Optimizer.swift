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
        preconditionFailure("\(type(of: self)) must override update(_:gradient:slots:rate:step:)")
    }

    /// Whether weight decay is applied to the gradient (coupled L2). AdamW returns `false`.
    open var couplesWeightDecay: Bool { true }

    /// See `Optimizer.step`.
    public func step(_ parameters: [Variable]) {
        if slots.isEmpty { slots = parameters.map { newSlots(for: $0.value) } }
        precondition(slots.count == parameters.count, "optimizer state has \(slots.count) parameters, step got \(parameters.count)")
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

    /// See `Optimizer.state`.
    public var state: OptimizerState {
        OptimizerState(step: stepCount, slots: slots.map { $0.map(SavedTensor.init) })
    }

    /// See `Optimizer.restore`.
    public func restore(_ state: OptimizerState) {
        stepCount = state.step
        slots = state.slots.map { $0.map(\.tensor) }
    }
}
