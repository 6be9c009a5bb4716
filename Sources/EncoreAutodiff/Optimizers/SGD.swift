/// Stochastic gradient descent with optional (Nesterov) momentum:
/// `v = momentum v + g; p -= rate (nesterov ? g + momentum v : v)`.
public final class SGD: OptimizerBase {
    /// Momentum coefficient (0: plain SGD).
    public let momentum: Float
    /// Nesterov's look-ahead variant.
    public let nesterov: Bool

    /// - Parameters: `learningRate`, `momentum` (default 0), `nesterov` (default false), plus
    ///   the shared `weightDecay`, `maxGradientNorm`, `schedule`.
    public init(
        learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0,
        maxGradientNorm: Float? = nil, schedule: LearningRateSchedule = .constant
    ) {
        self.momentum = momentum
        self.nesterov = nesterov
        super.init(learningRate: learningRate, weightDecay: weightDecay, maxGradientNorm: maxGradientNorm, schedule: schedule)
    }

    override public func newSlots(for value: Tensor) -> [Tensor] {
        momentum == 0 ? [] : [Tensor(shape: value.shape)]
    }

    override public func update(_ value: inout Tensor, gradient: Tensor, slots: inout [Tensor], rate: Float, step: Int) {
        guard momentum != 0 else { value.add(gradient, scaledBy: -rate); return }
        let (mu, lookAhead) = (momentum, nesterov)
        var velocity = slots[0]
        slots = []
        fusedUpdate(&value, &velocity, gradient) { p, v, g, range in
            if lookAhead {
                for k in range {
                    let gk = g[k], vk = mu * v[k] + gk
                    v[k] = vk
                    p[k] -= rate * (gk + mu * vk)
                }
            } else {
                for k in range {
                    let vk = mu * v[k] + g[k]
                    v[k] = vk
                    p[k] -= rate * vk
                }
            }
        }
        slots = [velocity]
    }
}

extension OptimizerBase {
    /// Runs `body(p, s, g, range)` over chunks of the element indices of a parameter `p`, its one
    /// slot `s` and its gradient `g`, in place (the caller keeps `s` uniquely referenced) and in
    /// parallel; the body loops over `range` itself so that its loop vectorises.
    /// - Precondition: the three tensors have the same element count.
    @inline(__always)
    func fusedUpdate(
        _ value: inout Tensor, _ slot: inout Tensor, _ gradient: Tensor,
        _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>, Range<Int>) -> Void
    ) {
        requireShape(
            value.count == slot.count && value.count == gradient.count,
            "\(type(of: self)).update: element counts differ: parameter \(value.shape), state \(slot.shape), gradient \(gradient.shape)")
        value.withUnsafeMutableBufferPointer { pp in
            slot.withUnsafeMutableBufferPointer { ps in
                gradient.withUnsafeBufferPointer { pg in
                    let (p, s, g) = (pp.baseAddress!, ps.baseAddress!, pg.baseAddress!)
                    Parallel.forEachChunk(pp.count, threads: threads, minimumChunk: 1 << 15) { range in
                        body(p, s, g, range)
                    }
                }
            }
        }
    }
}
