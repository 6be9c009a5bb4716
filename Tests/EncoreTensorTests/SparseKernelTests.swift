@testable import EncoreTensor
import EncoreTestSupport
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

    /// Widths around the 16-column chunks, against the naive dense product.
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

    /// Every output element is one fused multiply-add chain over its row's nonzeros in stored
    /// order, on both paths and at any thread count: the result equals that chain computed
    /// scalar by scalar, bit for bit. Row lengths differ (0-9 and 25-33), so the packed path's
    /// four side-by-side rows end at different points. The widths cover every remainder shape
    /// of the rows path (0-3 sixteen-lane parts, an eight-lane part, 1-7 single lanes) and, for
    /// the packed path, full and partial pairs of 16-column chunks and an odd last chunk alone,
    /// with pairs split over threads (one thread from 130 columns, five pairs; two threads at 232
    /// and 256, eight pairs) or rows split (the rest).
    /// Here the row-block path sees one partial block; the next test gives it several. Every
    /// instruction set the CPU offers (`GEMMKernel.available`) computes the same bits.
    func testBothPathsComputeTheSequentialChainExactly() {
        var rng = SeededRNG(seed: 13)
        var triples: [(row: Int, col: Int, value: Float)] = []
        for r in 0..<30 {
            for c in rng.sample(r % 3 == 0 ? 25 + r % 9 : r % 10, from: 41) { triples.append((r, c, rng.normal())) }
        }
        let sparse = SparseMatrix(rows: 30, cols: 41, triples: triples)
        let (rp, ci, v) = (sparse.rowPointers, sparse.columnIndices, sparse.values)
        for width in [3, 16, 17, 24, 40, 63, 64, 88, 130, 135, 232, 256] {
            let dense = Tensor.normal([41, width], rng: &rng)
            var expected = Tensor(shape: [30, width])
            for r in 0..<30 {
                for j in 0..<width {
                    var sum: Float = 0
                    for e in rp[r]..<rp[r + 1] { sum = sum.addingProduct(v[e], dense[Int(ci[e]), j]) }
                    expected[r, j] = sum
                }
            }
            for kernel in GEMMKernel.available {
                for threads in [1, 2, 3] {
                    for path in [SparseDenseKernel.Path.rows, .packed, .packedRowBlocks] {
                        XCTAssertEqual(
                            sparse.multiply(dense, threads: threads, path: path, kernel: kernel), expected,
                            "width \(width), \(path), \(kernel)")
                    }
                }
            }
        }
    }

    /// The row-block path over several blocks of rows (a full one, another, a partial one) and
    /// rows of every length 0-40, against the scalar chain, bit for bit.
    func testRowBlocksComputeTheSequentialChainExactly() {
        var rng = SeededRNG(seed: 14)
        let rows = 2 * SparseDenseKernel.rowBlock + 22
        var triples: [(row: Int, col: Int, value: Float)] = []
        for r in 0..<rows { for c in rng.sample(r % 41, from: 45) { triples.append((r, c, rng.normal())) } }
        let sparse = SparseMatrix(rows: rows, cols: 45, triples: triples)
        let (rp, ci, v) = (sparse.rowPointers, sparse.columnIndices, sparse.values)
        let dense = Tensor.normal([45, 37], rng: &rng)
        var expected = Tensor(shape: [rows, 37])
        for r in 0..<rows {
            for j in 0..<37 {
                var sum: Float = 0
                for e in rp[r]..<rp[r + 1] { sum = sum.addingProduct(v[e], dense[Int(ci[e]), j]) }
                expected[r, j] = sum
            }
        }
        for kernel in GEMMKernel.available {
            for threads in [1, 2, 3] {
                XCTAssertEqual(sparse.multiply(dense, threads: threads, path: .packedRowBlocks, kernel: kernel), expected)
            }
        }
    }

    /// The automatic choice: packed only with at least 16 nonzeros per dense row and a dense
    /// operand of at least 2^18 floats; in row blocks when the output is larger than 2^21 floats
    /// and the packed dense operand at most 1.5 * 2^19 floats.
    func testAutomaticPathChoice() {
        // The benchmark's S*D (84,480 nonzeros, 3,706 x 600 dense) and S^T*D (512 x 600 dense,
        // 3,706 x 600 output).
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 84_480, cols: 3706, n: 600, rows: 512), .packed)
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 84_480, cols: 512, n: 600, rows: 3706), .packedRowBlocks)
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 84_480, cols: 512, n: 600, rows: 3000), .packed)
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 84_480, cols: 512, n: 600), .packed)
        // A Mult-VAE forward batch (500 users, ~95 items each): too few nonzeros per dense row.
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 47_500, cols: 3706, n: 600), .rows)
        // CDAE's backward product: enough nonzeros, but a [500, 50] dense operand.
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 23_700, cols: 500, n: 50), .rows)
        // The boundaries.
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 16 * 1024, cols: 1024, n: 256), .packed)
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 16 * 1024 - 1, cols: 1024, n: 256), .rows)
        XCTAssertEqual(SparseDenseKernel.automaticPath(nonzeros: 16 * 1024, cols: 1024, n: 255), .rows)
    }

    func testEmptyMatrices() {
        XCTAssertEqual(SparseMatrix(rows: 0, cols: 4).multiply(Tensor(shape: [4, 3])).shape, [0, 3])
        XCTAssertEqual(SparseMatrix(rows: 3, cols: 4).multiply(Tensor(shape: [4, 2])), Tensor(shape: [3, 2]))
        XCTAssertEqual(SparseMatrix(rows: 3, cols: 4).transposedMultiply(Tensor(shape: [3, 2])), Tensor(shape: [4, 2]))
        for path in [SparseDenseKernel.Path.packed, .rows, .packedRowBlocks] {
            XCTAssertEqual(SparseMatrix(rows: 3, cols: 4).multiply(Tensor(shape: [4, 20], repeating: 1), threads: 2, path: path),
                           Tensor(shape: [3, 20]))
            XCTAssertEqual(SparseMatrix(rows: 3, cols: 0).multiply(Tensor(shape: [0, 5]), threads: 1, path: path),
                           Tensor(shape: [3, 5]))
        }
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
