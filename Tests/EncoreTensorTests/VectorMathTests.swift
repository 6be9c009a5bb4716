import Foundation
import XCTest
@testable import EncoreTensor

final class VectorMathTests: XCTestCase {
    /// Distance in units in the last place between two finite floats of the same sign region.
    private func ulps(_ a: Float, _ b: Float) -> Int {
        if a == b { return 0 }
        func ordered(_ x: Float) -> Int64 {
            let bits = Int64(Int32(bitPattern: x.bitPattern))
            return bits < 0 ? Int64(Int32.min) - bits : bits
        }
        return Int(Swift.abs(ordered(a) - ordered(b)))
    }

    /// Inputs: a dense sweep over `range` plus edge values.
    private func inputs(_ range: ClosedRange<Float>, edges: [Float]) -> [Float] {
        let steps = 20_000
        var xs = (0...steps).map { range.lowerBound + (range.upperBound - range.lowerBound) * Float($0) / Float(steps) }
        xs += edges
        return xs
    }

    private func check(
        _ name: String, _ xs: [Float], maxUlps: Int, absoluteFloor: Float = 0,
        vector: (VectorMath.V) -> VectorMath.V, reference: (Double) -> Double
    ) {
        var out = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { t in
                VectorMath.apply(s.baseAddress!, t.baseAddress!, count: xs.count, vector)
            }
        }
        for (x, y) in zip(xs, out) {
            let expected = Float(reference(Double(x)))
            if expected.isNaN { XCTAssertTrue(y.isNaN, "\(name)(\(x)) = \(y), expected NaN"); continue }
            if expected.isInfinite || expected == 0 {
                XCTAssertEqual(y, expected, "\(name)(\(x))"); continue
            }
            if Swift.abs(y - expected) <= absoluteFloor { continue }
            XCTAssertLessThanOrEqual(ulps(y, expected), maxUlps, "\(name)(\(x)) = \(y), expected \(expected)")
        }
    }

    private let specials: [Float] = [0, -0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude,
                                     -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                     -.greatestFiniteMagnitude, 1e-7, -1e-7, 1e-30, -1e-30]

    func testSqrtMatchesFoundation() {
        let xs = inputs(0...1000, edges: specials + [1, 2, 4, 1e-38, 1.2e-38, 3e38, -1, -1e-30])
        check("sqrt", xs, maxUlps: 1, vector: VectorMath.sqrt, reference: { $0.squareRoot() })
        check("sqrt", inputs(1e-8...1e-6, edges: []), maxUlps: 1, vector: VectorMath.sqrt, reference: { $0.squareRoot() })
        check("sqrt", inputs(Float(bitPattern: 7)...1e-38, edges: []), maxUlps: 1, vector: VectorMath.sqrt, reference: { $0.squareRoot() })
        check("sqrt", inputs(1e30...1e38, edges: []), maxUlps: 1, vector: VectorMath.sqrt, reference: { $0.squareRoot() })
    }

    func testExpMatchesFoundation() {
        let xs = inputs(-110...95, edges: specials + [88.72, 88.7228, 88.723, -87.3, -103.9, -103.98, -104, 89])
        check("exp", xs, maxUlps: 3, absoluteFloor: 8 * .leastNonzeroMagnitude, vector: VectorMath.exp, reference: Foundation.exp)
        check("exp", inputs(-2...2, edges: []), maxUlps: 2, vector: VectorMath.exp, reference: Foundation.exp)
    }

    func testExpm1MatchesFoundation() {
        let xs = inputs(-30...30, edges: specials + [0.4999, 0.5, -0.5, -0.5001, 1e-20, 88.72, 89, -104])
        check("expm1", xs, maxUlps: 4, vector: VectorMath.expm1, reference: Foundation.expm1)
        check("expm1", inputs(-1...1, edges: []), maxUlps: 4, vector: VectorMath.expm1, reference: Foundation.expm1)
    }

    func testLogMatchesFoundation() {
        let xs = inputs(0...1000, edges: specials + [1, 0.7071067, 0.7071068, Float.leastNormalMagnitude / 100, Float.leastNormalMagnitude / 4, 1e38, -1])
        check("log", xs, maxUlps: 3, vector: VectorMath.log, reference: Foundation.log)
        check("log", inputs(0.5...2, edges: []), maxUlps: 3, vector: VectorMath.log, reference: Foundation.log)
        check("log", inputs(1e-38...1e-36, edges: []), maxUlps: 3, vector: VectorMath.log, reference: Foundation.log)
    }

    func testLog1pMatchesFoundation() {
        let xs = inputs(-0.999...50, edges: specials.filter { $0 > -1 || $0.isNaN } + [-1, -2, 1e-10, 3e-8])
        check("log1p", xs, maxUlps: 4, vector: VectorMath.log1p, reference: Foundation.log1p)
    }

    func testTanhMatchesFoundation() {
        let xs = inputs(-12...12, edges: specials + [0.625, -0.625, 0.6249, 9, 20, -20])
        check("tanh", xs, maxUlps: 4, vector: VectorMath.tanh, reference: Foundation.tanh)
    }

    func testSigmoidMatchesDouble() {
        let xs = inputs(-100...100, edges: specials + [-88, -103, -110, 30])
        check("sigmoid", xs, maxUlps: 4, absoluteFloor: 8 * .leastNonzeroMagnitude, vector: VectorMath.sigmoid) { 1 / (1 + Foundation.exp(-$0)) }
    }

    func testTensorKernelsHandleTailsAndMatchScalar() {
        // 13 elements: one full block and a 5-lane tail.
        let values: [Float] = [-20, -5, -1, -0.3, -1e-4, 0, 1e-4, 0.3, 1, 2.5, 5, 20, 80]
        let t = Tensor(shape: [values.count], scalars: values)
        func close(_ a: Tensor, _ f: (Float) -> Float, _ name: String) {
            for (y, x) in zip(a.scalars, values) {
                let e = f(x)
                XCTAssertEqual(y, e, accuracy: Swift.max(Swift.abs(e) * 1e-6, 1e-30), "\(name)(\(x))")
            }
        }
        close(t.exp(), Foundation.exp, "exp")
        close(t.tanh(), Foundation.tanh, "tanh")
        close(t.sigmoid(), Activation.sigmoid, "sigmoid")
        close(t.softplus(), Activation.softplus, "softplus")
        close(t.selu(), Activation.selu, "selu")
        close(t.elu(alpha: 0.7), { $0 > 0 ? $0 : 0.7 * Foundation.expm1($0) }, "elu")
        close(t.abs().log(), { Foundation.log(Swift.abs($0)) }, "log")
    }
}
