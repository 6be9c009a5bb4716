import EncoreTensor
import XCTest

/// The one shared closeness assertion: |a - b| <= absolute + relative * |b| elementwise.
func assertClose(
    _ actual: Tensor, _ expected: Tensor, absolute: Float = 1e-5, relative: Float = 1e-4,
    _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.shape, expected.shape, "shapes differ \(message)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    for i in 0..<actual.count {
        let a = actual[i], b = expected[i]
        if !(abs(a - b) <= absolute + relative * abs(b)) {
            XCTFail("element \(i): \(a) vs \(b) \(message)", file: file, line: line)
            return
        }
    }
}

/// A deliberately naive matrix product in Double, the reference for kernel tests.
func naiveMatmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
    let m = transposeA ? a.cols : a.rows, k = transposeA ? a.rows : a.cols
    let n = transposeB ? b.rows : b.cols
    var c = Tensor(shape: [m, n])
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                s += Double(transposeA ? a[p, i] : a[i, p]) * Double(transposeB ? b[j, p] : b[p, j])
            }
            c[i, j] = Float(s)
        }
    }
    return c
}
