import EncoreTensor
import EncoreTestSupport
import Foundation
import XCTest

final class ElementwiseTests: XCTestCase {
    func testUnaryMapsMatchScalarFormulas() {
        let x = Tensor(shape: [7], scalars: [-30, -2, -0.5, 0, 0.5, 2, 30])
        for i in 0..<x.count {
            let v = Double(x[i])
            XCTAssertEqual(Double(x.exp()[i]), Foundation.exp(v), accuracy: Foundation.exp(v) * 1e-6)
            XCTAssertEqual(Double(x.sigmoid()[i]), 1 / (1 + Foundation.exp(-v)), accuracy: 1e-7)
            XCTAssertEqual(Double(x.softplus()[i]), Foundation.log1p(Foundation.exp(v)), accuracy: 1e-5)
            XCTAssertEqual(Double(x.tanh()[i]), Foundation.tanh(v), accuracy: 1e-6)
            XCTAssertEqual(x.relu()[i], max(x[i], 0))
            XCTAssertEqual(x.abs()[i], abs(x[i]))
            XCTAssertEqual(x.squared()[i], x[i] * x[i])
            XCTAssertEqual(x.leakyRelu(slope: 0.1)[i], x[i] > 0 ? x[i] : 0.1 * x[i])
            XCTAssertEqual(Double(x.elu(alpha: 2)[i]), v > 0 ? v : 2 * Foundation.expm1(v), accuracy: 1e-6)
            XCTAssertEqual(Double(x.selu()[i]), v > 0 ? 1.0507009873554805 * v : 1.7580993408473766 * Foundation.expm1(v), accuracy: 1e-5)
            XCTAssertEqual(x.clamped(-1, 1)[i], min(max(x[i], -1), 1))
        }
        let positive = Tensor(shape: [3], scalars: [0.25, 1, 4])
        XCTAssertEqual(positive.sqrt(), Tensor(shape: [3], scalars: [0.5, 1, 2]))
        assertClose(positive.log(), Tensor(shape: [3], scalars: [-1.3862944, 0, 1.3862944]))
        XCTAssertEqual(Tensor(shape: [2], scalars: [-1e4, 1e4]).softplus(), Tensor(shape: [2], scalars: [0, 1e4]))
    }

    func testBroadcastingBinaryOps() {
        let m = Tensor([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m + Tensor(shape: [3], scalars: [1, 1, 1]), Tensor([[2, 3, 4], [5, 6, 7]]))
        XCTAssertEqual(m - Tensor([[1], [4]]), Tensor([[0, 1, 2], [0, 1, 2]]))
        XCTAssertEqual(Tensor([[1], [4]]) - m, Tensor([[0, -1, -2], [0, -1, -2]]))
        XCTAssertEqual(m * Tensor(scalar: 2), m.scaled(by: 2))
        XCTAssertEqual(Tensor(scalar: 6) / Tensor(shape: [2], scalars: [2, 3]), Tensor(shape: [2], scalars: [3, 2]))
        XCTAssertEqual(Tensor([[1], [2]]) * Tensor([[1, 10]]), Tensor([[1, 10], [2, 20]]))
        XCTAssertEqual(Tensor.broadcastShape([4], [3, 4]), [3, 4])
        XCTAssertEqual(Tensor.broadcastShape([], [5]), [5])
        XCTAssertEqual(Tensor.broadcastShape([0, 3], [1, 3]), [0, 3])
        XCTAssertEqual((Tensor(shape: [0, 3]) + Tensor(shape: [3])).shape, [0, 3])
        XCTAssertEqual(m + 1, Tensor([[2, 3, 4], [5, 6, 7]]))
        XCTAssertEqual(-m, m.scaled(by: -1))
        var y = m
        y.add(m, scaledBy: -2)
        XCTAssertEqual(y, -m)
        y += m
        XCTAssertEqual(y, Tensor(shape: [2, 3]))
        y.scale(by: 3)
        XCTAssertEqual(y, Tensor(shape: [2, 3]))
    }

    func testReductionsIncludingLongAndEmpty() {
        let m = Tensor([[1, -2, 3], [4, 5, -6]])
        XCTAssertEqual(m.sum(), 5)
        XCTAssertEqual(m.mean(), 5.0 / 6.0, accuracy: 1e-7)
        XCTAssertEqual(m.max(), 5)
        XCTAssertEqual(m.rowSums(), Tensor([[2], [3]]))
        XCTAssertEqual(m.columnSums(), Tensor([[5, 3, -3]]))
        XCTAssertEqual(m.rowMeans(), Tensor([[2.0 / 3.0], [1]]))
        XCTAssertEqual(m.columnMeans(), Tensor([[2.5, 1.5, -1.5]]))
        XCTAssertEqual(m.rowMaxima(), Tensor([[3], [5]]))
        assertClose(m.rowNorms(), Tensor([[Float(14).squareRoot()], [Float(77).squareRoot()]]))
        XCTAssertEqual(m.squaredNorm(), 91)
        XCTAssertEqual(Tensor.dot(m, m), 91)
        // 37 elements exercise both the 16-lane body and the tail.
        let long = Tensor(shape: [37], scalars: (1...37).map(Float.init))
        XCTAssertEqual(long.sum(), 703)
        XCTAssertEqual(long.squaredNorm(), Float((1...37).map { $0 * $0 }.reduce(0, +)))
        let empty = Tensor(shape: [0, 4])
        XCTAssertEqual(empty.sum(), 0)
        XCTAssertEqual(empty.max(), -.infinity)
        XCTAssertEqual(empty.rowSums().shape, [0, 1])
        XCTAssertEqual(empty.columnSums(), Tensor(shape: [1, 4]))
        XCTAssertEqual(empty.exp().shape, [0, 4])
        XCTAssertEqual(Tensor(shape: [3, 0]).rowLogSoftmax().shape, [3, 0])
        XCTAssertEqual(Tensor(shape: [3, 0]).rowSums(), Tensor(shape: [3, 1]))
    }

    func testSoftmaxIsStable() {
        let logits = Tensor([[1, 2, 3], [1000, 1000, -1000]])
        let softmax = logits.rowSoftmax()
        assertClose(softmax.rowSums(), Tensor([[1], [1]]))
        assertClose(softmax, Tensor([[0.09003057, 0.24472847, 0.66524096], [0.5, 0.5, 0]]))
        let logSoftmax = logits.rowLogSoftmax()
        XCTAssertEqual(logSoftmax[1, 0], -Float(Foundation.log(2.0)), accuracy: 1e-6)
        XCTAssertEqual(logSoftmax[1, 2], -2000 - Float(Foundation.log(2.0)), accuracy: 1e-2)
        assertClose(Tensor(shape: [3], scalars: [0, 0, 0]).rowSoftmax(), Tensor(shape: [3], repeating: 1.0 / 3.0))
    }
}
