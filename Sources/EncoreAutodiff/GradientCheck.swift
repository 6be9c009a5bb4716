/// A finite-difference gradient checker: compares `backward()` with central differences.
///
/// The function is evaluated in `Float` (the only precision the kernels have); the difference
/// quotient `(f(x + h) - f(x - h)) / 2h` is formed in `Double`.
public enum GradientCheck {
    /// The worst disagreement found.
    public struct Report: Sendable, CustomStringConvertible {
        /// Largest `|analytic - numeric| / max(1, |analytic|, |numeric|)` over all checked elements.
        public var maxError: Double
        /// Where it occurred: input index, element index, analytic and numeric values.
        public var worst: (input: Int, element: Int, analytic: Double, numeric: Double)?
        /// A one-line summary.
        public var description: String {
            guard let worst else { return "GradientCheck: no elements" }
            return "GradientCheck max error \(maxError) at input \(worst.input) element \(worst.element): "
                + "analytic \(worst.analytic) vs numeric \(worst.numeric)"
        }
    }

    /// Checks `function` at `inputs`.
    /// - Parameters:
    ///   - inputs: leaves with `requiresGrad: true`; their values are perturbed and restored.
    ///   - step: the finite-difference step `h` (default 1e-2, suited to Float evaluation).
    ///   - function: builds a scalar (one-element) loss from the inputs.
    public static func check(
        _ inputs: [Variable], step: Float = 1e-2, _ function: ([Variable]) -> Variable
    ) -> Report {
        for input in inputs { input.zeroGrad() }
        function(inputs).backward()
        let analytic = inputs.map { $0.grad ?? Tensor(shape: $0.shape) }
        for input in inputs { input.zeroGrad() }
        var report = Report(maxError: 0, worst: nil)
        for (k, input) in inputs.enumerated() {
            let original = input.value
            for i in 0..<original.count {
                var plus = original, minus = original
                plus[i] += step
                minus[i] -= step
                input.value = plus
                let up = Double(function(inputs).value.scalarValue)
                input.value = minus
                let down = Double(function(inputs).value.scalarValue)
                input.value = original
                let numeric = (up - down) / (Double(plus[i]) - Double(minus[i]))
                let exact = Double(analytic[k][i])
                let error = Swift.abs(exact - numeric) / Swift.max(1, Swift.abs(exact), Swift.abs(numeric))
                if error >= report.maxError {
                    report.maxError = error
                    report.worst = (k, i, exact, numeric)
                }
            }
        }
        return report
    }
}
