import EncoreTensor
import XCTest

/// The one closeness assertion of the test suites: |a - b| <= absolute + relative * |b|
/// elementwise, and equal shapes.
public func assertClose(
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
