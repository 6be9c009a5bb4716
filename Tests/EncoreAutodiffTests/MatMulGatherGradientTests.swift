import EncoreAutodiff
import XCTest

final class MatMulGatherGradientTests: XCTestCase {
    func testMatmulAllLayouts() {
        for (m, k, n) in [(2, 3, 4), (1, 5, 1), (3, 1, 2)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = parameter(transposeA ? [k, m] : [m, k], seed: 1), b = parameter(transposeB ? [n, k] : [k, n], seed: 2)
                    assertGradients([a, b], "\(m)x\(k)x\(n) tA \(transposeA) tB \(transposeB)") { v in
                        project(matmul(v[0], v[1], transposeA: transposeA, transposeB: transposeB, threads: 1))
                    }
                }
            }
        }
        let a = Variable(Tensor([[1, 2], [3, 4]])), b = Variable(Tensor([[5, 6], [7, 8]]))
        XCTAssertEqual(matmul(a, b).value, Tensor([[19, 22], [43, 50]]))
        XCTAssertEqual(matmul(a, b, transposeB: true).value, Tensor([[17, 23], [39, 53]]))
        XCTAssertEqual(matmul(a, b, transposeA: true).value, Tensor([[26, 30], [38, 44]]))
    }

    func testSparseTimesDense() {
        let sparse = SparseMatrix(dense: Tensor([[1, 0, 2], [0, 0, 0], [0, 3, 0], [4, 0, -1]]))
        let x = parameter([3, 2], seed: 3), y = parameter([4, 2], seed: 4)
        assertGradients([x]) { v in project(matmul(sparse, v[0])) }
        assertGradients([y]) { v in project(matmul(sparse, v[0], transposeSparse: true)) }
        assertClose(matmul(sparse, x).value, Tensor.matmul(sparse.toDense(), x.value))
        assertClose(matmul(sparse, y, transposeSparse: true).value, Tensor.matmul(sparse.toDense(), y.value, transposeA: true))
    }

    func testGatherAndScatterRows() {
        let x = parameter([4, 3], seed: 5)
        assertGradients([x]) { v in project(v[0].gatherRows([2, 0, 2])) }
        assertGradients([x]) { v in project(v[0].scatterRows([1, 1, 4, 0], rowCount: 6)) }
        assertGradients([x]) { v in project(v[0].gatherColumns([2, 2, 0])) }
        XCTAssertEqual(x.gatherColumns([1]).value, Tensor(shape: [4, 1], scalars: (0..<4).map { x.value[$0, 1] }))
        XCTAssertEqual(x.gatherRows([]).shape, [0, 3])
    }

    func testEntriesGatherScatterAndSampledDot() {
        let entries = EntryIndices(rows: [0, 2, 2, 1, 0], columns: [1, 0, 3, 3, 1], rowCount: 3, columnCount: 4)
        let x = parameter([3, 4], seed: 6), e = parameter([5], seed: 7)
        assertGradients([x]) { v in project(v[0].gatherEntries(entries)) }
        assertGradients([e]) { v in project(v[0].scatterEntries(entries)) }
        XCTAssertEqual(x.gatherEntries(entries).value[1], x.value[2, 0])
        XCTAssertEqual(e.scatterEntries(entries).value[0, 1], e.value[0] + e.value[4])
        let users = parameter([3, 5], seed: 8), items = parameter([4, 5], seed: 9)
        assertGradients([users, items]) { v in project(sampledDot(v[0], v[1], at: entries, threads: 2)) }
        let dense = Tensor.matmul(users.value, items.value, transposeB: true)
        assertClose(sampledDot(users, items, at: entries).value, Tensor.gatherEntries(dense, entries))
        let none = EntryIndices(rows: [], columns: [], rowCount: 3, columnCount: 4)
        XCTAssertEqual(sampledDot(users, items, at: none).shape, [0])
        let csr = SparseMatrix(dense: Tensor([[0, 2], [3, 0]]))
        let fromCSR = EntryIndices(nonzerosOf: csr)
        XCTAssertEqual(fromCSR.rows, [0, 1])
        XCTAssertEqual(fromCSR.columns, [1, 0])
    }

    func testDropout() {
        let x = parameter([6, 5], seed: 10)
        XCTAssertTrue(x.dropout(rate: 0.5, training: false, rng: &rngSeed) === x)
        assertGradients([x]) { v in
            var rng = SeededRNG(seed: 77)
            return project(v[0].dropout(rate: 0.3, training: true, rng: &rng))
        }
        var rng = SeededRNG(seed: 77)
        let dropped = x.dropout(rate: 0.3, training: true, rng: &rng).value
        for i in 0..<x.value.count {
            XCTAssertTrue(dropped[i] == 0 || abs(dropped[i] - x.value[i] / 0.7) < 1e-5)
        }
        let sparse = SparseMatrix(dense: Tensor(shape: [20, 20], repeating: 1))
        var sparseRNG = SeededRNG(seed: 3)
        let kept = sparse.dropout(rate: 0.5, training: true, rng: &sparseRNG)
        XCTAssertTrue(kept.nonzeroCount > 120 && kept.nonzeroCount < 280, "\(kept.nonzeroCount)")
        XCTAssertTrue(kept.values.allSatisfy { $0 == 2 })
    }

    var rngSeed = SeededRNG(seed: 1)
}
