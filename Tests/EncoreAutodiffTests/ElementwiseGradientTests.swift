import EncoreAutodiff
import XCTest

final class ElementwiseGradientTests: XCTestCase {
    let shapes: [[Int]] = [[], [4], [2, 3], [3, 1]]

    func testMathOps() {
        for (k, shape) in shapes.enumerated() {
            let x = parameter(shape, seed: UInt64(100 + k))
            let positive = Variable(sample(shape, seed: UInt64(200 + k), positive: true) + 0.5, requiresGrad: true)
            assertGradients([x], "exp \(shape)") { v in project(v[0].exp()) }
            assertGradients([positive], "log \(shape)") { v in project(v[0].log()) }
            assertGradients([positive], "sqrt \(shape)") { v in project(v[0].sqrt()) }
            assertGradients([x], "square \(shape)") { v in project(v[0].squared()) }
            assertGradients([x], "abs \(shape)") { v in project(v[0].abs()) }
            assertGradients([x], "clamp \(shape)") { v in project(v[0].clamped(-0.9, 0.8)) }
        }
    }

    func testActivations() {
        for (k, shape) in shapes.enumerated() {
            let x = parameter(shape, seed: UInt64(300 + k))
            for kind in ActivationKind.allCases {
                assertGradients([x], "\(kind) \(shape)") { v in project(v[0].activated(kind)) }
            }
            assertGradients([x], "elu 0.5") { v in project(v[0].elu(alpha: 0.5)) }
            assertGradients([x], "leaky 0.2") { v in project(v[0].leakyRelu(slope: 0.2)) }
        }
    }

    func testForwardValues() {
        let x = Variable(Tensor(shape: [4], scalars: [-2, -0.5, 0, 3]))
        assertClose(x.relu().value, Tensor(shape: [4], scalars: [0, 0, 0, 3]))
        assertClose(x.leakyRelu(slope: 0.1).value, Tensor(shape: [4], scalars: [-0.2, -0.05, 0, 3]))
        assertClose(x.sigmoid().value, Tensor(shape: [4], scalars: [0.11920292, 0.37754067, 0.5, 0.95257413]))
        assertClose(x.softplus().value, Tensor(shape: [4], scalars: [0.12692801, 0.47407698, 0.6931472, 3.0485873]))
        assertClose(x.selu().value, Tensor(shape: [4], scalars: [-1.5201665, -0.6917582, 0, 3.1521027]))
        assertClose(x.elu().value, Tensor(shape: [4], scalars: [-0.86466473, -0.39346934, 0, 3]))
        assertClose(x.clamped(-1, 1).value, Tensor(shape: [4], scalars: [-1, -0.5, 0, 1]))
        assertClose(Variable(scalar: 4).sqrt().value, Tensor(scalar: 2))
        // Extreme inputs stay finite.
        let big = Variable(Tensor(shape: [2], scalars: [-200, 200]))
        assertClose(big.sigmoid().value, Tensor(shape: [2], scalars: [0, 1]))
        assertClose(big.softplus().value, Tensor(shape: [2], scalars: [0, 200]))
    }
}
