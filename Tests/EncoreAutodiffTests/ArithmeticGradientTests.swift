import EncoreAutodiff
import XCTest

final class ArithmeticGradientTests: XCTestCase {
    /// Shape pairs covering equal shapes, scalars, rows `[n]`/`[1, n]`, columns `[m, 1]`, both
    /// orders, and an outer broadcast `[m, 1] x [1, n]`.
    let shapePairs: [([Int], [Int])] = [
        ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 4], [1, 4]), ([3, 4], [3, 1]), ([3, 4], []),
        ([4], [3, 4]), ([3, 1], [3, 4]), ([], [2, 3]), ([], []), ([3, 1], [1, 4]), ([5], [5]), ([2, 3], [1]),
    ]

    func testBinaryOpsWithBroadcasting() {
        let ops: [(String, (Variable, Variable) -> Variable)] = [("+", (+)), ("-", (-)), ("*", (*)), ("/", (/))]
        for (name, op) in ops {
            for (k, (sa, sb)) in shapePairs.enumerated() {
                let a = parameter(sa, seed: UInt64(10 + k)), b = parameter(sb, seed: UInt64(50 + k))
                assertGradients([a, b], "\(name) \(sa) \(sb)") { v in project(op(v[0], v[1])) }
                XCTAssertEqual(a.grad?.shape ?? sa, sa)
            }
        }
    }

    func testBroadcastForwardValues() {
        let m = Variable(Tensor([[1, 2, 3], [4, 5, 6]]))
        assertClose((m + Variable(Tensor(shape: [3], scalars: [10, 20, 30]))).value, Tensor([[11, 22, 33], [14, 25, 36]]))
        assertClose((m - Variable(Tensor([[1], [2]]))).value, Tensor([[0, 1, 2], [2, 3, 4]]))
        assertClose((m * Variable(scalar: 2)).value, Tensor([[2, 4, 6], [8, 10, 12]]))
        assertClose((m / Variable(Tensor([[1, 2, 3]]))).value, Tensor([[1, 1, 1], [4, 2.5, 2]]))
        XCTAssertEqual((Variable(scalar: 3) * Variable(scalar: 4)).value, Tensor(scalar: 12))
    }

    func testScalarAndShapeOps() {
        let x = parameter([2, 3], seed: 1)
        assertGradients([x]) { v in project(v[0].scaled(by: -1.5)) }
        assertGradients([x]) { v in project(v[0] + 2) }
        assertGradients([x]) { v in project(v[0] - 2) }
        assertGradients([x]) { v in project(3 * v[0]) }
        assertGradients([x]) { v in project(-v[0]) }
        assertGradients([x]) { v in project(v[0].identity()) }
        assertGradients([x]) { v in project(v[0].reshaped([3, 2])) }
        assertGradients([x]) { v in project(v[0].transposed()) }
        let s = parameter([], seed: 2)
        assertGradients([s]) { v in v[0].scaled(by: 3) * v[0] }
    }

    func testUnusedInputGetsZeroGradient() {
        let used = parameter([2, 2], seed: 3), unused = parameter([2, 2], seed: 4)
        assertGradients([used, unused]) { v in project(v[0].squared()) }
        (used.squared()).sum().backward()
        XCTAssertNil(unused.grad)
    }

    func testGradientsAccumulateAcrossBackwardCalls() {
        let x = parameter([2, 3], seed: 5)
        let loss = (x * x).sum()
        loss.backward()
        let once = x.grad!
        loss.backward()
        assertClose(x.grad!, once.scaled(by: 2))
        x.zeroGrad()
        XCTAssertNil(x.grad)
        // A node used twice receives both contributions.
        let y = parameter([3], seed: 6)
        (y + y).sum().backward()
        assertClose(y.grad!, Tensor(shape: [3], repeating: 2))
    }

    func testNoGraphWithoutGradients() {
        let a = Variable(sample([2, 2], seed: 7)), b = Variable(sample([2, 2], seed: 8))
        let c = matmul(a, b).relu() + a
        XCTAssertFalse(c.requiresGrad)
        let p = parameter([2, 2], seed: 9)
        XCTAssertFalse((p.tracked(.inference) * a).requiresGrad)
        XCTAssertTrue((p.tracked(.recording) * a).requiresGrad)
    }
}
