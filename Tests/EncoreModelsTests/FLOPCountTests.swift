@testable import EncoreModels
import Foundation
import XCTest

/// The FLOP counts of the gradient models and EASE on tiny hand-made data, against numbers
/// worked out by hand from the layer shapes (each test spells out the terms).
final class FLOPCountTests: XCTestCase {
    /// Implicit training data: 3 rows x 4 items holding 2, 3 and 1 entries (6 in all); validation
    /// histories of 2 users holding 1 and 2 entries (3 in all).
    static let ranking: TrainingData = {
        let train = SparseMatrix(rows: 3, cols: 4, triples: [
            (0, 0, 1), (0, 1, 1), (1, 1, 1), (1, 2, 1), (1, 3, 1), (2, 3, 1),
        ])
        let history = SparseMatrix(rows: 2, cols: 4, triples: [(0, 0, 1), (1, 1, 1), (1, 2, 1)])
        let targets = SparseMatrix(rows: 2, cols: 4, triples: [(0, 3, 1), (1, 0, 1)])
        let validation = RankingTargets(history: history, targets: targets, users: [3, 4], trainingRows: [-1, -1])
        return TrainingData(train: train, trainUsers: [0, 1, 2], validation: .ranking(validation), ratingRange: nil, itemCount: 4)
    }()

    /// Explicit training data: 4 users x 5 items; user 0 rated items 0, 1, 2, user 1 item 1,
    /// user 2 nothing, user 3 items 2, 3 (6 ratings); item 4 is never rated. Validation pairs
    /// (1,0) (1,2) (0,1) (2,1) (1,4) (0,3): 4 have a seen user and item; the seen users among
    /// them are 0 and 1 (4 ratings), the seen items 0, 1, 2, 3 (6 ratings).
    static let rating: TrainingData = {
        let train = SparseMatrix(rows: 4, cols: 5, triples: [
            (0, 0, 4), (0, 1, 3), (0, 2, 5), (1, 1, 2), (3, 2, 4), (3, 3, 1),
        ])
        let pairs = RatingPairs(users: [1, 1, 0, 2, 1, 0], items: [0, 2, 1, 1, 4, 3], ratings: [3, 3, 3, 3, 3, 3])
        return TrainingData(train: train, trainUsers: [0, 1, 2, 3], validation: .ratings(pairs), ratingRange: 1...5, itemCount: 5)
    }()

    func count(_ name: String, _ config: String, _ data: TrainingData, file: StaticString = #filePath, line: UInt = #line) throws -> FLOPCount {
        let entry = try XCTUnwrap(ModelRegistry.standard.entry(named: name), file: file, line: line)
        let model = try entry.make(Data(config.utf8), ModelContext(data: data, rng: SeededRNG(seed: 1), threads: 1))
        return try XCTUnwrap(model.flopCount(data), "\(name) counts no FLOPs", file: file, line: line)
    }

    func shapes(_ products: [GEMMShape]) -> [String] { products.map(\.description) }

    func testMultVAE() throws {
        let count = try self.count("mult-vae", #"{"encoder_sizes": [3], "latent_size": 2, "dropout": 0.5, "batch_size": 2}"#, Self.ranking)
        // Sparse input 4 -> 3 on 6 x 0.5 kept entries, forward and weight gradient: 2 x 2·3·3 = 36.
        // Encoder 3 -> 4 (mean and log-variance), 3 rows, three products: 3 x 2·3·3·4 = 216.
        // Decoder 2 -> 3 -> 4: 3 x 2·3·(2·3 + 3·4) = 324.
        XCTAssertEqual(count.trainingEpoch, 36 + 216 + 324)
        // Validation: sparse 2·3·3 = 18; encoder 2·2·3·4 = 48; decoder 2·2·(6 + 12) = 72.
        XCTAssertEqual(count.evaluation, 18 + 48 + 72)
        XCTAssertEqual(shapes(count.referenceProducts), ["2x4x3 A*B", "2x3x4 A*B^T", "3x4x2 A^T*B"])
    }

    func testMultDAE() throws {
        let count = try self.count("mult-dae", #"{"hidden_sizes": [3, 2], "dropout": 0.5, "batch_size": 5}"#, Self.ranking)
        // Sparse input 4 -> 3 on 3 kept entries: 2 x 2·3·3 = 36; then 3 -> 2 -> 3 -> 4 on 3 rows,
        // three products each: 3 x 2·3·(6 + 6 + 12) = 432.
        XCTAssertEqual(count.trainingEpoch, 36 + 432)
        // Validation: 2·3·3 = 18, then 2·2·24 = 96.
        XCTAssertEqual(count.evaluation, 18 + 96)
        // The batch is capped at the 3 training rows.
        XCTAssertEqual(shapes(count.referenceProducts), ["3x4x3 A*B", "3x3x4 A*B^T", "3x4x3 A^T*B"])
    }

    func testCDAE() throws {
        let count = try self.count("cdae", #"{"hidden_size": 2, "corruption": 0.5, "negatives": 1, "batch_size": 2}"#, Self.ranking)
        // Expected negatives, (4 - p)(1 - (3/4)^p) for rows of p = 2, 3, 1 positives:
        // 2·7/16 + 1·37/64 + 3·1/4 = 2.203125; sampled entries 6 + 2.203125.
        XCTAssertEqual(CDAE.expectedNegatives(positives: 2, items: 4, perPositive: 1), 0.875, accuracy: 1e-12)
        let entries = 6 + 2.203125
        // Corrupted input 4 -> 2 on 3 kept entries, forward and weight gradient: 2 x 2·3·2 = 24;
        // sampled decoder products, three per entry of 2·2 FLOPs.
        XCTAssertEqual(count.trainingEpoch, 24 + 3 * 2 * 2 * entries, accuracy: 1e-9)
        // Validation: sparse 2·3·2 = 12, dense decoder 2·2·4·2 = 32.
        XCTAssertEqual(count.evaluation, 12 + 32)
        XCTAssertEqual(shapes(count.referenceProducts), ["2x4x2 A*B", "2x2x4 A*B^T", "2x4x2 A^T*B"])
        // The same count without the user node (dae): the user vectors are gathered, not multiplied.
        XCTAssertEqual(try self.count("dae", #"{"hidden_size": 2, "corruption": 0.5, "negatives": 1}"#, Self.ranking).trainingEpoch,
                       count.trainingEpoch, accuracy: 1e-9)
    }

    /// The expected negatives match what the sampler keeps, on average over many epochs.
    func testExpectedNegativesMatchTheSampler() throws {
        let train = SparseMatrix(rows: 2, cols: 10, triples: [(0, 0, 1), (0, 1, 1), (0, 2, 1), (1, 9, 1)])
        var rng = SeededRNG(seed: 5)
        let epochs = 10_000
        var kept = 0
        for _ in 0..<epochs { kept += CDAE.sampleNegatives(train, perPositive: 3, rng: &rng).1.count }
        let expected = CDAE.expectedNegatives(positives: 3, items: 10, perPositive: 3)
            + CDAE.expectedNegatives(positives: 1, items: 10, perPositive: 3)
        XCTAssertEqual(Double(kept) / Double(epochs), expected, accuracy: 0.05)
        XCTAssertEqual(CDAE.expectedNegatives(positives: 3, items: 10, perPositive: 0), 0)
        XCTAssertEqual(CDAE.expectedNegatives(positives: 10, items: 10, perPositive: 5), 0)
        XCTAssertEqual(CDAE.expectedNegatives(positives: 0, items: 1, perPositive: 5), 0)
    }

    func testAutoRec() throws {
        let item = try count("i-autorec", #"{"hidden_units": 2, "batch_size": 2}"#, Self.rating)
        // 6 ratings, 2 hidden units: sparse encoder forward and weight gradient 2 x 2·6·2, sampled
        // decoder output, code gradient and weight gradient 3 x 2·6·2: 10·6·2 = 120.
        XCTAssertEqual(item.trainingEpoch, 120)
        // Codes of the 4 seen items (6 ratings): 2·6·2 = 24; 4 predicted pairs: 2·4·2 = 16.
        XCTAssertEqual(item.evaluation, 24 + 16)
        // Examples are items (batch 2), inputs the 4 users.
        XCTAssertEqual(shapes(item.referenceProducts), ["2x4x2 A*B", "2x2x4 A*B^T", "2x4x2 A^T*B"])
        let user = try count("u-autorec", #"{"hidden_units": 2, "batch_size": 2}"#, Self.rating)
        XCTAssertEqual(user.trainingEpoch, 120)
        // Codes of the 2 seen users (4 ratings): 2·4·2 = 16; 4 predicted pairs: 16.
        XCTAssertEqual(user.evaluation, 16 + 16)
        XCTAssertEqual(shapes(user.referenceProducts), ["2x5x2 A*B", "2x2x5 A*B^T", "2x5x2 A^T*B"])
    }

    func testDeepRecCountsTheRefeedPass() throws {
        let config = #"{"encoder_sizes": [3, 2], "batch_size": 2, "refeed_steps": 1}"#
        let count = try self.count("deeprec", config, Self.rating)
        // Layers 5 -> 3 -> 2 -> 3 -> 5 on 4 users. First pass: sparse input layer on 6 ratings,
        // forward and weight gradient 2 x 2·6·3 = 72; the others three products each:
        // 3 x 2·4·(3·2 + 2·3 + 3·5) = 648.
        // Re-feed pass: dense input layer [4, 5] x [5, 3], forward and weight gradient (detached
        // input): 2 x 2·4·5·3 = 240; then the same 648.
        XCTAssertEqual(count.trainingEpoch, (72 + 648) + (240 + 648))
        let noRefeed = try self.count("deeprec", #"{"encoder_sizes": [3, 2], "batch_size": 2, "refeed_steps": 0}"#, Self.rating)
        XCTAssertEqual(noRefeed.trainingEpoch, 72 + 648)
        // Validation: the 2 seen users (4 ratings) through the sparse layer 2·4·3 = 24 and the
        // dense ones 2·2·27 = 108.
        XCTAssertEqual(count.evaluation, 24 + 108)
        XCTAssertEqual(shapes(count.referenceProducts), ["2x5x3 A*B", "2x3x5 A*B^T", "3x5x2 A^T*B"])
    }

    func testBiasedMF() throws {
        let count = try self.count("biased-mf", #"{"factors": 2}"#, Self.rating)
        // One dot product of 2 factors per rating, forward and both factor gradients: 3 x 2·6·2.
        XCTAssertEqual(count.trainingEpoch, 72)
        // One dot product per predicted pair: 2·4·2.
        XCTAssertEqual(count.evaluation, 16)
        XCTAssertTrue(count.referenceProducts.isEmpty)
    }

    func testSVAE() throws {
        let config = #"{"item_embedding_size": 2, "rnn_size": 2, "hidden_size": 2, "latent_size": 1, "batch_size": 2}"#
        let count = try self.count("svae", config, Self.ranking)
        // Sequences of 2, 3, 1 items: 1 + 2 training steps (the third user has none), 2 sequences.
        // Input projection [3, 2] x [2, 6], three products: 3 x 2·3·2·6 = 216.
        // Recurrent [., 2] x [2, 6]: forward and weight gradient at 3 steps, state gradient at the
        // 3 - 2 steps after a sequence's first: 2·(3 + 3 + 1)·2·6 = 168.
        // Encoder 2 -> 2 -> 2: 3 x 2·3·(4 + 4) = 144; decoder 1 -> 2 -> 4: 3 x 2·3·(2 + 8) = 180.
        XCTAssertEqual(count.trainingEpoch, 216 + 168 + 144 + 180)
        // Validation histories of 1 and 2 items, 3 steps: GRU 2·3·2·6 + 2·3·2·6 = 144; the last
        // steps of 2 users through the encoder 2·2·8 = 32 and the decoder 2·2·10 = 40.
        XCTAssertEqual(count.evaluation, 144 + 32 + 40)
        // 3 steps over 2 batches: 2 rows (1.5 rounded).
        XCTAssertEqual(shapes(count.referenceProducts), ["2x4x2 A*B", "2x2x4 A*B^T", "2x4x2 A^T*B"])
    }

    func testEASE() throws {
        let count = try self.count("ease", "", Self.ranking)
        // Gram pairs p(p + 1)/2 for rows of 2, 3, 1 entries: 3 + 6 + 1 multiply-adds, 20 FLOPs;
        // the SPD inverse (Cholesky, triangular inverse, product: n³/3 FLOPs each) 4³ = 64 FLOPs.
        XCTAssertEqual(count.trainingEpoch, 20 + 64)
        // Validation histories (3 entries) times the [4, 4] weights: 2·3·4.
        XCTAssertEqual(count.evaluation, 24)
        XCTAssertEqual(shapes(count.referenceProducts), ["1x1x1 A*B"], "a quarter of the order each way")
    }

    /// Models that do no matrix products say nothing.
    func testBaselinesCountNothing() throws {
        for (name, data) in [("popularity", Self.ranking), ("item-mean", Self.rating)] {
            let entry = try XCTUnwrap(ModelRegistry.standard.entry(named: name))
            let model = try entry.make(Data(), ModelContext(data: data, rng: SeededRNG(seed: 1), threads: 1))
            XCTAssertNil(model.flopCount(data), name)
        }
    }

    func testLayerHelpersAgreeWithTheProducts() {
        let products = GEMMShape.denseLayerTraining(rows: 7, inputs: 5, outputs: 3)
        XCTAssertEqual(products.reduce(0) { $0 + $1.flops }, FLOPCount.denseLayerTraining(rows: 7, inputs: 5, outputs: 3))
        XCTAssertEqual(FLOPCount.denseLayerTraining(rows: 7, inputs: 5, outputs: 3, inputGradient: false), 2 * 2 * 7 * 5 * 3)
        XCTAssertEqual(FLOPCount.denseChainForward(rows: 2, widths: [4, 3, 2]), 2 * 2 * 12 + 2 * 2 * 6)
        XCTAssertEqual(FLOPCount.denseChainForward(rows: 2, widths: [4]), 0)
        XCTAssertEqual(GEMMShape(m: 2, n: 3, k: 4, transposeA: true, transposeB: true).description, "2x3x4 A^T*B^T")
    }
}
