extension OptimizerState {
    /// Rebuilds a state from its parts (checkpoint restore).
    /// - Parameters:
    ///   - step: the number of updates already applied.
    ///   - slots: per parameter, the optimizer's slot tensors (e.g. Adam's two moments).
    public init(restoringStep step: Int, slots: [[SavedTensor]]) {
        self.step = step
        self.slots = slots
    }
}
