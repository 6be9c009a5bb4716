import EncoreTensor
import EncoreTestSupport
import XCTest

final class CholeskyTests: XCTestCase {
    /// XᵀX + n·I: symmetric positive definite and well conditioned.
    private func randomSPD(_ n: Int, rng: inout SeededRNG) -> Tensor {
        let x = Tensor.normal([n, n], rng: &rng)
        var a = naiveMatmul(x, x, transposeA: true, transposeB: false)
        for i in 0..<n { a[i, i] += Float(n) }
        return a
    }

    /// Orders below, at and across the 128 base size (the recursion over halves, two levels at 300).
    func testFactorReproducesMatrix() throws {
        var rng = SeededRNG(seed: 21)
        for n in [1, 2, 7, 130, 300] {
            let a = randomSPD(n, rng: &rng)
            let l = try Tensor.choleskyLower(a, threads: 2)
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { XCTAssertEqual(l[i, j], 0) } }
            assertClose(naiveMatmul(l, l, transposeA: false, transposeB: true), a, absolute: 1e-3, relative: 1e-4, "n=\(n)")
        }
    }

    func testInverseTimesMatrixIsIdentity() throws {
        var rng = SeededRNG(seed: 22)
        for n in [1, 5, 33, 140, 270] {
            let a = randomSPD(n, rng: &rng)
            let inverse = try Tensor.inverseSPD(a, threads: 3)
            XCTAssertEqual(inverse, inverse.transposed(), "exactly symmetric, n=\(n)")
            var identity = Tensor(shape: [n, n])
            for i in 0..<n { identity[i, i] = 1 }
            assertClose(naiveMatmul(a, inverse, transposeA: false, transposeB: false), identity, absolute: 1e-4, "n=\(n)")
            XCTAssertEqual(inverse, try Tensor.inverseSPD(a, threads: 1), "thread counts agree, n=\(n)")
        }
        XCTAssertEqual(try Tensor.inverseSPD(Tensor(shape: [0, 0])).shape, [0, 0])
    }

    /// The in-place inverse gives `inverseSPD`'s bits and leaves a copy sharing the storage as it was.
    func testInverseInPlaceMatchesInverseAndKeepsCopies() throws {
        var rng = SeededRNG(seed: 23)
        for n in [1, 9, 131] {
            let a = randomSPD(n, rng: &rng)
            let before = a.scalars
            var inPlace = a
            try inPlace.formInverseSPD(threads: 2)
            XCTAssertEqual(a.scalars, before, "the matrix sharing the storage is untouched, n=\(n)")
            XCTAssertEqual(inPlace, try Tensor.inverseSPD(a, threads: 2), "n=\(n)")
            XCTAssertNotEqual(inPlace, a, "n=\(n)")
        }
        var empty = Tensor(shape: [0, 0])
        XCTAssertNoThrow(try empty.formInverseSPD())
    }

    /// Only the lower triangle is read: whatever the upper triangle holds (the in-place steps use it
    /// as scratch) the inverse is the same, directly and through two levels of the recursion over
    /// halves (300 = 256 + 44, the 256 split again).
    func testUpperTriangleIsNotRead() throws {
        var rng = SeededRNG(seed: 24)
        for n in [7, 300] {
            let a = randomSPD(n, rng: &rng)
            var junk = a
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { junk[i, j] = Float(i * n + j).squareRoot() - 1e3 } }
            XCTAssertEqual(try Tensor.inverseSPD(junk, threads: 2), try Tensor.inverseSPD(a, threads: 2), "n=\(n)")
        }
    }

    /// A matrix that is not positive definite names its first failing pivot.
    func testNotPositiveDefiniteNamesPivot() {
        var a = Tensor(shape: [4, 4])
        for i in 0..<4 { a[i, i] = 1 }
        a[2, 1] = 2  // pivot 2: 1 - 2² < 0
        a[1, 2] = 2
        XCTAssertThrowsError(try Tensor.inverseSPD(a)) { error in
            XCTAssertEqual((error as? NotPositiveDefiniteError)?.pivot, 2)
        }
        // Inside the recursion (300 = 256 + 44, the 256 = 128 + 128): the pivot's place in the whole matrix.
        var deep = Tensor(shape: [300, 300])
        for i in 0..<300 { deep[i, i] = 2 }
        deep[200, 200] = -1
        XCTAssertThrowsError(try Tensor.inverseSPD(deep, threads: 2)) { error in
            XCTAssertEqual((error as? NotPositiveDefiniteError)?.pivot, 200)
            XCTAssertEqual((error as? NotPositiveDefiniteError)?.order, 300)
        }
        var b = Tensor(shape: [3, 3])
        b[0, 0] = -1
        XCTAssertThrowsError(try Tensor.choleskyLower(b)) { error in
            XCTAssertEqual((error as? NotPositiveDefiniteError)?.pivot, 0)
        }
    }
}
