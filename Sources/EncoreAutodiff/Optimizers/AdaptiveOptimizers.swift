import Foundation

/// AdaGrad (Duchi et al. 2011): `s += g^2; p -= rate * g / (sqrt(s) + epsilon)`.
public final class AdaGrad: OptimizerBase {
    /// Denominator guard.
    public let epsilon: Float

    /// - Parameters: `learningRate` (default 0.01), `epsilon` (default 1e-10), shared options.
    public init(
        learningRate: Float = 0.01, epsilon: Float = 1e-10, weightDecay: Float = 0,
        maxGradientNorm: Float? = nil, schedule: LearningRateSchedule = .constant
    ) {
        self.epsilon = epsilon
        super.init(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm, schedule: schedule)
    }

    override public func newSlots(for value: Tensor) -> [Tensor] { [Tensor(shape: value.shape)] }

    override public func update(_ value: inout Tensor, gradient: Tensor, slots: inout [Tensor], rate: Float, step: Int) {
        let eps = epsilon
        // One fused pass over (p, s, g), in place and in parallel: the update is memory-bound.
        var sum = slots[0]
        slots = []
        fusedUpdate(&value, &sum, gradient) { p, s, g, range in
            rootScaledStep(p, s, g, range, rate: rate, epsilon: eps) { sk, gk in sk + gk * gk }
        }
        slots = [sum]
    }
}

/// RMSProp (Tieleman & Hinton 2012): `s = rho s + (1 - rho) g^2; p -= rate * g / (sqrt(s) + epsilon)`.
public final class RMSProp: OptimizerBase {
    /// Decay of the squared-gradient average.
    public let rho: Float
    /// Denominator guard.
    public let epsilon: Float

    /// - Parameters: `learningRate` (default 0.001), `rho` (0.9), `epsilon` (1e-8), shared options.
    public init(
        learningRate: Float = 1e-3, rho: Float = 0.9, epsilon: Float = 1e-8, weightDecay: Float = 0,
        maxGradientNorm: Float? = nil, schedule: LearningRateSchedule = .constant
    ) {
        self.rho = rho
        self.epsilon = epsilon
        super.init(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm, schedule: schedule)
    }

    override public func newSlots(for value: Tensor) -> [Tensor] { [Tensor(shape: value.shape)] }

    override public func update(_ value: inout Tensor, gradient: Tensor, slots: inout [Tensor], rate: Float, step: Int) {
        let (rho, eps) = (rho, epsilon)
        var average = slots[0]
        slots = []
        fusedUpdate(&value, &average, gradient) { p, s, g, range in
            rootScaledStep(p, s, g, range, rate: rate, epsilon: eps) { sk, gk in rho * sk + (1 - rho) * gk * gk }
        }
        slots = [average]
    }
}

/// Rprop (iRprop-, Igel & Hüsken 2000): per-element step sizes that grow by `increase` while the
/// gradient keeps its sign and shrink by `decrease` when it flips (that step is then skipped).
/// The learning rate is the initial step size; schedules scale the steps.
public final class Rprop: OptimizerBase {
    /// Step-size factors.
    public let increase: Float, decrease: Float
    /// Step-size bounds.
    public let minimumStep: Float, maximumStep: Float

    /// - Parameters: `learningRate` (initial step, default 0.01), factors 1.2 / 0.5, bounds 1e-6 / 50.
    public init(
        learningRate: Float = 0.01, increase: Float = 1.2, decrease: Float = 0.5,
        minimumStep: Float = 1e-6, maximumStep: Float = 50, weightDecay: Float = 0,
        maxGradientNorm: Float? = nil, schedule: LearningRateSchedule = .constant
    ) {
        self.increase = increase
        self.decrease = decrease
        self.minimumStep = minimumStep
        self.maximumStep = maximumStep
        super.init(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm, schedule: schedule)
    }

    /// Slots: previous gradient, current step sizes (initialised to the learning rate).
    override public func newSlots(for value: Tensor) -> [Tensor] {
        [Tensor(shape: value.shape), Tensor(shape: value.shape, repeating: learningRate)]
    }

    override public func update(_ value: inout Tensor, gradient: Tensor, slots: inout [Tensor], rate: Float, step: Int) {
        let (up, down, low, high) = (increase, decrease, minimumStep, maximumStep)
        let scale = learningRate == 0 ? 1 : rate / learningRate
        slots[1] = Tensor.zipMap(slots[1], slots[0], gradient) { size, previous, g in
            let agreement = previous * g
            return agreement > 0 ? Swift.min(size * up, high) : (agreement < 0 ? Swift.max(size * down, low) : size)
        }
        let effective = Tensor.zipMap(slots[0], gradient) { previous, g in previous * g < 0 ? 0 : g }
        value = Tensor.zipMap(value, effective, slots[1]) { p, g, size in
            p - scale * size * (g > 0 ? 1 : (g < 0 ? -1 : 0))
        }
        slots[0] = effective
    }
}

/// `s = accumulate(s, g); p -= rate * g / (sqrt(s) + epsilon)` over `range`, eight lanes at a
/// time (`VectorMath.sqrt`, within 1 ulp of the scalar root), the tail one element at a time.
@inline(__always)
private func rootScaledStep(
    _ p: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>,
    _ range: Range<Int>, rate: Float, epsilon: Float,
    _ accumulate: (VectorMath.V, VectorMath.V) -> VectorMath.V
) {
    typealias V = VectorMath.V
    let (vRate, vEps) = (V(repeating: rate), V(repeating: epsilon))
    var k = range.lowerBound
    while k &+ 8 <= range.upperBound {
        let gk = UnsafeRawPointer(g + k).loadUnaligned(as: V.self)
        let sk = accumulate(UnsafeRawPointer(s + k).loadUnaligned(as: V.self), gk)
        UnsafeMutableRawPointer(s + k).storeBytes(of: sk, as: V.self)
        let pk = UnsafeRawPointer(p + k).loadUnaligned(as: V.self)
        UnsafeMutableRawPointer(p + k).storeBytes(of: pk - vRate * gk / (VectorMath.sqrt(sk) + vEps), as: V.self)
        k &+= 8
    }
    while k < range.upperBound {
        var gk = V(), sk = V()
        gk[0] = g[k]
        sk[0] = s[k]
        sk = accumulate(sk, gk)
        s[k] = sk[0]
        p[k] -= rate * gk[0] / (VectorMath.sqrt(sk)[0] + epsilon)
        k &+= 1
    }
}
