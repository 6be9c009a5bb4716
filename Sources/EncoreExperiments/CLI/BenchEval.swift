import Dispatch
import EncoreMetrics
import Foundation

extension EncoreCLI {
    /// `encore bench eval`: full-ranking evaluation at MovieLens-1M size (6,040 users x 3,706 items).
    static let benchEvalCommand = Command(
        name: "bench eval",
        overview: "Time full-ranking evaluation of 6,040 users x 3,706 items with all ranking metrics at k in {10, 20, 50, 100}.",
        options: [
            .value("threads", "N", "Threads for the evaluation (default 2)."),
            .value("runs", "N", "Timed runs after one warm-up; the median is reported (default 5)."),
            .flag("json", "Print one JSON line instead of text."),
        ],
        discussion: """
            Scores are random (SeededRNG seed 1) and generated before timing, one [1024, 3706] block per
            batch, so the figure is the evaluator alone: history exclusion, top-100 selection and 32
            metrics per user. History holds 20-170 items per user (mean 95), targets 5-43 (mean 24).
            """
    ) { arguments in
        let threads = try arguments.int("threads", default: 2, range: 1...1024)!
        let runs = try arguments.int("runs", default: 5, range: 1...1000)!
        let users = 6040, items = 3706, batchSize = 1024
        let generationStart = DispatchTime.now()
        let data = BenchEvalData(users: users, items: items, batchSize: batchSize, rng: SeededRNG(seed: 1))
        let generationSeconds = Elapsed.seconds(since: generationStart)
        let kinds: [Metric.Kind] = [.precision, .recall, .recallFull, .ndcg, .map, .mrr, .hit, .coverage]
        let metrics = kinds.flatMap { kind in [10, 20, 50, 100].map { Metric(kind, k: $0) } }
        let evaluator = RankingEvaluator(metrics: metrics, batchSize: batchSize, threads: threads)
        var seconds: [Double] = []
        var report: RankingReport?
        for run in 0...runs {
            let start = DispatchTime.now()
            report = evaluator.evaluate(history: data.history, targets: data.targets) { data.batches[$0.lowerBound / batchSize] }
            let elapsed = Elapsed.seconds(since: start)
            if run > 0 { seconds.append(elapsed) }  // run 0 is the warm-up
        }
        let median = BenchSupport.median(seconds)
        let ndcg = report!.means["ndcg@100"]!
        if arguments.flag("json") {
            print(#"{"bench": "eval", "users": \#(users), "items": \#(items), "threads": \#(threads), "seconds": \#(median), "runs": \#(runs), "generation_seconds": \#(generationSeconds), "ndcg@100": \#(ndcg)}"#)
        } else {
            print("bench eval: \(users) users x \(items) items, \(metrics.count) metrics, k in {10, 20, 50, 100}, \(threads) threads")
            print(String(format: "  evaluation: %.4f s (median of %d runs after 1 warm-up; min %.4f s)", median, runs, seconds.min()!))
            print(String(format: "  score generation (not timed above): %.3f s", generationSeconds))
            print(String(format: "  check: mean ndcg@100 = %.5f over %d users (random scores)", ndcg, report!.evaluatedUsers.count))
        }
        return .success
    }
}

/// Synthetic evaluation data of realistic density, generated once before timing.
struct BenchEvalData {
    let history: SparseMatrix
    let targets: SparseMatrix
    /// Scores `[batchSize, items]` of each batch of users (the last one shorter).
    let batches: [Tensor]

    init(users: Int, items: Int, batchSize: Int, rng: SeededRNG) {
        var rng = rng
        var historyRows: [[Int32]] = [], targetRows: [[Int32]] = []
        for _ in 0..<users {
            let historyCount = 20 + rng.int(below: 151), targetCount = 5 + rng.int(below: 39)
            let chosen = rng.sample(historyCount + targetCount, from: items)
            historyRows.append(chosen[..<historyCount].map(Int32.init).sorted())
            targetRows.append(chosen[historyCount...].map(Int32.init).sorted())
        }
        func matrix(_ rows: [[Int32]]) -> SparseMatrix {
            let columns = rows.flatMap { $0 }
            return SparseMatrix(
                rows: users, cols: items, rowPointers: rows.reduce(into: [0]) { $0.append($0.last! + $1.count) },
                columnIndices: columns, values: [Float](repeating: 1, count: columns.count))
        }
        history = matrix(historyRows)
        targets = matrix(targetRows)
        batches = stride(from: 0, to: users, by: batchSize).map { start in
            Tensor.uniform([min(batchSize, users - start), items], low: 0, high: 1, rng: &rng)
        }
    }
}
