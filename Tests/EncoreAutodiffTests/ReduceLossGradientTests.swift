import EncoreAutodiff
import XCTest

final class ReduceLossGradientTests: XCTestCase {
    func testReductions() {
        for (k, shape) in [[3, 4], [1, 5], [4, 1], [5], []].enumerated() {
            let x = parameter(shape, seed: UInt64(400 + k))
            assertGradients([x], "sum \(shape)") { v in v[0].sum() }
            assertGradients([x], "mean \(shape)") { v in v[0].mean().scaled(by: 3) }
            assertGradients([x], "rowSums \(shape)") { v in project(v[0].rowSums()) }
            assertGradients([x], "columnSums \(shape)") { v in project(v[0].columnSums()) }
            assertGradients([x], "rowMeans \(shape)") { v in project(v[0].rowMeans()) }
            assertGradients([x], "columnMeans \(shape)") { v in project(v[0].columnMeans()) }
            assertGradients([x], "logSoftmax \(shape)") { v in project(v[0].logSoftmax()) }
            assertGradients([x], "l2 rows \(shape)") { v in project(v[0].l2NormalizedRows()) }
        }
        let m = Variable(Tensor([[1, 2], [3, 4]]))
        XCTAssertEqual(m.rowSums().value, Tensor([[3], [7]]))
        XCTAssertEqual(m.columnMeans().value, Tensor([[2, 3]]))
        assertClose(m.l2NormalizedRows().value, Tensor([[0.4472136, 0.8944272], [0.6, 0.8]]))
        assertClose(m.logSoftmax().value.exp().rowSums(), Tensor([[1], [1]]))
        XCTAssertEqual(Variable(Tensor(shape: [2, 2])).l2NormalizedRows().value, Tensor(shape: [2, 2]))
    }

    func testConcatenation() {
        let a = parameter([2, 3], seed: 1), b = parameter([2, 1], seed: 2), c = parameter([1, 3], seed: 3)
        assertGradients([a, b]) { v in project(concatenateColumns([v[0], v[1], v[0]])) }
        assertGradients([a, c]) { v in project(concatenateRows([v[0], v[1]])) }
        XCTAssertEqual(concatenateColumns([a, b]).value[1, 3], b.value[1, 0])
        XCTAssertEqual(concatenateRows([a, c]).value[2, 1], c.value[0, 1])
    }

    func testSquaredErrorLosses() {
        let p = parameter([5], seed: 4), targets = sample([5], seed: 5)
        for reduction in [LossReduction.sum, .mean] {
            assertGradients([p]) { v in Loss.squaredError(v[0], targets: targets, reduction: reduction) }
        }
        let value = Loss.squaredError(Variable(Tensor(shape: [2], scalars: [1, 3])), targets: Tensor(shape: [2], scalars: [0, 1]))
        XCTAssertEqual(value.value.scalarValue, 2.5)
        let mask = SparseMatrix(dense: Tensor([[0, 4, 0], [5, 0, 1]]))
        let dense = parameter([2, 3], seed: 6)
        assertGradients([dense]) { v in Loss.maskedSquaredError(v[0], targets: mask) }
        dense.zeroGrad()
        Loss.maskedSquaredError(dense, targets: mask).backward()
        XCTAssertEqual(dense.grad![0, 0], 0)
        XCTAssertEqual(dense.grad![1, 1], 0)
    }

    func testMultinomialLikelihood() {
        let logits = parameter([3, 4], seed: 7)
        let counts = Tensor([[1, 0, 2, 0], [0, 0, 0, 1], [1, 1, 0, 0]])
        assertGradients([logits]) { v in Loss.multinomialNegativeLogLikelihood(logits: v[0], targets: counts) }
        assertGradients([logits]) { v in
            Loss.multinomialNegativeLogLikelihood(logits: v[0], targets: SparseMatrix(dense: counts), reduction: .sum)
        }
        let dense = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: counts).value.scalarValue
        let sparse = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: SparseMatrix(dense: counts)).value.scalarValue
        XCTAssertEqual(dense, sparse, accuracy: 1e-5)
        let uniform = Loss.multinomialNegativeLogLikelihood(logits: Variable(Tensor(shape: [1, 4])), targets: Tensor([[1, 0, 0, 0]]))
        XCTAssertEqual(uniform.value.scalarValue, log(4), accuracy: 1e-6)
    }

    /// The fused sparse-target loss against the composed dense form, at widths that use the
    /// eight-lane paths and their tails, with an all-zero target row, on one and two threads.
    func testFusedSparseMultinomialMatchesComposedForm() {
        let shapes = [(5, 19), (21, 37)]
        for (index, (m, n)) in shapes.enumerated() {
            let seed = UInt64(20 + index)
            var counts = sample([m, n], seed: seed, positive: true).map { $0 > 1.2 ? 1 : 0 }
            for j in 0..<n { counts[1, j] = 0 }
            counts[0, n - 1] = 3
            let targets = SparseMatrix(dense: counts)
            let logits = parameter([m, n], seed: seed + 100)
            assertGradients([logits]) { v in Loss.multinomialNegativeLogLikelihood(logits: v[0], targets: targets) }
            logits.zeroGrad()
            let composed = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: counts)
            composed.backward()
            let composedGradient = logits.grad!
            for threads in [1, 2] {
                logits.zeroGrad()
                let fused = Loss.multinomialNegativeLogLikelihood(logits: logits, targets: targets, threads: threads)
                fused.backward()
                XCTAssertEqual(fused.value.scalarValue, composed.value.scalarValue, accuracy: 1e-4, "[\(m), \(n)]")
                assertClose(logits.grad!, composedGradient, absolute: 1e-6, "[\(m), \(n)] threads \(threads)")
            }
        }
    }

    func testBinaryCrossEntropy() {
        let logits = parameter([3, 4], seed: 8), targets = sample([3, 4], seed: 9).map { $0 > 0 ? 1 : 0 }
        assertGradients([logits]) { v in Loss.binaryCrossEntropyWithLogits(v[0], targets: targets) }
        let sampled = parameter([6], seed: 10), labels = Tensor(shape: [6], scalars: [1, 0, 0, 1, 0, 0])
        assertGradients([sampled]) { v in Loss.binaryCrossEntropyWithLogits(v[0], targets: labels, reduction: .sum) }
        let bce = Loss.binaryCrossEntropyWithLogits(Variable(Tensor(shape: [2], scalars: [0, 100])), targets: Tensor(shape: [2], scalars: [1, 0]))
        XCTAssertEqual(bce.value.scalarValue, (log(2) + 100) / 2, accuracy: 1e-4)
    }

    func testKLDivergenceAndL2Penalty() {
        let mean = parameter([2, 3], seed: 11), logVariance = parameter([2, 3], seed: 12)
        assertGradients([mean, logVariance]) { v in Loss.gaussianKLDivergence(mean: v[0], logVariance: v[1]) }
        let zero = Loss.gaussianKLDivergence(mean: Variable(Tensor(shape: [2, 3])), logVariance: Variable(Tensor(shape: [2, 3])))
        XCTAssertEqual(zero.value.scalarValue, 0)
        let w = parameter([2, 2], seed: 13), b = parameter([3], seed: 14)
        assertGradients([w, b]) { v in Loss.l2Penalty(v, coefficient: 0.3) }
        XCTAssertEqual(Loss.l2Penalty([Variable(Tensor(shape: [2], scalars: [1, 2]))], coefficient: 0.5).value.scalarValue, 2.5)
    }

    func testCheckerCatchesAWrongGradient() {
        let x = parameter([3], seed: 15)
        // The detached factor hides part of the dependence from backward: the checker must object.
        let report = GradientCheck.check([x]) { v in (v[0] * v[0].detached()).sum() }
        XCTAssertGreaterThan(report.maxError, 0.1)
    }
}
