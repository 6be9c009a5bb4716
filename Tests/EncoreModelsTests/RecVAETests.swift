import EncoreModels
import Foundation
import XCTest

/// RecVAE: its phases, which parameters each phase's loss reaches, the composite prior against a
/// direct computation, the loss's gradient, resuming, and beating Popularity on planted data
/// (shapes and falling losses are also checked for every model by `RegistryModelTests`).
final class RecVAETests: XCTestCase {
    let data = RankingTestSupport.split.trainingData
    static let small = #"{"hidden_size": 16, "hidden_layers": 3, "latent_size": 8, "batch_size": 64}"#

    func make(_ config: String = RecVAETests.small, seed: UInt64 = 1) throws -> RecVAE {
        try XCTUnwrap(try RankingTestSupport.make("recvae", config, data: data, seed: seed) as? RecVAE)
    }

    func testPhasesSplitTheParametersAndFollowTheConfig() throws {
        let model = try make(#"{"hidden_size": 16, "latent_size": 8, "encoder_epochs": 3, "decoder_epochs": 2}"#)
        let phases = model.trainingPhases
        XCTAssertEqual(phases.map(\.name), ["encoder", "decoder"])
        XCTAssertEqual(phases.map(\.passes), [3, 2])
        XCTAssertEqual(phases.map(\.reportsLoss), [true, false])
        let all = model.parameters.map(ObjectIdentifier.init)
        XCTAssertEqual(phases.flatMap(\.parameters).map(ObjectIdentifier.init), all, "the phases partition the parameters")
        let (items, hidden, latent) = (data.itemCount, 16, 8)
        // Five dense layers with LayerNorm gain and bias, two heads, the decoder.
        let encoder = items * hidden + hidden + 4 * (hidden * hidden + hidden) + 5 * 2 * hidden + 2 * (hidden * latent + latent)
        XCTAssertEqual(model.parameterCount, encoder + latent * items + items)
    }

    func testEncoderPhaseReachesOnlyTheEncoderAndDecoderPhaseOnlyTheDecoder() throws {
        let model = try make()
        let phases = model.trainingPhases
        for (index, phase) in phases.enumerated() {
            model.preparePhase(index, epoch: 1, data: data)
            var rng = SeededRNG(seed: 5)
            let loss = model.loss(batch: Array(0..<20), data: data, step: TrainingStep(epoch: 1, update: 0, batch: 0, phase: index), rng: &rng)
            XCTAssertTrue(loss.value.scalarValue.isFinite)
            loss.backward()
            XCTAssertTrue(phase.parameters.allSatisfy { $0.grad != nil }, "\(phase.name): a parameter of the phase got no gradient")
            let inside = Set(phase.parameters.map(ObjectIdentifier.init))
            let outside = model.parameters.filter { !inside.contains(ObjectIdentifier($0)) }
            XCTAssertTrue(outside.allSatisfy { $0.grad == nil }, "\(phase.name): a frozen parameter got a gradient")
            for parameter in model.parameters { parameter.zeroGrad() }
        }
    }

    func testCompositePriorMatchesADirectComputation() {
        var rng = SeededRNG(seed: 3)
        let shape = [4, 11]
        let z = Tensor.normal(shape, standardDeviation: 2, rng: &rng)
        let mean = Tensor.normal(shape, rng: &rng), logVariance = Tensor.normal(shape, rng: &rng)
        let weights: [Float] = [3.0 / 20, 3.0 / 4, 1.0 / 10]
        let density = RecVAEEncoder.compositePriorLogDensity(
            Variable(z), previousMean: mean, previousLogVariance: logVariance, weights: weights, wideLogVariance: 10).value
        func normal(_ x: Double, _ mu: Double, _ logVar: Double) -> Double {
            Foundation.exp(-0.5 * (logVar + Foundation.log(2 * Double.pi) + (x - mu) * (x - mu) / Foundation.exp(logVar)))
        }
        for i in 0..<z.count {
            let x = Double(z[i])
            let expected = Foundation.log(
                Double(weights[0]) * normal(x, 0, 0) + Double(weights[1]) * normal(x, Double(mean[i]), Double(logVariance[i]))
                    + Double(weights[2]) * normal(x, 0, 10))
            XCTAssertEqual(Double(density[i]), expected, accuracy: 1e-5 * max(1, abs(expected)), "element \(i)")
        }
    }

    func testCompositePriorGradient() {
        var rng = SeededRNG(seed: 4)
        let z = Variable(Tensor.normal([3, 5], rng: &rng), requiresGrad: true)
        let mean = Tensor.normal([3, 5], rng: &rng), logVariance = Tensor.normal([3, 5], rng: &rng)
        let report = GradientCheck.check([z]) { v in
            RecVAEEncoder.compositePriorLogDensity(
                v[0], previousMean: mean, previousLogVariance: logVariance, weights: [0.15, 0.75, 0.1], wideLogVariance: 10).sum()
        }
        XCTAssertLessThan(report.maxError, 2e-3, "\(report)")
    }

    /// The whole encoder-phase loss (reconstruction, posterior, composite prior, per-user KL
    /// weights) differentiated with respect to the heads and a LayerNorm gain, the noise and
    /// dropout drawn from the same seed at every evaluation.
    func testEncoderPhaseLossGradient() throws {
        let model = try make(#"{"hidden_size": 6, "hidden_layers": 2, "latent_size": 3}"#)
        let phase = model.trainingPhases[0].parameters
        // Per hidden layer: weight, bias, gain, LayerNorm bias; then the two heads.
        let checked = [phase[6], phase[8], phase[9], phase[10], phase[11]]
        model.preparePhase(0, epoch: 1, data: data)
        let report = GradientCheck.check(checked, step: 1e-2) { _ in
            var rng = SeededRNG(seed: 8)
            return model.loss(batch: Array(0..<6), data: data, step: TrainingStep(epoch: 1, update: 0, batch: 0), rng: &rng)
        }
        XCTAssertLessThan(report.maxError, 5e-3, "\(report)")
    }

    func testResumingEndsBitIdentical() throws {
        final class Box: @unchecked Sendable { var checkpoints: [Data] = [] }
        let saved = Box()
        func session() -> TrainingSession {
            TrainingSession(selectionMetric: RankingTestSupport.ndcg, rng: SeededRNG(seed: 11), maxEpochs: 4, patience: 1000,
                            threads: 2, evaluationBatchSize: 64)
        }
        var full = session()
        full.checkpointInterval = 2
        full.saveCheckpoint = { saved.checkpoints.append($0) }
        let uninterrupted = try make()
        let fullReport = try uninterrupted.fit(data, session: full)
        var resumed = session()
        resumed.resumeFrom = saved.checkpoints[0]
        let second = try make()
        let resumedReport = try second.fit(data, session: resumed)
        XCTAssertEqual(resumedReport.curve.map(\.loss), fullReport.curve.map(\.loss))
        XCTAssertEqual(second.parameters.map(\.value), uninterrupted.parameters.map(\.value))
    }

    func testLossFallsAndScoresHaveTheRightShape() throws {
        let model = try make()
        let report = try RankingTestSupport.fit(model, data: data, epochs: 6)
        let (first, last) = try RankingTestSupport.firstAndLastLoss(report)
        XCTAssertLessThan(last, first)
        XCTAssertEqual(report.updatesPerEpoch, 4 * ((data.train.rows + 63) / 64))
        let (scores, history) = try RankingTestSupport.testScores(model)
        XCTAssertEqual(scores.shape, [history.rows, data.itemCount])
        XCTAssertTrue(scores.scalars.allSatisfy(\.isFinite))
    }

    func testBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity(
            "recvae", #"{"hidden_size": 64, "hidden_layers": 3, "latent_size": 16, "batch_size": 32, "learning_rate": 0.003}"#,
            epochs: 10)
    }

    func testMemoryEstimateCountsBothEncodersAndSaturates() {
        let dimensions = DataDimensions(users: 1000, items: 300, interactions: 10_000)
        var config = RecVAE.defaultConfig
        config.hiddenSize = 10
        config.hiddenLayers = 2
        config.latentSize = 4
        let estimate = RecVAE.memoryEstimate(config: config, dimensions: dimensions)
        let encoder = (300 * 10 + 10) + (10 * 10 + 10) + 2 * 2 * 10 + 2 * (10 * 4 + 4)
        let decoder = 4 * 300 + 300
        let part = { (name: String) in estimate.parts.first { $0.name.hasPrefix(name) }?.bytes }
        XCTAssertEqual(part("parameters"), 4 * (encoder + decoder))
        XCTAssertEqual(part("the prior's initial encoder"), 4 * encoder)
        XCTAssertEqual(part("posterior of every training user"), 4 * 2 * 1000 * 4)
        config.latentSize = Int.max
        XCTAssertEqual(RecVAE.memoryEstimate(config: config, dimensions: .smallest).bytes, Int.max)
    }

    func testInvalidConfigsNameTheirKeys() {
        var config = RecVAE.defaultConfig
        config.mixtureWeights = [0.5, 0.5]
        config.encoderEpochs = 0
        config.hiddenLayers = 0
        config.gamma = -1
        XCTAssertEqual(Set(RecVAE.configProblems(config).map(\.baseKey)), ["mixture_weights", "encoder_epochs", "hidden_layers", "gamma"])
        config = RecVAE.defaultConfig
        config.mixtureWeights = [0.5, 0, 0.5]
        XCTAssertEqual(RecVAE.configProblems(config).map(\.key), ["mixture_weights[1]"])
        XCTAssertThrowsError(try RankingTestSupport.make("recvae", #"{"dropout": 1}"#, data: data))
    }
}
