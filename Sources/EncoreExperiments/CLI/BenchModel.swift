import EncoreModels
import Foundation

extension EncoreCLI {
    /// `encore bench model NAME --dataset PATH [--threads N] [--epochs N] [--json]`: trains any
    /// registered model for a few epochs on its task's standard protocol and prints the median
    /// seconds per training epoch (after one warm-up epoch) and per validation evaluation.
    ///
    /// Rating models: rating-holdout 90/10 with 10% of train for validation. Ranking models:
    /// strong generalization with 600 + 600 held-out users (10,000 + 10,000 on data with at
    /// least 100,000 users, as the ML-20M protocol; a tenth of the users each on data with fewer
    /// than 6,000 users; 80% fold-in), explicit data made implicit at rating >= 4
    /// first. For a model that counts its work (`Recommender.flopCount`) it also prints the FLOPs
    /// of an epoch and of an evaluation, the GFLOP/s achieved, and Encore's GEMM rate at the
    /// model's reference products timed right after the epochs, with the efficiency (epoch
    /// GFLOP/s over that rate). `--split` replaces the protocol (e.g. SVAE's time-ordered
    /// strong generalization) and `--min-user-interactions` / `--max-user-interactions` filter
    /// users first. `--test` additionally evaluates the selected weights on the test split. Model
    /// names resolve through `registry`.
    static func benchModelCommand(registry: ModelRegistry) -> Command { Command(
        name: "bench model", overview: "Time a registered model's training epochs and evaluation.",
        arguments: [ArgumentSpec("MODEL", "A registered model name (see 'encore models').")],
        options: BenchSupport.commonOptions + [
            .value("dataset", "PATH", "A ratings file or dataset name (required)."),
            .value("epochs", "N", "Epochs to train (default 5: one warm-up plus four timed)."),
            .value("config", "JSON", "Config overrides as a JSON object (default: the model's defaults)."),
            .value("seed", "N", "Split and training seed (default 1)."),
            .value("patience", "N", "Early-stopping patience (default: never stop early)."),
            .value("split", "JSON|TYPE", "The split protocol (default: the task's standard one)."),
            .value("min-user-interactions", "N", "Drop users with fewer than N interactions first."),
            .value("max-user-interactions", "N", "Drop users with more than N interactions first."),
            .flag("test", "Also print validation and test metrics of the selected epoch."),
        ]
    ) { arguments in
        guard let name = arguments.positionals.first else { throw UsageError("bench model needs a model name") }
        guard let entry = registry.entry(named: name) else {
            let known = registry.descriptions.map(\.name).joined(separator: ", ")
            throw UsageError("unknown model '\(name)'; registered: \(known)")
        }
        guard let path = arguments.value("dataset") else { throw UsageError("bench model needs --dataset PATH") }
        let threads = try BenchSupport.threads(arguments)
        let epochs = try arguments.int("epochs", default: 5, range: 1...100_000)!
        let seed = try arguments.int("seed", default: 1, range: 0...Int.max)!
        let patience = try arguments.int("patience", default: Int.max, range: 1...Int.max)!
        let split = try arguments.value("split").map(parseSplit)
        let users = Preprocessing(
            minUserInteractions: try arguments.int("min-user-interactions", default: 0, range: 0...1_000_000)!,
            maxUserInteractions: try arguments.int("max-user-interactions", default: 0, range: 0...1_000_000)!)
        let result = try benchModel(
            entry: entry, path: path, threads: threads, epochs: epochs, configJSON: Data((arguments.value("config") ?? "").utf8),
            seed: UInt64(seed), patience: patience, evaluateTest: arguments.flag("test"), split: split, users: users)
        print(arguments.flag("json") ? result.jsonLine : result.textLine)
        return .success
    } }

    /// What `bench model` measured.
    struct ModelBenchResult {
        var model: String, threads: Int, epochSeconds: Double, evalSeconds: Double
        var epochs: Int, bestEpoch: Int?, validation: Double?, test: [String: Double]
        /// Rows of the training matrix (training users; all users under rating-holdout).
        var trainRows: Int? = nil
        /// The model's count of its work, nil when it does not count it.
        var flops: FLOPCount? = nil
        /// Encore's GEMM rate at `flops.referenceProducts`, nil without reference products.
        var gemmGFLOPS: Double? = nil

        /// Achieved GFLOP/s of the median timed epoch.
        var epochGFLOPS: Double? { flops.flatMap { Self.rate($0.trainingEpoch, epochSeconds) } }
        /// Achieved GFLOP/s of the median validation evaluation.
        var evalGFLOPS: Double? { flops?.evaluation.flatMap { Self.rate($0, evalSeconds) } }
        /// `epochGFLOPS / gemmGFLOPS`.
        var efficiency: Double? {
            guard let achieved = epochGFLOPS, let gemm = gemmGFLOPS, gemm > 0 else { return nil }
            return achieved / gemm
        }

        static func rate(_ flops: Double, _ seconds: Double) -> Double? { seconds > 0 ? flops / seconds / 1e9 : nil }

        /// The fields of the work and rates, after the timings: `flops_per_epoch`, `gflops`,
        /// `flops_per_eval`, `eval_gflops`, `gemm_gflops`, `gemm_shapes`, `efficiency` (each
        /// present only when known).
        var flopFields: [String] {
            guard let flops else { return [] }
            var fields = ["\"flops_per_epoch\": \(String(format: "%.0f", flops.trainingEpoch))"]
            if let epochGFLOPS { fields.append("\"gflops\": \(String(format: "%.1f", epochGFLOPS))") }
            if let evaluation = flops.evaluation { fields.append("\"flops_per_eval\": \(String(format: "%.0f", evaluation))") }
            if let evalGFLOPS { fields.append("\"eval_gflops\": \(String(format: "%.1f", evalGFLOPS))") }
            if let gemmGFLOPS {
                fields.append("\"gemm_gflops\": \(String(format: "%.1f", gemmGFLOPS))")
                fields.append("\"gemm_shapes\": [" + flops.referenceProducts.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
            }
            if let efficiency { fields.append("\"efficiency\": \(String(format: "%.3f", efficiency))") }
            return fields
        }

        var jsonLine: String {
            var fields = ["\"bench\": \"model\"", "\"model\": \"\(model)\"", "\"threads\": \(threads)",
                          "\"epoch_seconds\": \(String(format: "%.4g", epochSeconds))",
                          "\"eval_seconds\": \(String(format: "%.4g", evalSeconds))", "\"epochs\": \(epochs)"]
            if let trainRows { fields.append("\"train_rows\": \(trainRows)") }
            fields += flopFields
            if let bestEpoch { fields.append("\"best_epoch\": \(bestEpoch)") }
            if let validation { fields.append("\"validation\": \(String(format: "%.5f", validation))") }
            for (key, value) in test.sorted(by: { $0.key < $1.key }) {
                fields.append("\"test_\(key)\": \(String(format: "%.5f", value))")
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }

        var textLine: String {
            var line = "model \(model) threads=\(threads) epoch \(String(format: "%.4f", epochSeconds)) s"
                + " eval \(String(format: "%.4f", evalSeconds)) s (\(epochs) epochs)"
            if let bestEpoch, let validation { line += String(format: " best epoch %d validation %.5f", bestEpoch, validation) }
            for (key, value) in test.sorted(by: { $0.key < $1.key }) { line += String(format: " test %@ %.5f", key, value) }
            if let flops {
                line += String(format: "; epoch %.4g GFLOP", flops.trainingEpoch / 1e9)
                if let epochGFLOPS { line += String(format: " at %.1f GFLOP/s", epochGFLOPS) }
                if let evaluation = flops.evaluation { line += String(format: ", eval %.4g GFLOP", evaluation / 1e9) }
                if let evalGFLOPS { line += String(format: " at %.1f GFLOP/s", evalGFLOPS) }
                if let gemmGFLOPS {
                    let shapes = flops.referenceProducts.map(\.description).joined(separator: ", ")
                    line += String(format: "; GEMM %.1f GFLOP/s at %@", gemmGFLOPS, shapes)
                }
                if let efficiency { line += String(format: "; efficiency %.0f%%", 100 * efficiency) }
            }
            return line
        }
    }

    /// Loads `path`, splits it by the model's task, trains and times.
    static func benchModel(
        entry: ModelRegistry.Entry, path: String, threads: Int, epochs: Int, configJSON: Data, seed: UInt64,
        patience: Int, evaluateTest: Bool, split requested: SplitProtocol? = nil, users: Preprocessing = Preprocessing()
    ) throws -> ModelBenchResult {
        var (dataset, _) = try DataLoader.load(path)
        let isRating = entry.description.task == .rating
        var splitProtocol: SplitProtocol = .ratingHoldout(testFraction: 0.1, validationFraction: 0.1)
        let metric: Metric
        if isRating {
            metric = Metric(.rmse)
        } else {
            if !dataset.isImplicit { dataset = try dataset.preprocessed(Preprocessing(mode: .implicit(threshold: 4))).0 }
            metric = Metric(.ndcg, k: 100)
        }
        if users.minUserInteractions > 0 || users.maxUserInteractions > 0 { dataset = try dataset.preprocessed(users).0 }
        if !isRating {
            // 600 + 600 held-out users as the ML-1M protocol, 10,000 + 10,000 from ML-20M's size
            // up, fewer on small data (a tenth of the users each, at least one), so every
            // dataset has training users left.
            let heldOut = dataset.userCount >= 100_000 ? 10_000 : max(1, min(600, dataset.userCount / 10))
            splitProtocol = .strongGeneralization(heldOutUsers: heldOut, foldInFraction: 0.8)
        }
        if let requested { splitProtocol = requested }
        let dimensions = DataDimensions(users: dataset.userCount, items: dataset.itemCount, interactions: dataset.interactions.count)
        try MemoryLimit.machineDefault.check(entry, configJSON: configJSON, dimensions: dimensions, maxK: 100)
        let split = try makeSplit(dataset, protocol: splitProtocol, seed: seed)
        let data = split.trainingData
        AllocatorTuning.returnFreedMemory()  // as a run does: loading's freed pages are not the model's
        let rng = SeededRNG(seed: seed).derive("train")
        let model = try entry.make(configJSON, ModelContext(data: data, rng: rng.derive("model"), threads: threads))
        let session = TrainingSession(
            selectionMetric: metric, rng: rng, maxEpochs: epochs, patience: patience, threads: threads)
        let report = try model.fit(data, session: session)
        let flops = model.flopCount(data)
        let gemm = flops.flatMap { BenchSupport.gemmRate($0.referenceProducts, threads: threads) }
        let timed = report.curve.count > 1 ? Array(report.curve.dropFirst()) : report.curve
        var test: [String: Double] = [:]
        if evaluateTest {
            let metrics = isRating ? [Metric(.rmse), Metric(.mae)]
                : [Metric(.ndcg, k: 100), Metric(.recall, k: 20), Metric(.recall, k: 50), Metric(.ndcg, k: 10), Metric(.recallFull, k: 100)]
            let evaluation = try ModelEvaluation.evaluate(
                model, on: split.test, metrics: metrics, ratingRange: data.ratingRange, threads: threads)
            for m in metrics { test[m.name] = evaluation.value(m) }
        }
        return ModelBenchResult(
            model: entry.description.name, threads: threads, epochSeconds: timed.isEmpty ? 0 : BenchSupport.median(timed.map(\.seconds)),
            evalSeconds: timed.isEmpty ? 0 : BenchSupport.median(timed.map(\.validationSeconds)), epochs: report.curve.count,
            bestEpoch: report.bestEpoch, validation: report.bestValidation, test: test, trainRows: data.train.rows, flops: flops,
            gemmGFLOPS: gemm?.gflops)
    }

}
