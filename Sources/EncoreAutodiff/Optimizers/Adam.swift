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
                        Parallel.forEachChunk(pp.count, threads: threads, minimumChunk: 1 << 15) { range in
                            // Explicit eight-lane steps: LLVM left the scalar loop unvectorised
                            // (four pointers that may alias, and a sqrt with an errno fallback).
                            // VectorMath.sqrt is within 1 ulp of the scalar square root.
                            typealias V = SIMD8<Float>
                            let (vb1, vb2) = (V(repeating: b1), V(repeating: b2))
                            let (vc1, vc2) = (V(repeating: 1 - b1), V(repeating: 1 - b2))
                            let (vStep, vInverse, vEps) = (V(repeating: stepSize), V(repeating: inverseCorrection2), V(repeating: eps))
                            var k = range.lowerBound
                            while k + 8 <= range.upperBound {
                                let gk = UnsafeRawPointer(g + k).loadUnaligned(as: V.self)
                                let mk = vb1 * UnsafeRawPointer(m + k).loadUnaligned(as: V.self) + vc1 * gk
                                let vk = vb2 * UnsafeRawPointer(v + k).loadUnaligned(as: V.self) + vc2 * gk * gk
                                UnsafeMutableRawPointer(m + k).storeBytes(of: mk, as: V.self)
                                UnsafeMutableRawPointer(v + k).storeBytes(of: vk, as: V.self)
                                let pk = UnsafeRawPointer(p + k).loadUnaligned(as: V.self)
                                let update = vStep * mk / (VectorMath.sqrt(vk * vInverse) + vEps)
                                UnsafeMutableRawPointer(p + k).storeBytes(of: pk - update, as: V.self)
                                k += 8
                            }
                            while k < range.upperBound {
                                let gk = g[k]
                                let mk = b1 * m[k] + (1 - b1) * gk
                                let vk = b2 * v[k] + (1 - b2) * gk * gk
                                m[k] = mk
                                v[k] = vk
                                // The same vector root as the lanes: results must not depend on where
                                // a thread's chunk ends.
                                let root = VectorMath.sqrt(V(repeating: vk * inverseCorrection2))[0]
                                p[k] -= stepSize * mk / (root + eps)
                                k += 1
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
