import EncoreAutodiff
import Testing

// Misuse of the tensor API must stop the program with a message that names the op and the shapes
// involved, in every build configuration. Each test runs the misuse in a child process (an exit
// test) and reads the message from its standard error. Public API only, so the suite also builds
// and runs in release: `swift test -c release --filter ShapeCheckTests`.

/// Checks that an exit test's standard error holds every fragment.
private func expectMessage(
    _ result: ExitTest.Result?, contains fragments: String..., sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let result else { return }  // the exit test itself already failed
    let text = String(decoding: result.standardErrorContent, as: UTF8.self)
    for fragment in fragments {
        #expect(text.contains(fragment), "standard error lacks \"\(fragment)\": \(text)", sourceLocation: sourceLocation)
    }
}

@Suite struct ShapeCheckTests {
    @Test func matmulWithDifferentInnerDimensionsStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.matmul(Tensor(shape: [2, 3]), Tensor(shape: [4, 5]))
        }
        expectMessage(result, contains: "matmul", "a [2, 3]", "b [4, 5]")
    }

    @Test func productWithAPackedOperandOfAnotherDepthStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.matmul(Tensor(shape: [2, 3]), PackedMatrix(Tensor(shape: [4, 5])))
        }
        expectMessage(result, contains: "matmul", "a [2, 3]", "packed b [4, 5]")
    }

    @Test func elementwiseAddOfIncompatibleShapesStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(shape: [2, 3]) + Tensor(shape: [3, 2])
        }
        expectMessage(result, contains: "add", "[2, 3]", "[3, 2]")
    }

    @Test func variableProductOfIncompatibleShapesStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Variable(Tensor(shape: [4, 2]), requiresGrad: true) * Variable(Tensor(shape: [3]))
        }
        expectMessage(result, contains: "multiply", "[4, 2]", "[3]")
    }

    @Test func outOfRangeElementReadStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor(shape: [2, 3], repeating: 1)
            print(x[2, 0])
        }
        expectMessage(result, contains: "Tensor[2, 0]", "out of range", "[2, 3]")
    }

    @Test func outOfRangeFlatReadStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor(shape: [2, 3], repeating: 1)
            print(x[6])
        }
        expectMessage(result, contains: "Tensor[6]", "out of range", "[2, 3]")
    }

    @Test func reshapeToAnotherElementCountStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(shape: [2, 3]).reshaped([4, 2])
        }
        expectMessage(result, contains: "reshaped", "[2, 3]", "[4, 2]")
    }

    @Test func shapeTooLargeToAddressStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = SeededRNG(seed: 1)
            _ = Tensor.uniform([Int.max / 2, 3], low: 0, high: 1, rng: &rng)
        }
        expectMessage(result, contains: "Tensor.uniform", "[\(Int.max / 2), 3]")
    }

    @Test func sparseTimesDenseWithDifferentInnerDimensionsStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let sparse = SparseMatrix(rows: 2, cols: 3, triples: [(0, 1, 1), (1, 2, 2)])
            _ = sparse.multiply(Tensor(shape: [4, 5]))
        }
        expectMessage(result, contains: "SparseMatrix.multiply", "sparse [2, 3]", "dense [4, 5]")
    }

    @Test func sparseTransposedTimesDenseWithDifferentRowsStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let sparse = SparseMatrix(rows: 2, cols: 3, triples: [(0, 1, 1)])
            _ = sparse.transposedMultiply(Tensor(shape: [3, 4]))
        }
        expectMessage(result, contains: "SparseMatrix.transposedMultiply", "sparse [2, 3]", "dense [3, 4]")
    }

    @Test func denseLayerFedTheWrongWidthStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = SeededRNG(seed: 1)
            let layer = Dense(inputs: 3, outputs: 2, rng: &rng)
            _ = layer(Variable(Tensor(shape: [4, 5])))
        }
        expectMessage(result, contains: "Dense", "[batch, 3]", "[4, 5]")
    }

    @Test func denseLayerFedSparseInputOfTheWrongWidthStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = SeededRNG(seed: 1)
            let layer = Dense(inputs: 3, outputs: 2, rng: &rng)
            _ = layer(SparseMatrix(rows: 4, cols: 5))
        }
        expectMessage(result, contains: "Dense", "[batch, 3]", "[4, 5]")
    }

    @Test func squaredErrorWithMismatchedTargetsStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Loss.squaredError(Variable(Tensor(shape: [3]), requiresGrad: true), targets: Tensor(shape: [4]))
        }
        expectMessage(result, contains: "Loss.squaredError", "[3]", "[4]")
    }

    @Test func multinomialLossWithMismatchedSparseTargetsStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Loss.multinomialNegativeLogLikelihood(
                logits: Variable(Tensor(shape: [2, 4]), requiresGrad: true), targets: SparseMatrix(rows: 2, cols: 5))
        }
        expectMessage(result, contains: "Loss.multinomialNegativeLogLikelihood", "[2, 4]", "[2, 5]")
    }

    @Test func optimizerGivenAGradientOfAnotherShapeStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let weight = Variable(Tensor(shape: [2, 2], repeating: 1), requiresGrad: true)
            weight.sum().backward()
            weight.value = Tensor(shape: [3])
            SGD(learningRate: 0.1).step([weight])
        }
        expectMessage(result, contains: "SGD.step", "[3]", "[2, 2]")
    }

    @Test func validShapesStillCompute() {
        // The checks pass valid arguments through unchanged (the same calls as above, well shaped).
        let product = Tensor.matmul(Tensor(shape: [2, 3], repeating: 1), Tensor(shape: [3, 5], repeating: 2))
        #expect(product == Tensor(shape: [2, 5], repeating: 6))
        #expect((Tensor(shape: [2, 3], repeating: 1) + Tensor(shape: [3], repeating: 2)).scalars == [Float](repeating: 3, count: 6))
        let sparse = SparseMatrix(rows: 2, cols: 3, triples: [(0, 1, 1), (1, 2, 2)])
        #expect(sparse.multiply(Tensor(shape: [3, 2], repeating: 1)) == Tensor([[1, 1], [2, 2]]))
        var rng = SeededRNG(seed: 1)
        let layer = Dense(inputs: 3, outputs: 2, rng: &rng)
        #expect(layer(Variable(Tensor(shape: [4, 3]))).shape == [4, 2])
        #expect(Loss.squaredError(Variable(Tensor(shape: [3])), targets: Tensor(shape: [3], repeating: 1)).value.scalarValue == 1)
    }
}
