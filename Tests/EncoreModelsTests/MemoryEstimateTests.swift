import EncoreModels
import XCTest

/// Memory estimates: saturating arithmetic, and the estimates of several zoo models computed by
/// hand from their documented parts.
final class MemoryEstimateTests: XCTestCase {
    func testProductsAndSumsSaturateInsteadOfOverflowing() {
        XCTAssertEqual(MemoryEstimate.product([3, 5, 7]), 105)
        XCTAssertEqual(MemoryEstimate.product([]), 1)
        XCTAssertEqual(MemoryEstimate.product([1 << 31, 1 << 31, 1 << 31]), Int.max)
        XCTAssertEqual(MemoryEstimate.product([Int.max, 2, 0]), 0, "a zero factor wins over an overflow")
        XCTAssertEqual(MemoryEstimate.product([-1, 5]), 0, "a negative size counts as nothing")
        XCTAssertEqual(MemoryEstimate.sum([Int.max, 1]), Int.max)
        XCTAssertEqual(MemoryEstimate.sum([2, -3, 4]), 6)
        var estimate = MemoryEstimate()
        estimate.add("huge", floats: [Int.max / 2, 3])
        estimate.add("small", bytes: 10)
        XCTAssertEqual(estimate.bytes, Int.max)
        XCTAssertEqual(estimate.largest?.name, "huge")
    }

    func testFormatUsesBinaryUnits() {
        XCTAssertEqual(MemoryEstimate.format(512), "512 B")
        XCTAssertEqual(MemoryEstimate.format(1536), "1.50 KiB")
        XCTAssertEqual(MemoryEstimate.format(17 << 30), "17.0 GiB")
        XCTAssertEqual(MemoryEstimate.format(300 << 40), "300 TiB")
        XCTAssertEqual(MemoryEstimate.format(Int.max), "more than 8 EiB")
    }

    func testGradientTrainingCountsValuesGradientsSlotsBestCopyAndCheckpoint() {
        // Adam: 2 slots -> 1 + 1 + 2 + 1 + (2 + 2) = 9 copies; SGD: 1 slot -> 7 copies.
        XCTAssertEqual(MemoryEstimate.gradientTraining(parameters: 100, optimizer: .adam, key: nil).bytes, 9 * 100 * 4)
        XCTAssertEqual(MemoryEstimate.gradientTraining(parameters: 100, optimizer: .sgd, key: nil).bytes, 7 * 100 * 4)
        XCTAssertEqual(MemoryEstimate.denseParameters([10, 4, 3]), 10 * 4 + 4 + 4 * 3 + 3)
    }

    func testMultDAEEstimateByHand() {
        var config = MultDAE.defaultConfig
        config.hiddenSizes = [200]
        config.batchSize = 500
        config.optimizer = .adam
        let dimensions = DataDimensions(users: 1000, items: 3000, interactions: 50_000)
        // Layers 3000 -> 200 -> 3000: 3000*200 + 200 + 200*3000 + 3000 = 1,203,200 parameters,
        // 9 copies of 4 bytes under Adam.
        let training = 9 * 1_203_200 * 4
        let activations = 4 * 500 * 200 * 4  // values, pre-activations, gradients at width 200
        let output = 4 * 500 * 3000 * 4  // logits, softmax, gradients at the items
        let evaluation = 1000 * 200 * 4  // one evaluation batch (min(1024, users)) at width 200
        let estimate = MultDAE.memoryEstimate(config: config, dimensions: dimensions)
        XCTAssertEqual(estimate.bytes, training + activations + output + evaluation)
        XCTAssertEqual(estimate.bytes, 69_715_200)
        // The largest part is the output (keyed batch_size); the parts keyed hidden_sizes add up to more.
        XCTAssertEqual(estimate.largest?.key, "batch_size")
        XCTAssertEqual(estimate.dominantKey, "hidden_sizes")
    }

    func testItemAutoRecEstimateByHand() {
        var config = AutoRecConfig.defaults  // 500 hidden units, batches of 256, Adam
        config.hiddenUnits = 500
        let dimensions = DataDimensions(users: 943, items: 1682, interactions: 90_000)
        // I-AutoRec: inputs are users (943), examples items (1682).
        // Parameters 2 * 943 * 500 + 500 + 943 = 944,443, 9 copies under Adam.
        let training = 9 * 944_443 * 4
        let codes = 4 * 256 * 500 * 4
        let entries = 6 * 90_000 * 4  // min(256 * 943, 90,000) observed entries
        let matrix = 8 * 90_000 + 8 * 1682
        let prediction = 1682 * 500 * 4
        let estimate = ItemAutoRec.memoryEstimate(config: config, dimensions: dimensions)
        XCTAssertEqual(estimate.bytes, training + codes + entries + matrix + prediction)
        XCTAssertEqual(estimate.bytes, 42_305_404)
        // U-AutoRec swaps the roles: 1682 inputs, 943 examples.
        let user = UserAutoRec.memoryEstimate(config: config, dimensions: dimensions)
        XCTAssertEqual(user.parts.first?.bytes, (2 * 1682 * 500 + 500 + 1682) * 4)
    }

    func testClosedFormEstimatesAreTheirItemByItemMatrices() {
        let dimensions = DataDimensions(users: 10, items: 1000, interactions: 100)
        XCTAssertEqual(EASE.memoryEstimate(config: EASE.defaultConfig, dimensions: dimensions).bytes, 1000 * 1000 * 4)
        var grid = EASE.defaultConfig
        grid.lambdaGrid = [10, 100]
        XCTAssertEqual(EASE.memoryEstimate(config: grid, dimensions: dimensions).bytes, 3 * 1000 * 1000 * 4)
        XCTAssertEqual(ItemKNN.memoryEstimate(config: ItemKNN.defaultConfig, dimensions: dimensions).bytes, 2 * 1000 * 1000 * 4)
        XCTAssertEqual(EASE.estimatedBytes(items: Int.max), Int.max)
    }

    func testAbsurdSizesSaturateForEveryModel() {
        // Sizes whose products overflow 64 bits come out as Int.max, never as a trap.
        var autoRec = AutoRecConfig.defaults
        autoRec.hiddenUnits = Int.max
        XCTAssertEqual(ItemAutoRec.memoryEstimate(config: autoRec, dimensions: .smallest).bytes, Int.max)
        var vae = MultVAE.defaultConfig
        vae.latentSize = Int.max
        XCTAssertEqual(MultVAE.memoryEstimate(config: vae, dimensions: .smallest).bytes, Int.max)
        var cdae = CDAE.defaultConfig
        cdae.hiddenSize = 1 << 40
        XCTAssertEqual(CDAE.memoryEstimate(config: cdae, dimensions: DataDimensions(users: 1 << 20, items: 1 << 20, interactions: 1)).bytes, Int.max)
        var deepRec = DeepRecConfig.defaults
        deepRec.encoderSizes = [1 << 40, 1 << 40]
        XCTAssertEqual(DeepRec.memoryEstimate(config: deepRec, dimensions: .smallest).bytes, Int.max)
        var mf = BiasedMFConfig.defaults
        mf.factors = Int.max
        XCTAssertEqual(BiasedMF.memoryEstimate(config: mf, dimensions: .smallest).bytes, Int.max)
    }

    func testEvaluationBuffersCapTheListsAtTheItemCount() {
        let dimensions = DataDimensions(users: 5000, items: 300, interactions: 10_000)
        let ranking = ModelEvaluation.memoryEstimate(task: .ranking, dimensions: dimensions, maxK: 1 << 40)
        XCTAssertEqual(ranking.bytes, 2 * 1024 * 300 * 4 + 1024 * 300 * 4)
        let rating = ModelEvaluation.memoryEstimate(task: .rating, dimensions: dimensions, maxK: 1)
        XCTAssertEqual(rating.bytes, 4 * 10_000 * 4)
    }
}
