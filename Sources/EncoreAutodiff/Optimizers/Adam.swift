import Foundation

/// Adam (Kingma & Ba 2015): bias-corrected first and second moments,
/// `p -= rate * mHat / (sqrt(vHat) + epsilon)`. Weight decay is coupled L2 (see `AdamW`).
public class Adam: OptimizerBase {
    /// Moment decay rates.
    public let beta1: Float, beta2: Float
    /// Denominator guard.
    public let epsilon: Float

    /// - Parameters: defaults `learningRate` 1e-3, `beta1` 0.9, `beta2` 0.999, `epsilon` 1e-8.
    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0, maxGradientNorm: Float? = nil, schedule: LearningRateSchedule = .constant
    ) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        super.init(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm, schedule: schedule)
    }

    override public func newSlots(for value: Tensor) -> [Tensor] {
        [Tensor(shape: value.shape), Tensor(shape: value.shape)]
    }

    override public func update(_ value: inout Tensor, gradient: Tensor, slots: inout [Tensor], rate: Float, step: Int) {
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        let correction1 = 1 - pow(b1, Float(step)), correction2 = 1 - pow(b2, Float(step))
        let stepSize = rate / correction1, inverseCorrection2 = 1 / correction2
        // One fused pass over (p, m, v, g), in place and in parallel: the update is memory-bound.
        var first = slots[0], second = slots[1]
        slots = []
        value.withUnsafeMutableBufferPointer { pp in
            first.withUnsafeMutableBufferPointer { pm in
                second.withUnsafeMutableBufferPointer { pv in
                    gradient.withUnsafeBufferPointer { pg in
                        let (p, m, v, g) = (pp.baseAddress!, pm.baseAddress!, pv.baseAddress!, pg.baseAddress!)
                        Parallel.forEachChunk(pp.count, threads: nil, minimumChunk: 1 << 15) { range in
                            for k in range {
                                let gk = g[k]
                                let mk = b1 * m[k] + (1 - b1) * gk
                                let vk = b2 * v[k] + (1 - b2) * gk * gk
                                m[k] = mk
                                v[k] = vk
                                p[k] -= stepSize * mk / ((vk * inverseCorrection2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
        slots = [first, second]
    }
}

/// AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay `p -= rate * decay * p`.
public final class AdamW: Adam {
    /// - Parameters: as `Adam`; `weightDecay` defaults to 0.01 and is decoupled.
    override public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0.01, maxGradientNorm: Float? = nil, schedule: LearningRateSchedule = .constant
    ) {
        super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                   weightDecay: weightDecay, maxGradientNorm: maxGradientNorm, schedule: schedule)
    }

    override public var couplesWeightDecay: Bool { false }
}
