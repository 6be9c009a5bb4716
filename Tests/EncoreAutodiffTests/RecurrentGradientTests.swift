import EncoreAutodiff
import XCTest

final class EmbeddingTests: XCTestCase {
    func testLookupPaddingAndGradients() {
        var rng = SeededRNG(seed: 1)
        let embedding = Embedding(count: 5, dimension: 3, rng: &rng)
        let looked = embedding([4, -1, 0, 4])
        XCTAssertEqual(looked.shape, [4, 3])
        for j in 0..<3 {
            XCTAssertEqual(looked.value[0, j], embedding.table.value[4, j])
            XCTAssertEqual(looked.value[1, j], 0)
            XCTAssertEqual(looked.value[2, j], embedding.table.value[0, j])
        }
        assertGradients(embedding.parameters) { _ in project(embedding([4, -1, 0, 4, 2])) }
        embedding.table.zeroGrad()
        project(embedding([3, -1, 3])).backward()
        let grad = embedding.table.grad!
        for row in [0, 1, 2, 4] { for j in 0..<3 { XCTAssertEqual(grad[row, j], 0, "row \(row) was not looked up") } }
        XCTAssertNotEqual(grad.squaredNorm(), 0)
        XCTAssertFalse(embedding([1], mode: .inference).requiresGrad)
    }
}

final class GRUTests: XCTestCase {
    /// PyTorch's nn.GRU step by step on plain tensors, one sequence `[length, inputs]` at a time.
    func reference(_ gru: GRU, _ sequence: Tensor) -> Tensor {
        let h = gru.hidden
        var state = Tensor(shape: [1, h])
        var rows: [Float] = []
        for t in 0..<sequence.rows {
            let x = Tensor.matmul(sequence.rows(t..<(t + 1)), gru.inputWeight.value) + gru.inputBias.value
            let y = Tensor.matmul(state, gru.hiddenWeight.value) + gru.hiddenBias.value
            var next = Tensor(shape: [1, h])
            for j in 0..<h {
                let r = 1 / (1 + exp(-(x[0, j] + y[0, j])))
                let z = 1 / (1 + exp(-(x[0, h + j] + y[0, h + j])))
                let n = tanh(x[0, 2 * h + j] + r * y[0, 2 * h + j])
                next[0, j] = (1 - z) * n + z * state[0, j]
            }
            state = next
            rows += next.scalars
        }
        return Tensor(shape: [sequence.rows, h], scalars: rows)
    }

    /// `sequences` padded to `steps` rows each, padding filled with `filler`.
    func padded(_ sequences: [Tensor], steps: Int, filler: Float) -> Tensor {
        let width = sequences[0].cols
        var scalars: [Float] = []
        for sequence in sequences {
            scalars += sequence.scalars
            scalars += Array(repeating: filler, count: (steps - sequence.rows) * width)
        }
        return Tensor(shape: [sequences.count * steps, width], scalars: scalars)
    }

    func testForwardMatchesPyTorchEquationsWithUnevenLengths() {
        var rng = SeededRNG(seed: 2)
        let gru = GRU(inputs: 3, hidden: 4, rng: &rng)
        let lengths = [2, 5, 0, 3]
        let sequences = lengths.enumerated().map { b, n in sample([n, 3], seed: UInt64(10 + b)) }
        let output = gru(Variable(padded(sequences, steps: 5, filler: 7)), lengths: lengths, threads: 1)
        XCTAssertEqual(output.shape, [20, 4])
        for (b, sequence) in sequences.enumerated() {
            let expected = reference(gru, sequence)
            for t in 0..<5 {
                for j in 0..<4 {
                    let value = output.value[b * 5 + t, j]
                    if t < lengths[b] {
                        XCTAssertEqual(value, expected[t, j], accuracy: 1e-5, "sequence \(b) step \(t)")
                    } else {
                        XCTAssertEqual(value, 0, "padding of sequence \(b) step \(t)")
                    }
                }
            }
        }
    }

    func testGradientsOverUnevenLengths() {
        var rng = SeededRNG(seed: 3)
        let gru = GRU(inputs: 3, hidden: 2, rng: &rng)
        let lengths = [4, 1, 3]
        let x = parameter([12, 3], seed: 4)
        assertGradients([x] + gru.parameters) { v in project(gru(v[0], lengths: lengths, threads: 1)) }
        // Through a second layer and a nonlinearity of the states.
        let top = GRU(inputs: 2, hidden: 3, rng: &rng)
        assertGradients(gru.parameters + top.parameters) { _ in
            project(top(gru(x, lengths: lengths, threads: 1).tanh(), lengths: lengths, threads: 1))
        }
    }

    func testPaddingNeverChangesResultsOrGradients() {
        var rng = SeededRNG(seed: 5)
        let gru = GRU(inputs: 2, hidden: 3, rng: &rng)
        let lengths = [3, 1, 4]
        let sequences = lengths.enumerated().map { b, n in sample([n, 2], seed: UInt64(20 + b)) }
        /// Real-step outputs (in sequence order) and parameter plus input gradients of a fixed loss.
        func run(steps: Int, filler: Float, alone: Bool) -> (output: [Float], grads: [Tensor], inputGrad: [Float]) {
            let groups: [[Int]] = alone ? lengths.indices.map { [$0] } : [Array(lengths.indices)]
            var output: [Float] = [], inputGrad: [Float] = []
            for p in gru.parameters { p.zeroGrad() }
            for group in groups {
                let x = Variable(padded(group.map { sequences[$0] }, steps: steps, filler: filler), requiresGrad: true)
                let states = gru(x, lengths: group.map { lengths[$0] }, threads: 1)
                let realRows = group.enumerated().flatMap { slot, b in (0..<lengths[b]).map { slot * steps + $0 } }
                let real = states.gatherRows(realRows)
                var weights = SeededRNG(seed: 99)
                let all = Tensor.uniform([8, 3], low: -1, high: 1, rng: &weights)
                let offsets = group.map { b in lengths[..<b].reduce(0, +) }
                let rowsOfWeights = group.enumerated().flatMap { slot, b in (0..<lengths[b]).map { offsets[slot] + $0 } }
                (real * Variable(all.gatherRows(rowsOfWeights))).sum().backward()
                output += real.value.scalars
                let grad = x.grad!
                for (slot, b) in group.enumerated() {
                    for t in 0..<steps {
                        for j in 0..<2 {
                            let value = grad[slot * steps + t, j]
                            if t < lengths[b] { inputGrad.append(value) } else { XCTAssertEqual(value, 0, "padded input gradient") }
                        }
                    }
                }
            }
            let grads = gru.parameters.map { $0.grad! }
            return (output, grads, inputGrad)
        }
        let base = run(steps: 4, filler: 0, alone: false)
        for (steps, filler, alone) in [(6, Float(3), false), (9, Float(-2), false), (4, Float(0), true), (5, Float(1), true)] {
            let other = run(steps: steps, filler: filler, alone: alone)
            XCTAssertEqual(other.output.count, base.output.count)
            for (a, b) in zip(other.output, base.output) { XCTAssertEqual(a, b, accuracy: 1e-6, "steps \(steps) alone \(alone)") }
            for (a, b) in zip(other.inputGrad, base.inputGrad) { XCTAssertEqual(a, b, accuracy: 1e-6) }
            for (a, b) in zip(other.grads, base.grads) { assertClose(a, b, absolute: 1e-5, "steps \(steps) alone \(alone)") }
        }
    }

    func testInferenceModeRecordsNothing() {
        var rng = SeededRNG(seed: 6)
        let gru = GRU(inputs: 2, hidden: 2, rng: &rng)
        let x = Variable(sample([4, 2], seed: 7))
        let recorded = gru(x, lengths: [2, 1])
        let inferred = gru(x, lengths: [2, 1], mode: .inference)
        XCTAssertTrue(recorded.requiresGrad)
        XCTAssertFalse(inferred.requiresGrad)
        XCTAssertEqual(recorded.value, inferred.value)
    }
}

final class PackedGRUTests: XCTestCase {
    func testPackedMatchesPaddedAndItsGradients() {
        var rng = SeededRNG(seed: 8)
        let gru = GRU(inputs: 3, hidden: 2, rng: &rng)
        let lengths = [2, 0, 4, 1]
        let packed = parameter([7, 3], seed: 9)
        assertGradients([packed] + gru.parameters) { v in project(gru.packed(v[0], lengths: lengths, threads: 1)) }
        // The same steps padded to 4: equal states at the real rows.
        var realRows: [Int] = []
        for (b, length) in lengths.enumerated() { realRows += (b * 4)..<(b * 4 + length) }
        let padded = Variable(packed.value).scatterRows(realRows, rowCount: 16)
        let fromPadded = gru(padded, lengths: lengths, threads: 1).gatherRows(realRows)
        assertClose(gru.packed(packed, lengths: lengths, threads: 1).value, fromPadded.value, absolute: 1e-6)
        XCTAssertEqual(gru.packed(Variable(Tensor(shape: [0, 3])), lengths: [0, 0]).shape, [0, 2])
    }
}
