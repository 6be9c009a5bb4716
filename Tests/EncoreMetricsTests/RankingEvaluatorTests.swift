import EncoreMetrics
import EncoreTestSupport
import Foundation
import XCTest


final class RankingEvaluatorTests: XCTestCase {
    let all: [Metric.Kind] = [.precision, .recall, .recallFull, .ndcg, .map, .mrr, .hit]

    /// Hand-computed: scores [0.9, 0.1, 0.5, 0.5, 0.8, 0.2] (rows 0-2), all 0.3 (row 3).
    func testHandComputedCases() throws {
        let row: [Float] = [0.9, 0.1, 0.5, 0.5, 0.8, 0.2]
        let scores = Tensor([row, row, row, [Float](repeating: 0.3, count: 6)])
        let history = sparse([[0], [], [], [0]], cols: 6)
        // row 0: |T| < k, ties 2 before 3, history item 0 excluded; row 1: |T| = 0;
        // row 2: |T| > k, all hits; row 3: all scores tied.
        let targets = sparse([[3, 1], [], [0, 1, 2, 3, 4], [2]], cols: 6)
        let metrics = all.flatMap { [Metric($0, k: 3), Metric($0, k: 5)] } + [Metric(.coverage, k: 3), Metric(.coverage, k: 1)]
        let report = RankingEvaluator(metrics: metrics, batchSize: 3, threads: 2)
            .evaluate(history: history, targets: targets) { scores.rows($0) }
        XCTAssertEqual(report.evaluatedUsers, [0, 2, 3])
        XCTAssertEqual(report.skippedUsers, 1)
        func check(_ name: String, _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
            let got = report.perUser[name]!
            XCTAssertEqual(got.count, expected.count, name, file: file, line: line)
            for (g, e) in zip(got, expected) { XCTAssertEqual(Double(g), e, accuracy: 1e-6, name, file: file, line: line) }
        }
        let l2 = { (r: Double) in 1 / log2(r + 1) }
        // Rankings: row 0 -> 4, 2, 3, 5, 1; row 2 -> 0, 4, 2, 3, 5; row 3 -> 1, 2, 3, 4, 5.
        check("precision@3", [1.0 / 3, 1, 1.0 / 3])
        check("recall@3", [0.5, 1, 1])
        check("recall_full@3", [0.5, 3.0 / 5, 1])
        check("ndcg@3", [l2(3) / (l2(1) + l2(2)), 1, l2(2)])
        check("map@3", [(1.0 / 3) / 2, 1, 0.5])
        check("mrr@3", [1.0 / 3, 1, 0.5])
        check("hit@3", [1, 1, 1])
        check("precision@5", [2.0 / 5, 4.0 / 5, 1.0 / 5])
        check("recall@5", [1, 4.0 / 5, 1])
        check("recall_full@5", [1, 4.0 / 5, 1])
        check("ndcg@5", [(l2(3) + l2(5)) / (l2(1) + l2(2)), (l2(1) + l2(2) + l2(3) + l2(4)) / (1...5).map { l2(Double($0)) }.reduce(0, +), l2(2)])
        check("map@5", [(1.0 / 3 + 2.0 / 5) / 2, 4.0 / 5, 0.5])
        // coverage@3: {4, 2, 3} ∪ {0, 4, 2} ∪ {1, 2, 3} = 5 of 6 items; coverage@1: {4, 0, 1}.
        XCTAssertEqual(report.coverage["coverage@3"]!, 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(report.means["coverage@1"]!, 3.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(report.means["hit@3"]!, 1, accuracy: 1e-12)
        XCTAssertNil(report.perUser["coverage@3"])
    }

    func testNoHitsAndHistoryExclusion() {
        // The only target is in the history: it can never be ranked, so every metric is 0.
        let scores = Tensor([[0.1, 0.9, 0.5, 0.4]])
        let report = RankingEvaluator(metrics: all.map { Metric($0, k: 2) })
            .evaluate(history: sparse([[1]], cols: 4), targets: sparse([[1]], cols: 4)) { scores.rows($0) }
        for kind in all { XCTAssertEqual(report.perUser[Metric(kind, k: 2).name]!, [0], "\(kind)") }
        // k larger than the eligible items: the list is short, precision still divides by k.
        let wide = RankingEvaluator(metrics: [Metric(.precision, k: 10), Metric(.recall, k: 10)])
            .evaluate(history: sparse([[1]], cols: 4), targets: sparse([[2, 3]], cols: 4)) { scores.rows($0) }
        XCTAssertEqual(wide.perUser["precision@10"]!, [0.2])
        XCTAssertEqual(wide.perUser["recall@10"]!, [1])
    }

    func testMatchesNaiveReferenceOnRandomCases() {
        var rng = SeededRNG(seed: 42)
        for trial in 0..<60 {
            let users = 1 + rng.int(below: 12), items = 1 + rng.int(below: 30)
            var historyRows: [[Int]] = [], targetRows: [[Int]] = []
            for _ in 0..<users {
                let order = rng.permutation(items)
                let h = rng.int(below: items / 2 + 1), t = rng.int(below: items - h + 1)
                historyRows.append(Array(order[0..<h]))
                targetRows.append(Array(order[h..<(h + t)]))
            }
            // Coarse scores make ties common; some -inf scores too.
            var scalars = (0..<(users * items)).map { _ in Float(rng.int(below: 5)) / 4 }
            if trial % 3 == 0 { scalars[rng.int(below: scalars.count)] = -.infinity }
            let scores = Tensor(shape: [users, items], scalars: scalars)
            let ks = [1 + rng.int(below: 8), 1 + rng.int(below: 40)]
            let metrics = Array(Set(all.flatMap { kind in ks.map { Metric(kind, k: $0) } } + ks.map { Metric(.coverage, k: $0) })).sorted()
            let history = sparse(historyRows, cols: items), targets = sparse(targetRows, cols: items)
            let report = RankingEvaluator(metrics: metrics, batchSize: 1 + rng.int(below: 5), threads: 1 + trial % 2)
                .evaluate(history: history, targets: targets) { scores.rows($0) }
            let expected = naiveEvaluate(scores: scores, history: historyRows, targets: targetRows, metrics: metrics)
            XCTAssertEqual(report.evaluatedUsers, expected.users, "trial \(trial)")
            XCTAssertEqual(report.skippedUsers, users - expected.users.count)
            for metric in metrics {
                if metric.kind == .coverage {
                    XCTAssertEqual(report.coverage[metric.name]!, expected.coverage[metric.name]!, accuracy: 1e-12, "trial \(trial) \(metric)")
                    continue
                }
                let got = report.perUser[metric.name]!, want = expected.values[metric.name] ?? []
                XCTAssertEqual(got.count, want.count, "trial \(trial) \(metric)")
                for (g, w) in zip(got, want) {
                    XCTAssertEqual(Double(g), w, accuracy: 1e-5, "trial \(trial) \(metric)")
                }
            }
        }
    }

    func testRecommendationsMatchNaiveRanking() throws {
        var rng = SeededRNG(seed: 7)
        let users = 9, items = 25
        let scores = Tensor.uniform([users, items], low: 0, high: 1, rng: &rng)
        let historyRows = (0..<users).map { _ in rng.sample(rng.int(below: 10), from: items) }
        let recommendations = Recommendations(history: sparse(historyRows, cols: items), k: 20, batchSize: 4, threads: 2) { scores.rows($0) }
        for user in 0..<users {
            let ranking = naiveRanking(scores: scores, user: user, history: historyRows[user])
            XCTAssertEqual(recommendations.items[user].map(Int.init), Array(ranking.prefix(20)))
            XCTAssertEqual(recommendations.scores[user], recommendations.items[user].map { scores[user, Int($0)] })
        }
    }

    /// Rows much longer than the selector's buffer (2k + 64) force repeated compactions.
    func testLongRowsWithTiesMatchNaiveRanking() {
        var rng = SeededRNG(seed: 11)
        for trial in 0..<20 {
            let users = 3, items = 150 + rng.int(below: 250), k = [1, 2, 5, 20, 64][trial % 5]
            var scalars = (0..<(users * items)).map { _ in Float(rng.int(below: trial % 2 == 0 ? 6 : 1000)) }
            for _ in 0..<5 { scalars[rng.int(below: scalars.count)] = -.infinity }
            scalars[rng.int(below: scalars.count)] = -0.0
            let scores = Tensor(shape: [users, items], scalars: scalars)
            let historyRows = (0..<users).map { _ in rng.sample(rng.int(below: items / 2), from: items) }
            let recommendations = Recommendations(history: sparse(historyRows, cols: items), k: k, threads: 1) { scores.rows($0) }
            for user in 0..<users {
                let ranking = naiveRanking(scores: scores, user: user, history: historyRows[user])
                XCTAssertEqual(recommendations.items[user].map(Int.init), Array(ranking.prefix(k)), "trial \(trial) user \(user)")
            }
        }
    }

    func testNaNScoresRankAsNegativeInfinity() {
        let scores = Tensor([[.nan, -.infinity, 1, .nan]])
        let recommendations = Recommendations(history: sparse([[]], cols: 4), k: 4) { scores.rows($0) }
        XCTAssertEqual(recommendations.items[0], [2, 0, 1, 3])
        XCTAssertEqual(recommendations.scores[0], [1, -.infinity, -.infinity, -.infinity])
    }

    func testCSVFilesWrittenAtomically() throws {
        let recommendations = Recommendations(users: [1, 0], k: 2, items: [[2, 0], [1]], scores: [[0.5, 0.25], [1]])
        let text = recommendations.csv(userIDs: ["u0", "u,1"], itemIDs: ["a", "b", "c"])
        XCTAssertEqual(text, "user,rank,item,score\n\"u,1\",1,c,0.5\n\"u,1\",2,a,0.25\nu0,1,b,1.0\n")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("encore-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("recs.csv")
        try "old".write(to: url, atomically: false, encoding: .utf8)
        try recommendations.write(to: url, userIDs: ["u0", "u,1"], itemIDs: ["a", "b", "c"])
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["recs.csv"], "no temporary left")
        let targetsURL = folder.appendingPathComponent("targets.csv")
        try writeTargetsCSV(to: targetsURL, targets: sparse([[0, 2], [1]], cols: 3), users: [0, 1], userIDs: ["u0", "u1"], itemIDs: ["a", "b", "c"])
        XCTAssertEqual(try String(contentsOf: targetsURL, encoding: .utf8), "user,item\nu0,a\nu0,c\nu1,b\n")
        // Missing folders are created; a regular file in the way is an I/O error.
        try recommendations.write(to: folder.appendingPathComponent("new/x.csv"), userIDs: ["u0", "u1"], itemIDs: ["a", "b", "c"])
        XCTAssertThrowsError(try recommendations.write(to: url.appendingPathComponent("x.csv"), userIDs: ["u0", "u1"], itemIDs: ["a", "b", "c"])) {
            guard case .io = $0 as? MetricsError else { return XCTFail("\($0)") }
        }
    }
}

// MARK: - Naive reference: sort everything, loop over the definitions.

func naiveRanking(scores: Tensor, user: Int, history: [Int]) -> [Int] {
    (0..<scores.cols).filter { !history.contains($0) }
        .sorted { scores[user, $0] != scores[user, $1] ? scores[user, $0] > scores[user, $1] : $0 < $1 }
}

func naiveEvaluate(scores: Tensor, history: [[Int]], targets: [[Int]], metrics: [Metric])
    -> (users: [Int], values: [String: [Double]], coverage: [String: Double]) {
    var users: [Int] = [], values: [String: [Double]] = [:], covered: [String: Set<Int>] = [:]
    for user in 0..<history.count where !targets[user].isEmpty {
        users.append(user)
        let ranking = naiveRanking(scores: scores, user: user, history: history[user])
        let t = Set(targets[user])
        for metric in metrics {
            let k = metric.k!
            let top = Array(ranking.prefix(k))
            let rel = top.map { t.contains($0) ? 1.0 : 0.0 }
            let hits = rel.reduce(0, +)
            let value: Double
            switch metric.kind {
            case .precision: value = hits / Double(k)
            case .recall: value = hits / Double(min(k, t.count))
            case .recallFull: value = hits / Double(t.count)
            case .ndcg:
                var dcg = 0.0, ideal = 0.0
                for (i, r) in rel.enumerated() { dcg += r / log2(Double(i + 2)) }
                for i in 0..<min(k, t.count) { ideal += 1 / log2(Double(i + 2)) }
                value = dcg / ideal
            case .map:
                var sum = 0.0
                for r in 0..<rel.count where rel[r] == 1 { sum += rel[0...r].reduce(0, +) / Double(r + 1) }
                value = sum / Double(min(k, t.count))
            case .mrr: value = rel.firstIndex(of: 1).map { 1 / Double($0 + 1) } ?? 0
            case .hit: value = hits > 0 ? 1 : 0
            case .coverage:
                covered[metric.name, default: []].formUnion(top)
                continue
            case .rmse, .mae: fatalError()
            }
            values[metric.name, default: []].append(value)
        }
    }
    let coverage = covered.mapValues { Double($0.count) / Double(scores.cols) }
    var full = coverage
    for metric in metrics where metric.kind == .coverage && full[metric.name] == nil { full[metric.name] = 0 }
    return (users, values, full)
}
