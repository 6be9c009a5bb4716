import EncoreAutodiff
@_exported import EncoreTestSupport
import XCTest

/// Values in `±[0.2, 1.5]`: away from the kinks of relu/abs/clamp at 0 by more than the step.
func sample(_ shape: [Int], seed: UInt64, positive: Bool = false) -> Tensor {
    var rng = SeededRNG(seed: seed)
    return Tensor.uniform(shape, low: 0.2, high: 1.5, rng: &rng).map { x in
        positive || rng.bernoulli(0.5) ? x : -x
    }
}

/// A parameter filled by `sample`.
func parameter(_ shape: [Int], seed: UInt64, positive: Bool = false) -> Variable {
    Variable(sample(shape, seed: seed, positive: positive), requiresGrad: true)
}

/// Reduces any output to a scalar with fixed pseudo-random weights, so every output element's
/// gradient is exercised (the weights depend only on the shape: identical on every evaluation).
func project(_ output: Variable) -> Variable {
    var rng = SeededRNG(seed: UInt64(output.value.count * 31 + output.value.rank))
    return (output * Variable(Tensor.uniform(output.shape, low: -1, high: 1, rng: &rng))).sum()
}

/// Runs the finite-difference checker on `function` and fails with its report above `tolerance`.
func assertGradients(
    _ inputs: [Variable], tolerance: Double = 2e-3, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line, _ function: ([Variable]) -> Variable
) {
    let report = GradientCheck.check(inputs, function)
    XCTAssertLessThan(report.maxError, tolerance, "\(report) \(message)", file: file, line: line)
}
