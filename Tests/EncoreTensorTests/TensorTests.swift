import EncoreTensor
import EncoreTestSupport
import XCTest

final class TensorTests: XCTestCase {
    func testShapesAndIndexing() {
        var x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.rows, 2)
        XCTAssertEqual(x.cols, 3)
        XCTAssertEqual(x[1, 2], 6)
        x[0, 1] = 9
        XCTAssertEqual(x.scalars, [1, 9, 3, 4, 5, 6])
        XCTAssertEqual(Tensor(shape: [4]).rows, 1)
        XCTAssertEqual(Tensor(shape: [4]).cols, 4)
        XCTAssertEqual(Tensor(scalar: 3).scalarValue, 3)
        XCTAssertEqual(Tensor(shape: [0, 5]).count, 0)
    }

    func testCopyOnWrite() {
        let a = Tensor(shape: [2, 2], repeating: 1)
        var b = a
        b[0, 0] = 5
        XCTAssertEqual(a[0, 0], 1, "writing to a copy must not change the original")
        XCTAssertEqual(b[0, 0], 5)
    }

    func testRowsGatherTranspose() {
        let x = Tensor([[1, 2], [3, 4], [5, 6]])
        XCTAssertEqual(x.rows(1..<3), Tensor([[3, 4], [5, 6]]))
        XCTAssertEqual(x.gatherRows([2, 0, 2]), Tensor([[5, 6], [1, 2], [5, 6]]))
        XCTAssertEqual(x.transposed(), Tensor([[1, 3, 5], [2, 4, 6]]))
        XCTAssertEqual(x.reshaped([2, 3]).shape, [2, 3])
    }
}

final class SeededRNGTests: XCTestCase {
    func testDeterministicAndDerived() {
        var a = SeededRNG(seed: 7), b = SeededRNG(seed: 7)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in b.next() })
        let d1 = SeededRNG(seed: 7).derive("dropout"), d2 = a.derive("dropout")
        var x = d1, y = d2
        XCTAssertEqual(x.next(), y.next(), "derive depends on the seed and purpose only")
        var other = SeededRNG(seed: 7).derive("shuffle")
        var same = SeededRNG(seed: 7).derive("dropout")
        XCTAssertNotEqual(other.next(), same.next())
    }

    func testDistributions() {
        var rng = SeededRNG(seed: 1)
        let n = 20_000
        let u = (0..<n).map { _ in rng.uniform() }
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(u.reduce(0, +) / Float(n), 0.5, accuracy: 0.01)
        let z = (0..<n).map { _ in rng.normal() }
        let mean = z.reduce(0, +) / Float(n)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
        let hits = (0..<n).filter { _ in rng.bernoulli(0.3) }.count
        XCTAssertEqual(Double(hits) / Double(n), 0.3, accuracy: 0.015)
        var counts = [0, 0, 0]
        for _ in 0..<n { counts[rng.categorical([1, 0, 3])] += 1 }
        XCTAssertEqual(counts[1], 0)
        XCTAssertEqual(Double(counts[2]) / Double(n), 0.75, accuracy: 0.015)
    }

    func testSamplingWithoutReplacement() {
        var rng = SeededRNG(seed: 3)
        for (k, n) in [(0, 5), (3, 100), (50, 60), (10, 10)] {
            let s = rng.sample(k, from: n)
            XCTAssertEqual(s.count, k)
            XCTAssertEqual(Set(s).count, k)
            XCTAssertTrue(s.allSatisfy { $0 >= 0 && $0 < n })
        }
        XCTAssertEqual(rng.permutation(20).sorted(), Array(0..<20))
    }

    func testCodableRestoresStream() throws {
        var rng = SeededRNG(seed: 11)
        _ = rng.next()
        let data = try JSONEncoder().encode(rng)
        var restored = try JSONDecoder().decode(SeededRNG.self, from: data)
        XCTAssertEqual(rng.next(), restored.next())
    }
}

final class SparseMatrixTests: XCTestCase {
    func testTriplesDuplicatesAndDense() {
        let triples: [(row: Int, col: Int, value: Float)] = [(1, 2, 5), (0, 0, 1), (1, 0, 2), (1, 2, 7)]
        let last = SparseMatrix(rows: 3, cols: 3, triples: triples)
        XCTAssertEqual(last.toDense(), Tensor([[1, 0, 0], [2, 0, 7], [0, 0, 0]]))
        let summed = SparseMatrix(rows: 3, cols: 3, triples: triples, duplicates: .sum)
        XCTAssertEqual(summed.value(row: 1, col: 2), 12)
        XCTAssertNil(summed.value(row: 2, col: 2))
        XCTAssertEqual(summed.nonzeroCount, 3)
        XCTAssertEqual(SparseMatrix(dense: last.toDense()), last)
    }

    func testTransposeSliceGather() {
        let m = SparseMatrix(rows: 3, cols: 4, triples: [(0, 1, 1), (0, 3, 2), (2, 0, 3), (2, 3, 4)])
        XCTAssertEqual(m.transposed().toDense(), m.toDense().transposed())
        XCTAssertEqual(m.rows(1..<3).toDense(), Tensor([[0, 0, 0, 0], [3, 0, 0, 4]]))
        XCTAssertEqual(m.gatherRows([2, 0]).toDense(), Tensor([[3, 0, 0, 4], [0, 1, 0, 2]]))
        XCTAssertEqual(SparseMatrix(rows: 0, cols: 4).transposed().shape, [4, 0])
    }

    /// A random 57 x 83 matrix (some empty rows and columns): the transpose equals the dense
    /// transpose, lists each row's columns in increasing order, and transposing twice gives back
    /// the same CSR arrays.
    func testTransposeRandomMatchesDense() {
        var rng = SeededRNG(seed: 21)
        var triples: [(Int, Int, Float)] = []
        for r in 0..<57 where r % 7 != 3 {
            for c in 0..<83 where c % 11 != 5 && rng.bernoulli(0.15) {
                triples.append((r, c, rng.uniform(-0.5, 0.5)))
            }
        }
        let m = SparseMatrix(rows: 57, cols: 83, triples: triples)
        let t = m.transposed()
        XCTAssertEqual(t.shape, [83, 57])
        XCTAssertEqual(t.nonzeroCount, m.nonzeroCount)
        XCTAssertEqual(t.toDense(), m.toDense().transposed())
        for r in 0..<t.rows {
            let columns = t.columnIndices[t.rowPointers[r]..<t.rowPointers[r + 1]]
            XCTAssertEqual(Array(columns), columns.sorted(), "row \(r)")
        }
        XCTAssertEqual(t.transposed(), m)
    }

    func testSparseTimesDense() {
        var rng = SeededRNG(seed: 5)
        let dense = Tensor.normal([4, 5], rng: &rng)
        let m = SparseMatrix(rows: 3, cols: 4, triples: [(0, 1, 1), (0, 3, 2), (2, 0, 3), (2, 3, -4)])
        assertClose(m.multiply(dense), naiveMatmul(m.toDense(), dense, transposeA: false, transposeB: false))
        let other = Tensor.normal([3, 2], rng: &rng)
        assertClose(m.transposedMultiply(other), naiveMatmul(m.toDense(), other, transposeA: true, transposeB: false))
    }
}
