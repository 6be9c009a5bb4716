import EncoreTensor
import XCTest

final class SparseKernelTests: XCTestCase {
    /// A random CSR matrix with about `density` of its entries set, some rows empty.
    private func randomSparse(_ rows: Int, _ cols: Int, density: Float, rng: inout SeededRNG) -> SparseMatrix {
        var triples: [(row: Int, col: Int, value: Float)] = []
        for r in 0..<rows where r % 5 != 3 {
            for c in 0..<cols where rng.uniform() < density { triples.append((r, c, rng.normal())) }
        }
        return SparseMatrix(rows: rows, cols: cols, triples: triples)
    }

    /// Widths around the 16- and 64-column SIMD blocks, against the naive dense product.
    func testMultiplyAndTransposedMultiplyMatchNaive() {
        var rng = SeededRNG(seed: 11)
        for width in [0, 1, 15, 16, 17, 64, 65, 81] {
            let sparse = randomSparse(23, 37, density: 0.2, rng: &rng)
            let dense = Tensor.normal([37, width], rng: &rng)
            let expected = naiveMatmul(sparse.toDense(), dense, transposeA: false, transposeB: false)
            for threads in [1, 2, 3] {
                assertClose(sparse.multiply(dense, threads: threads), expected, "width \(width) threads \(threads)")
            }
            let other = Tensor.normal([23, width], rng: &rng)
            let expectedT = naiveMatmul(sparse.toDense(), other, transposeA: true, transposeB: false)
            XCTAssertEqual(sparse.transposedMultiply(other, threads: 1), sparse.transposedMultiply(other, threads: 3))
            assertClose(sparse.transposedMultiply(other, threads: 2), expectedT, "width \(width)")
        }
    }

    func testEmptyMatrices() {
        XCTAssertEqual(SparseMatrix(rows: 0, cols: 4).multiply(Tensor(shape: [4, 3])).shape, [0, 3])
        XCTAssertEqual(SparseMatrix(rows: 3, cols: 4).multiply(Tensor(shape: [4, 2])), Tensor(shape: [3, 2]))
        XCTAssertEqual(SparseMatrix(rows: 3, cols: 4).transposedMultiply(Tensor(shape: [3, 2])), Tensor(shape: [4, 2]))
    }

    /// The Gram matrix equals XᵀX computed densely, for any thread count.
    func testGramMatchesDense() {
        var rng = SeededRNG(seed: 12)
        let sparse = randomSparse(31, 19, density: 0.3, rng: &rng)
        let dense = sparse.toDense()
        let expected = naiveMatmul(dense, dense, transposeA: true, transposeB: false)
        let gram = sparse.gram(threads: 1)
        assertClose(gram, expected)
        XCTAssertEqual(gram, sparse.gram(threads: 3))
        XCTAssertEqual(gram, gram.transposed())
        XCTAssertEqual(SparseMatrix(rows: 2, cols: 3).gram(), Tensor(shape: [3, 3]))
    }
}
