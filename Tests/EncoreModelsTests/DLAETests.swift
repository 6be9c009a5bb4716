import EncoreModels
import XCTest

/// DLAE and EDLAE against a naive solve of their dropout objectives, the limits Steck (2020)
/// states, their relation to EASE, the grid, the config rules and the memory limit.
final class DLAETests: XCTestCase {
    let data = RankingTestSupport.split.trainingData

    /// `rows x items` values in {0, 1, 2} with every item present (so `diag(XᵀX) > 0`).
    func smallMatrix(rows: Int, items: Int, seed: UInt64) -> SparseMatrix {
        var rng = SeededRNG(seed: seed)
        var triples: [(row: Int, col: Int, value: Float)] = []
        for u in 0..<rows {
            for i in 0..<items where rng.uniform() < 0.5 || u == i % rows { triples.append((u, i, rng.uniform() < 0.3 ? 2 : 1)) }
        }
        return SparseMatrix(rows: rows, cols: items, triples: triples)
    }

    /// Solves `a·x = b` by Gaussian elimination with partial pivoting, in Double.
    func naiveSolve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var m = zip(a, b).map { $0 + [$1] }
        for c in 0..<n {
            let pivot = (c..<n).max { abs(m[$0][c]) < abs(m[$1][c]) }!
            m.swapAt(c, pivot)
            for r in (c + 1)..<max(c + 1, n) {
                let f = m[r][c] / m[c][c]
                m[r] = zip(m[r], m[c]).map { $0 - f * $1 }
            }
        }
        var x = [Double](repeating: 0, count: n)
        for r in stride(from: n - 1, through: 0, by: -1) {
            x[r] = (m[r][n] - ((r + 1)..<n).reduce(0) { $0 + m[r][$1] * x[$1] }) / m[r][r]
        }
        return x
    }

    /// The minimiser of the training objective itself, without the closed form: the expected
    /// squared error over every dropout mask of every row (entry kept with probability `1 − p`
    /// and scaled by `1/(1−p)`), plus `λ‖B‖²`. DLAE counts the error at every entry; EDLAE only
    /// at dropped-out entries, weighted `1/p`. Each column of `B` is a least-squares problem
    /// `(Σ w·x̃x̃ᵀ + λI)·β = Σ w·x_j·x̃`, solved densely.
    func naiveDropoutSolution(_ x: SparseMatrix, dropout p: Double, lambda: Double, emphasized: Bool) -> [[Double]] {
        let dense = x.toDense()
        let n = x.cols
        var b = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for j in 0..<n {
            var h = (0..<n).map { a in (0..<n).map { $0 == a ? lambda : 0 } }
            var c = [Double](repeating: 0, count: n)
            for u in 0..<x.rows {
                for mask in 0..<(1 << n) {
                    var probability = 1.0
                    var input = [Double](repeating: 0, count: n)
                    for i in 0..<n {
                        let kept = mask & (1 << i) != 0
                        probability *= kept ? 1 - p : p
                        input[i] = kept ? Double(dense[u, i]) / (1 - p) : 0
                    }
                    let weight = probability * (emphasized ? (mask & (1 << j) == 0 ? 1 / p : 0) : 1)
                    guard weight > 0 else { continue }
                    for a in 0..<n {
                        c[a] += weight * Double(dense[u, j]) * input[a]
                        for e in 0..<n { h[a][e] += weight * input[a] * input[e] }
                    }
                }
            }
            let column = naiveSolve(h, c)
            for i in 0..<n { b[i][j] = column[i] }
        }
        return b
    }

    func assertMatches(_ b: Tensor, _ expected: [[Double]], accuracy: Double, _ what: String) {
        XCTAssertEqual(b.shape, [expected.count, expected.count], what)
        for i in 0..<expected.count {
            for j in 0..<expected.count {
                XCTAssertEqual(Double(b[i, j]), expected[i][j], accuracy: accuracy, "\(what) B[\(i), \(j)]")
            }
        }
    }

    func testDLAEMinimisesTheExpectedDropoutLoss() throws {
        let x = smallMatrix(rows: 9, items: 5, seed: 3)
        for (p, lambda) in [(0.25, 0.5), (0.6, 2.0), (0.5, 0.0)] {
            let b = try DLAE.solve(gram: x.gram(), lambda: Float(lambda), dropout: Float(p), emphasized: false, threads: 1)
            assertMatches(b, naiveDropoutSolution(x, dropout: p, lambda: lambda, emphasized: false), accuracy: 1e-4,
                          "DLAE p \(p) lambda \(lambda)")
        }
    }

    func testEDLAEMinimisesTheEmphasizedDropoutLoss() throws {
        let x = smallMatrix(rows: 9, items: 5, seed: 4)
        for (p, lambda) in [(0.25, 0.5), (0.6, 2.0), (0.1, 0.01)] {
            let b = try DLAE.solve(gram: x.gram(), lambda: Float(lambda), dropout: Float(p), emphasized: true, threads: 1)
            assertMatches(b, naiveDropoutSolution(x, dropout: p, lambda: lambda, emphasized: true), accuracy: 1e-4,
                          "EDLAE p \(p) lambda \(lambda)")
        }
    }

    /// Without dropout and with λ → 0, DLAE is the identity (it overfits towards it); EDLAE's
    /// diagonal is zero whatever the penalty.
    func testWithoutPenaltyDLAEIsTheIdentityAndEDLAENeverIs() throws {
        let x = smallMatrix(rows: 40, items: 6, seed: 5)
        let gram = x.gram()
        var identity = Tensor(shape: [6, 6])
        for i in 0..<6 { identity[i, i] = 1 }
        let nearIdentity = try DLAE.solve(gram: gram, lambda: 1e-3, dropout: 0, emphasized: false, threads: 1)
        XCTAssertLessThan((nearIdentity - identity).abs().max(), 1e-3)
        let regularized = try DLAE.solve(gram: gram, lambda: 10, dropout: 0, emphasized: false, threads: 1)
        XCTAssertGreaterThan((regularized - identity).abs().max(), 0.1, "λ moves B away from the identity")
        for (lambda, p) in [(Float(1e-3), Float(0)), (1e-3, 1e-4), (10, 0.5)] {
            let b = try DLAE.solve(gram: gram, lambda: lambda, dropout: p, emphasized: true, threads: 1)
            for i in 0..<6 { XCTAssertEqual(b[i, i], 0, "EDLAE diagonal, λ \(lambda) p \(p)") }
            XCTAssertGreaterThan(b.abs().max(), 0.01, "EDLAE predicts each item from the others")
        }
    }

    /// Dropout is only an L2 penalty: DLAE's diagonal `1 − d_j·P[j, j]` stays in (0, 1) for
    /// every p < 1, and its trace falls as p grows.
    func testDropoutShrinksTheDiagonalWithoutRemovingIt() throws {
        let gram = smallMatrix(rows: 30, items: 8, seed: 6).gram()
        var previousTrace = Float.infinity
        for p: Float in [0, 0.1, 0.3, 0.5, 0.7, 0.9] {
            let b = try DLAE.solve(gram: gram, lambda: 1, dropout: p, emphasized: false, threads: 1)
            let diagonal = (0..<8).map { b[$0, $0] }
            XCTAssertTrue(diagonal.allSatisfy { $0 > 0 && $0 < 1 }, "p \(p): \(diagonal)")
            let trace = diagonal.reduce(0, +)
            XCTAssertLessThan(trace, previousTrace, "p \(p)")
            previousTrace = trace
        }
    }

    /// EDLAE without dropout is EASE, bit for bit; with dropout it is EASE with the penalty
    /// `λ + p/(1−p)·G[j, j]`, and DLAE's off-diagonal weights are EDLAE's scaled per column by
    /// `1 − B_DLAE[j, j]` (both are `−P[i, j]` times a per-column factor).
    func testEDLAERelatesToEASEAndToDLAE() throws {
        let gram = RankingTestSupport.split.trainingData.train.gram()
        let n = gram.rows
        XCTAssertEqual(try DLAE.solve(gram: gram, lambda: 30, dropout: 0, emphasized: true, threads: 2),
                       try EASE.solve(gram: gram, lambda: 30, threads: 2))
        let emphasized = try DLAE.solve(gram: gram, lambda: 30, dropout: 0.4, emphasized: true, threads: 2)
        let free = try DLAE.solve(gram: gram, lambda: 30, dropout: 0.4, emphasized: false, threads: 2)
        XCTAssertNotEqual(emphasized, try EASE.solve(gram: gram, lambda: 30, threads: 2))
        var largest: Float = 0
        for i in 0..<n {
            for j in 0..<n where i != j {
                let expected = emphasized[i, j] * (1 - free[j, j])
                XCTAssertEqual(free[i, j], expected, accuracy: 1e-5 + 1e-3 * abs(expected), "B[\(i), \(j)]")
                largest = max(largest, abs(expected))
            }
        }
        XCTAssertGreaterThan(largest, 0.01)
    }

    func testFitTriesEveryGridPointFromOneGramAndKeepsTheBest() throws {
        let model = try XCTUnwrap(try RankingTestSupport.make(
            "edlae", #"{"lambda_grid": [1, 200], "dropout_grid": [0.1, 0.6]}"#, data: data) as? DLAE)
        var session = TrainingSession(selectionMetric: RankingTestSupport.ndcg, rng: SeededRNG(seed: 11), threads: 2,
                                      evaluationBatchSize: 64)
        session.gramCache = GramCache()
        let report = try model.fit(data, session: session)
        XCTAssertEqual(report.curve.map(\.epoch), [1, 2, 3, 4])
        XCTAssertTrue(try XCTUnwrap(session.gramCache).holds(data.train))
        let values = report.curve.compactMap(\.validation)
        XCTAssertEqual(report.bestValidation, values.max())
        let points: [(Float, Float)] = [(1, 0.1), (1, 0.6), (200, 0.1), (200, 0.6)]
        let best = points[values.firstIndex(of: values.max()!)!]
        XCTAssertEqual(model.chosenLambda, best.0)
        XCTAssertEqual(model.chosenDropout, best.1)
        XCTAssertEqual(model.weights, try DLAE.solve(gram: data.train.gram(), lambda: best.0, dropout: best.1,
                                                     emphasized: true, threads: 2))
        let (scores, history) = try RankingTestSupport.testScores(model)
        XCTAssertEqual(scores.shape, [history.rows, data.itemCount])
        XCTAssertEqual(model.parameterCount, data.itemCount * data.itemCount)
    }

    func testDLAEBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity("dlae", #"{"lambda": 20, "dropout": 0.3}"#, epochs: 1)
    }

    func testEDLAEBeatsPopularity() throws {
        try RankingTestSupport.assertBeatsPopularity("edlae", #"{"lambda": 20, "dropout": 0.3}"#, epochs: 1)
    }

    func testConfigRules() throws {
        func keys(_ json: String) throws -> [String] {
            let config = try ModelRegistry.decodeConfig(DLAE.Config.self, defaults: DLAE.defaultConfig, overrides: Data(json.utf8))
            return DLAE.configProblems(config).map(\.key)
        }
        XCTAssertEqual(try keys("{}"), [])
        XCTAssertEqual(try keys(#"{"lambda": 0, "dropout": 0.5}"#), [], "dropout alone regularises")
        XCTAssertEqual(try keys(#"{"lambda": -1}"#), ["lambda"])
        XCTAssertEqual(try keys(#"{"dropout": 1}"#), ["dropout"])
        XCTAssertEqual(try keys(#"{"lambda": 0, "dropout": 0}"#), ["lambda"])
        XCTAssertEqual(try keys(#"{"lambda_grid": [5, 0], "dropout_grid": [0.2, 0]}"#), ["lambda_grid[1]"])
        XCTAssertEqual(try keys(#"{"dropout_grid": [0.5, -0.1]}"#), ["dropout_grid[1]"])
        XCTAssertThrowsError(try RankingTestSupport.make("edlae", #"{"dropout": 1.5}"#, data: data)) { error in
            XCTAssertTrue("\(error)".contains("dropout"), "\(error)")
        }
    }

    func testMemoryLimitStopsBeforeAllocating() throws {
        let context = ModelContext(trainRows: 10, itemCount: 20_000, ratingRange: nil, rng: SeededRNG(seed: 1), threads: 1)
        var config = DLAE.emphasizedDefaults
        config.memoryLimitMb = 1000
        XCTAssertThrowsError(try DLAE(config: config, context: context)) { error in
            guard case ModelError.memoryLimit(let needed, _, let what) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(needed, 20_000 * 20_000 * 4)
            XCTAssertTrue(what.hasPrefix("EDLAE"), what)
        }
        let dimensions = DataDimensions(users: 10, items: 1000, interactions: 10)
        XCTAssertEqual(DLAE.memoryEstimate(config: DLAE.defaultConfig, dimensions: dimensions).bytes, 1000 * 1000 * 4)
        config.dropoutGrid = [0.1, 0.5]
        XCTAssertEqual(DLAE.memoryEstimate(config: config, dimensions: dimensions).bytes, 3 * 1000 * 1000 * 4)
        XCTAssertEqual(DLAE.memoryEstimate(config: config, dimensions: DataDimensions(users: 1, items: Int.max, interactions: 1)).bytes,
                       Int.max)
    }

    /// Without λ an item with no training interaction has a zero row in `XᵀX + Λ`: the fit says so.
    func testAnItemWithoutInteractionsNeedsLambda() throws {
        let x = SparseMatrix(rows: 3, cols: 3, triples: [(0, 0, 1), (1, 1, 1), (2, 0, 1), (2, 1, 1)])
        let targets = RankingTargets(history: x.rows(0..<1), targets: x.rows(1..<2), users: [0], trainingRows: [0])
        let tiny = TrainingData(train: x, trainUsers: [0, 1, 2], validation: .ranking(targets), ratingRange: nil, itemCount: 3)
        let model = try RankingTestSupport.make("dlae", #"{"lambda": 0, "dropout": 0.5}"#, data: tiny)
        XCTAssertThrowsError(try RankingTestSupport.fit(model, data: tiny, epochs: 1)) { error in
            XCTAssertTrue("\(error)".contains("needs lambda > 0"), "\(error)")
        }
        let fixed = try RankingTestSupport.make("dlae", #"{"lambda": 1, "dropout": 0.5}"#, data: tiny)
        XCTAssertNoThrow(try RankingTestSupport.fit(fixed, data: tiny, epochs: 1))
    }

    /// A session's cache serves EASE the same Gram matrix it would compute, and a different
    /// training matrix replaces it.
    func testGramCacheGivesTheSameFitAndFollowsTheMatrix() throws {
        let cache = GramCache()
        var cached = TrainingSession(selectionMetric: RankingTestSupport.ndcg, rng: SeededRNG(seed: 11), threads: 2,
                                     evaluationBatchSize: 64)
        cached.gramCache = cache
        let plain = TrainingSession(selectionMetric: RankingTestSupport.ndcg, rng: SeededRNG(seed: 11), threads: 1,
                                    evaluationBatchSize: 64)
        let first = try XCTUnwrap(try RankingTestSupport.make("ease", #"{"lambda": 40}"#, data: data) as? EASE)
        let second = try XCTUnwrap(try RankingTestSupport.make("ease", #"{"lambda": 40}"#, data: data) as? EASE)
        let reference = try XCTUnwrap(try RankingTestSupport.make("ease", #"{"lambda": 40}"#, data: data) as? EASE)
        _ = try first.fit(data, session: cached)
        XCTAssertTrue(cache.holds(data.train))
        _ = try second.fit(data, session: cached)
        _ = try reference.fit(data, session: plain)
        XCTAssertEqual(first.weights, reference.weights)
        XCTAssertEqual(second.weights, reference.weights)
        XCTAssertEqual(cache.gram(of: data.train, threads: 1), data.train.gram(threads: 1), "the fits left the cached matrix as it was")
        let other = data.train.rows(0..<50)
        XCTAssertEqual(cache.gram(of: other, threads: 1), other.gram(threads: 2))
        XCTAssertFalse(cache.holds(data.train))
        cache.removeAll()
        XCTAssertFalse(cache.holds(other))
    }
}
