import EncoreAutodiff
import Foundation
import XCTest

/// Swish, row-wise layer normalisation and elementwise log-sum-exp: finite-difference gradient
/// checks and forward values against direct Double computations. Shapes with more than eight
/// elements per row exercise the vector loops and their scalar tails.
final class NormalizationGradientTests: XCTestCase {
    func testSwishGradient() {
        for (k, shape) in [[4], [2, 3], [3, 11]].enumerated() {
            let x = parameter(shape, seed: UInt64(500 + k))
            assertGradients([x], "swish \(shape)") { v in project(v[0].swish()) }
        }
    }

    func testSwishForwardValues() {
        let x = sample([3, 11], seed: 9)
        let y = Variable(x).swish().value
        for i in 0..<x.count {
            let v = Double(x[i])
            XCTAssertEqual(Double(y[i]), v / (1 + Foundation.exp(-v)), accuracy: 1e-6)
        }
        let big = Variable(Tensor(shape: [2], scalars: [-100, 100])).swish().value
        XCTAssertEqual(big[0], 0, accuracy: 1e-30)
        XCTAssertEqual(big[1], 100)
    }

    func testLayerNormGradientsOfInputGainAndBias() {
        for (k, shape) in [[3, 5], [4, 19]].enumerated() {
            let x = parameter(shape, seed: UInt64(600 + k))
            let gain = parameter([shape[1]], seed: UInt64(610 + k))
            let bias = parameter([shape[1]], seed: UInt64(620 + k))
            for epsilon: Float in [0.1, 1e-3] {
                assertGradients([x, gain, bias], "layer norm \(shape) eps \(epsilon)") { v in
                    project(v[0].layerNormalizedRows(gain: v[1], bias: v[2], epsilon: epsilon, threads: 2))
                }
            }
        }
    }

    func testLayerNormForwardMatchesDirectComputation() {
        let (m, n) = (5, 13)
        let x = sample([m, n], seed: 21), gain = sample([n], seed: 22), bias = sample([n], seed: 23)
        let epsilon: Float = 0.1
        let y = Variable(x).layerNormalizedRows(gain: Variable(gain), bias: Variable(bias), epsilon: epsilon).value
        for i in 0..<m {
            let row = (0..<n).map { Double(x[i * n + $0]) }
            let mean = row.reduce(0, +) / Double(n)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
            for j in 0..<n {
                let expected = (row[j] - mean) / (variance + Double(epsilon)).squareRoot() * Double(gain[j]) + Double(bias[j])
                XCTAssertEqual(Double(y[i * n + j]), expected, accuracy: 1e-5, "row \(i) column \(j)")
            }
        }
        // A constant row normalises to the bias.
        let constant = Variable(Tensor(shape: [1, 3], repeating: 7))
            .layerNormalizedRows(gain: Variable(Tensor(shape: [3], repeating: 2)), bias: Variable(Tensor(shape: [3], scalars: [1, 2, 3])),
                                 epsilon: 0.1)
        assertClose(constant.value, Tensor(shape: [1, 3], scalars: [1, 2, 3]))
    }

    func testLayerNormDoesNotDependOnTheThreadCount() {
        let x = parameter([67, 9], seed: 31), gain = parameter([9], seed: 32), bias = parameter([9], seed: 33)
        func run(_ threads: Int) -> [Tensor] {
            for v in [x, gain, bias] { v.zeroGrad() }
            let y = x.layerNormalizedRows(gain: gain, bias: bias, epsilon: 0.1, threads: threads)
            project(y).backward()
            return [y.value, x.grad!, gain.grad!, bias.grad!]
        }
        XCTAssertEqual(run(1), run(4))
    }

    func testLogSumExpGradient() {
        for (k, shape) in [[], [5], [2, 3], [3, 9]].enumerated() {
            let parts = (0..<3).map { parameter(shape, seed: UInt64(700 + 10 * k + $0)) }
            assertGradients(parts, "logSumExp \(shape)") { v in project(logSumExp(v)) }
            assertGradients([parts[0]], "logSumExp of one part \(shape)") { v in project(logSumExp(v)) }
        }
    }

    func testLogSumExpForwardValues() {
        let a = sample([2, 9], seed: 41), b = sample([2, 9], seed: 42), c = sample([2, 9], seed: 43)
        let y = logSumExp([Variable(a), Variable(b), Variable(c)]).value
        for i in 0..<a.count {
            let expected = Foundation.log(Foundation.exp(Double(a[i])) + Foundation.exp(Double(b[i])) + Foundation.exp(Double(c[i])))
            XCTAssertEqual(Double(y[i]), expected, accuracy: 1e-5)
        }
        // Large magnitudes stay finite; a -inf part contributes nothing.
        let big = logSumExp([Variable(Tensor(shape: [3], scalars: [1000, -1000, 0])),
                             Variable(Tensor(shape: [3], scalars: [1000, -1000, -.infinity]))]).value
        XCTAssertEqual(big[0], 1000 + Float(Foundation.log(2.0)), accuracy: 1e-3)
        XCTAssertEqual(big[1], -1000 + Float(Foundation.log(2.0)), accuracy: 1e-3)
        XCTAssertEqual(big[2], 0, accuracy: 1e-6)
    }
}
