import EncoreAutodiff
import XCTest

final class DenseTests: XCTestCase {
    func testDenseForwardGradientsAndModes() {
        var rng = SeededRNG(seed: 1)
        let layer = Dense(inputs: 3, outputs: 2, activation: .tanh, rng: &rng)
        XCTAssertEqual(layer.weight.shape, [3, 2])
        XCTAssertEqual(layer.parameters.count, 2)
        let x = Variable(sample([4, 3], seed: 2))
        let expected = (Tensor.matmul(x.value, layer.weight.value) + layer.bias!.value).tanh()
        assertClose(layer(x).value, expected)
        assertGradients(layer.parameters) { _ in project(layer(x)) }
        XCTAssertFalse(layer(x, mode: .inference).requiresGrad)
        let sparse = SparseMatrix(dense: Tensor([[1, 0, 0], [0, 2, 1]]))
        assertClose(layer(sparse).value, layer(Variable(sparse.toDense())).value)
    }

    func testTiedLayerSharesTransposedWeight() {
        var rng = SeededRNG(seed: 3)
        let encoder = Dense(inputs: 4, outputs: 2, activation: .sigmoid, rng: &rng)
        let decoder = Dense(tiedTo: encoder)
        XCTAssertEqual(decoder.parameters.count, 1)
        XCTAssertTrue(decoder.weight === encoder.weight)
        let x = Variable(sample([3, 4], seed: 4))
        let sparse = SparseMatrix(dense: Tensor([[1, 0], [0, 3]]))
        assertClose(decoder(sparse).value, decoder(Variable(sparse.toDense())).value)
        let all = encoder.parameters + decoder.parameters
        assertGradients(all) { _ in project(decoder(encoder(x))) }
    }

    func testInitializerScales() {
        var rng = SeededRNG(seed: 5)
        let glorot = Initializer.glorotUniform.make([200, 100], fanIn: 200, fanOut: 100, rng: &rng)
        XCTAssertLessThanOrEqual(glorot.abs().max(), (6.0 / 300.0).squareRoot())
        let linear = Initializer.fanInUniform.make([200, 100], fanIn: 200, fanOut: 100, rng: &rng)
        XCTAssertLessThanOrEqual(linear.abs().max(), 1 / Float(200).squareRoot())
        // Uniform on ±1/sqrt(n) has variance 1 / (3n).
        for (kind, variance) in [(Initializer.heNormal, 2.0 / 200), (.lecunNormal, 1.0 / 200), (.glorotNormal, 2.0 / 300),
                                 (.fanInUniform, 1.0 / 600)] {
            let w = kind.make([200, 100], fanIn: 200, fanOut: 100, rng: &rng)
            XCTAssertEqual(Double(w.squaredNorm()) / Double(w.count), variance, accuracy: variance * 0.05, "\(kind)")
        }
        XCTAssertEqual(Initializer.zeros.make([2], fanIn: 1, fanOut: 1, rng: &rng), Tensor(shape: [2]))
        var a = SeededRNG(seed: 9), b = SeededRNG(seed: 9)
        XCTAssertEqual(Dense(inputs: 3, outputs: 3, rng: &a).weight.value, Dense(inputs: 3, outputs: 3, rng: &b).weight.value)
    }
}

final class OptimizerTests: XCTestCase {
    /// Minimises |x - target|^2 from a fixed start and returns the final loss.
    func minimise(_ optimizer: Optimizer, steps: Int = 60) -> (first: Float, last: Float) {
        let target = Tensor(shape: [4], scalars: [1, -2, 0.5, 3])
        let x = Variable(Tensor(shape: [4]), requiresGrad: true)
        var first: Float = 0, last: Float = 0
        for s in 0..<steps {
            let loss = (x - Variable(target)).squared().sum()
            if s == 0 { first = loss.value.scalarValue }
            last = loss.value.scalarValue
            loss.backward()
            optimizer.step([x])
        }
        return (first, last)
    }

    func testEveryOptimizerDecreasesAQuadratic() {
        let optimizers: [Optimizer] = [
            SGD(learningRate: 0.05), SGD(learningRate: 0.05, momentum: 0.9), SGD(learningRate: 0.05, momentum: 0.9, nesterov: true),
            Adam(learningRate: 0.1), AdamW(learningRate: 0.1, weightDecay: 0.001), AdaGrad(learningRate: 0.5),
            RMSProp(learningRate: 0.05), Rprop(learningRate: 0.1),
            SGD(learningRate: 0.1, weightDecay: 0.01, maxGradientNorm: 4, schedule: .exponential(decay: 0.99)),
        ]
        for optimizer in optimizers {
            let (first, last) = minimise(optimizer)
            XCTAssertLessThan(last, first * 0.05, "\(type(of: optimizer)) \(first) -> \(last)")
        }
    }

    func testAdamFirstStepMatchesHandComputation() {
        let x = Variable(Tensor(shape: [2], scalars: [1, -1]), requiresGrad: true)
        (x * Variable(Tensor(shape: [2], scalars: [3, 0.5]))).sum().backward()   // gradient (3, 0.5)
        Adam(learningRate: 0.1).step([x])
        // m = 0.1 g, v = 0.001 g^2; mHat = g, vHat = g^2: step = 0.1 * g / (|g| + 1e-8) = 0.1 sign(g)
        assertClose(x.value, Tensor(shape: [2], scalars: [0.9, -1.1]), absolute: 1e-6)
        XCTAssertNil(x.grad)
    }

    func testSGDStepScheduleAndClipping() {
        XCTAssertEqual(LearningRateSchedule.step(every: 2, factor: 0.5).rate(base: 1, step: 5), 0.25)
        XCTAssertEqual(LearningRateSchedule.exponential(decay: 0.5).rate(base: 2, step: 2), 0.5)
        let x = Variable(Tensor(shape: [2], scalars: [0, 0]), requiresGrad: true)
        (x * Variable(Tensor(shape: [2], scalars: [3, 4]))).sum().backward()   // |g| = 5
        SGD(learningRate: 1, maxGradientNorm: 1).step([x])
        assertClose(x.value, Tensor(shape: [2], scalars: [-0.6, -0.8]))
    }

    func testStateRestoresBitExactly() throws {
        func run(_ optimizer: OptimizerBase, _ x: Variable, steps: Int) {
            for _ in 0..<steps {
                (x.squared() * Variable(Tensor(shape: [3], scalars: [1, 2, 3]))).sum().backward()
                optimizer.step([x])
            }
        }
        let makers: [() -> OptimizerBase] = [
            { Adam(learningRate: 0.05) }, { SGD(learningRate: 0.05, momentum: 0.9) }, { RMSProp(learningRate: 0.01) },
            { Rprop(learningRate: 0.01) }, { AdaGrad(learningRate: 0.1) },
        ]
        for make in makers {
            let original = make(), x = Variable(Tensor(shape: [3], scalars: [1, -2, 3]), requiresGrad: true)
            run(original, x, steps: 3)
            let saved = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(original.state))
            let copy = make(), y = Variable(x.value, requiresGrad: true)
            copy.restore(saved)
            run(original, x, steps: 4)
            run(copy, y, steps: 4)
            XCTAssertEqual(x.value, y.value, "\(type(of: original))")
        }
    }

    /// A state made for other parameters or by another optimizer is named as not fitting before
    /// it is used; a fresh state and the optimizer's own fit.
    func testStateMismatchIsReported() throws {
        let x = Variable(Tensor(shape: [3], scalars: [1, -2, 3]), requiresGrad: true)
        let adam = Adam(learningRate: 0.1)
        XCTAssertNil(adam.stateMismatch(adam.state, parameters: [x]))
        x.squared().sum().backward()
        adam.step([x])
        XCTAssertNil(adam.stateMismatch(adam.state, parameters: [x]))
        let momentum = try XCTUnwrap(SGD(learningRate: 0.1, momentum: 0.9).stateMismatch(adam.state, parameters: [x]))
        XCTAssertTrue(momentum.contains("parameter 0 of shape [3]"), momentum)
        let wider = Variable(Tensor(shape: [2, 3]), requiresGrad: true)
        let shape = try XCTUnwrap(adam.stateMismatch(adam.state, parameters: [wider]))
        XCTAssertTrue(shape.contains("[2, 3]") && shape.contains("[3]"), shape)
        XCTAssertNotNil(adam.stateMismatch(adam.state, parameters: [x, wider]))
    }

    /// Updates split over threads (chunk ends off the eight-lane grid, lane and tail paths both
    /// used) give bit-identical parameters for 1, 2 and 3 threads, for every vectorised optimizer.
    func testUpdatesDoNotDependOnThreadCount() {
        let count = 3 * (1 << 15) + 13
        let start = sample([count], seed: 31)
        let gradients = (0..<3).map { sample([count], seed: 40 + UInt64($0)) }
        func run(_ make: () -> OptimizerBase, threads: Int) -> Tensor {
            let optimizer = make()
            optimizer.threads = threads
            let x = Variable(start, requiresGrad: true)
            for g in gradients {
                (x * Variable(g)).sum().backward()  // d/dx = g
                optimizer.step([x])
            }
            return x.value
        }
        let makers: [() -> OptimizerBase] = [
            { Adam(learningRate: 0.01) }, { AdaGrad(learningRate: 0.1) }, { RMSProp(learningRate: 0.01) },
            { SGD(learningRate: 0.1, momentum: 0.9) },
        ]
        for make in makers {
            let one = run(make, threads: 1)
            XCTAssertNotEqual(one, start)
            for threads in [2, 3] { XCTAssertEqual(run(make, threads: threads), one, "\(type(of: make())) threads \(threads)") }
        }
    }
}
