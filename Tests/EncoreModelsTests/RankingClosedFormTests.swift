import EncoreModels
import XCTest

/// EASE against a naive dense solve, ItemKNN and Popularity by hand, memory limits, and the
/// beats-Popularity checks of the closed-form rankers.
final class RankingClosedFormTests: XCTestCase {
    let data = RankingTestSupport.split.trainingData

    /// Gauss-Jordan inverse in Double (the naive reference).
    func naiveInverse(_ a: [[Double]]) -> [[Double]] {
        let n = a.count
        var m = a.enumerated().map { i, row in row + (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for c in 0..<n {
            let pivot = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, pivot)
            let p = m[c][c]
            m[c] = m[c].map { $0 / p }
            for r in 0..<n where r != c {
                let f = m[r][c]
                m[r] = zip(m[r], m[c]).map { $0 - f * $1 }
            }
        }
        return m.map { Array($0[n...]) }
    }

    func testEASEMatchesNaiveDenseSolveAndHasZeroDiagonal() throws {
        var rng = SeededRNG(seed: 5)
        let (users, items) = (30, 12)
        var triples: [(row: Int, col: Int, value: Float)] = []
        for u in 0..<users { for i in 0..<items where rng.uniform() < 0.3 { triples.append((u, i, 1)) } }
        let x = SparseMatrix(rows: users, cols: items, triples: triples)
        let dense = x.toDense()
        let lambda: Float = 3
        var g = [[Double]](repeating: [Double](repeating: 0, count: items), count: items)
        for i in 0..<items { for j in 0..<items { for u in 0..<users { g[i][j] += Double(dense[u, i] * dense[u, j]) } } }
        for i in 0..<items { g[i][i] += Double(lambda) }
        let p = naiveInverse(g)
        let b = try EASE.solve(gram: x.gram(), lambda: lambda, threads: 1)
        XCTAssertEqual(b.shape, [items, items])
        for i in 0..<items {
            for j in 0..<items {
                let expected = i == j ? 0 : -p[i][j] / p[j][j]
                XCTAssertEqual(Double(b[i, j]), expected, accuracy: 1e-4, "B[\(i), \(j)]")
            }
        }
    }

    func testEASEFitScoresShapeAndGridPicksBestValidation() throws {
        let model = try XCTUnwrap(try RankingTestSupport.make("ease", #"{"lambda_grid": [1, 50, 5000]}"#, data: data) as? EASE)
        let report = try RankingTestSupport.fit(model, data: data, epochs: 1)
        XCTAssertEqual(report.curve.count, 3)
        let values = report.curve.compactMap(\.validation)
        XCTAssertEqual(report.bestValidation, values.max())
        let best = [Float(1), 50, 5000][values.firstIndex(of: values.max()!)!]
        XCTAssertEqual(model.chosenLambda, best)
        let (scores, history) = try RankingTestSupport.testScores(model)
        XCTAssertEqual(scores.shape, [history.rows, data.itemCount])
        XCTAssertEqual(model.parameterCount, data.itemCount * data.itemCount)
    }

    func testMemoryLimitStopsBeforeAllocating() throws {
        let context = ModelContext(trainRows: 10, itemCount: 20_000, ratingRange: nil, rng: SeededRNG(seed: 1), threads: 1)
        var config = EASE.defaultConfig
        config.memoryLimitMb = 1000
        XCTAssertThrowsError(try EASE(config: config, context: context)) { error in
            guard case ModelError.memoryLimit(let needed, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(needed, 20_000 * 20_000 * 4)
        }
        var knn = ItemKNN.defaultConfig
        knn.memoryLimitMb = 100
        XCTAssertThrowsError(try ItemKNN(config: knn, context: context))
    }

    func testPopularityCountsAndItemKNNByHand() throws {
        // Users: {0,1}, {0,1,2}, {0}, {2,3}. Item counts 3, 2, 2, 1.
        let x = SparseMatrix(rows: 4, cols: 4, triples: [(0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1), (1, 2, 1), (2, 0, 1), (3, 2, 1), (3, 3, 1)])
        let data = TrainingData(train: x, trainUsers: Array(0..<4),
                                validation: .ranking(RankingTargets(history: x.rows(0..<1), targets: x.rows(3..<4), users: [0], trainingRows: [0])),
                                ratingRange: nil, itemCount: 4)
        let popularity = try RankingTestSupport.make("popularity", data: data)
        _ = try RankingTestSupport.fit(popularity, data: data, epochs: 1)
        let scores = (popularity as! Popularity).scores(history: x.rows(0..<2), trainingRows: [-1, -1])
        XCTAssertEqual(scores.scalars, [3, 2, 2, 1, 3, 2, 2, 1])

        let knn = try XCTUnwrap(try RankingTestSupport.make("item-knn", #"{"neighbours": 1, "shrinkage": 0}"#, data: data) as? ItemKNN)
        _ = try RankingTestSupport.fit(knn, data: data, epochs: 1)
        // cos(0,1) = 2/sqrt(3*2) = 0.816 is item 1's best neighbour and item 0's; item 2's best is 3
        // (1/sqrt(2) = 0.707 > cos(1,2) = 0.5 > cos(0,2) = 0.408); item 3's is 2.
        let s = knn.similarities
        XCTAssertEqual(s[1, 0], 2 / Float(6).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s[0, 1], 2 / Float(6).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s[3, 2], 1 / Float(2).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s[2, 3], 1 / Float(2).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s.scalars.filter { $0 != 0 }.count, 4)
        let user = knn.scores(history: SparseMatrix(rows: 1, cols: 4, triples: [(0, 1, 1)]), trainingRows: [-1])
        XCTAssertEqual(user[0, 0], 2 / Float(6).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(user[0, 2], 0)
    }

    func testItemKNNShrinkageLowersSimilarities() throws {
        let plain = try XCTUnwrap(try RankingTestSupport.make("item-knn", #"{"shrinkage": 0}"#, data: data) as? ItemKNN)
        let shrunk = try XCTUnwrap(try RankingTestSupport.make("item-knn", #"{"shrinkage": 50}"#, data: data) as? ItemKNN)
        _ = try RankingTestSupport.fit(plain, data: data, epochs: 1)
        _ = try RankingTestSupport.fit(shrunk, data: data, epochs: 1)
        XCTAssertLessThan(shrunk.similarities.sum(), plain.similarities.sum())
        let (scores, history) = try RankingTestSupport.testScores(plain)
        XCTAssertEqual(scores.shape, [history.rows, data.itemCount])
    }

    func testEASEBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity("ease", #"{"lambda": 20}"#, epochs: 1)
    }

    func testItemKNNBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity("item-knn", #"{"neighbours": 30}"#, epochs: 1)
    }
}
