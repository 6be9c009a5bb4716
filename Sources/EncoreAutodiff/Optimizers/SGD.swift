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
        slots[0].scale(by: momentum)
        slots[0].add(gradient)
        if nesterov {
            value.add(gradient, scaledBy: -rate)
            value.add(slots[0], scaledBy: -rate * momentum)
        } else {
            value.add(slots[0], scaledBy: -rate)
        }
    }
}
