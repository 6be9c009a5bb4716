import EncoreModels
import Foundation

extension ExperimentRunner {
    /// Fits, selects and tests one run; a model failure becomes a failed record.
    /// - Parameter position: the run's 1-based place in this invocation's run list and its length.
    func execute(_ plan: RunPlan, position: (index: Int, count: Int), data: PreparedSetting, store: any RunFileStore) throws -> RunRecord {
        let setting = data.setting
        var record = RunRecord(
            model: plan.model, label: plan.label, config: plan.config, gridPoint: .object(plan.gridPoint),
            seed: plan.seed, runID: plan.id, runIndex: plan.index)
        let selection = try Metric(parsing: setting.selection.metric)
        let metrics = try Metric.parse(setting.metrics)
        guard let entry = registry.entry(named: plan.model) else {
            throw UsageError("model '\(plan.model)' is not registered")
        }
        let split = try data.split(seed: plan.splitSeed)
        let training = split.trainingData
        // What loading and splitting freed goes back to the kernel before the model allocates.
        AllocatorTuning.returnFreedMemory()
        let runRNG = SeededRNG(seed: UInt64(truncatingIfNeeded: plan.seed)).derive("\(plan.label)/g\(plan.gridIndex)")
        let threads = spec.threads
        let maxEpochs = setting.selection.maxEpochs
        // Spec `patience: 0` disables early stopping; the trainer stops once `sinceBest >= patience`.
        let patience = setting.selection.patience == 0 ? Int.max : setting.selection.patience
        let progress = self.progress
        let runID = plan.id
        let selectionName = selection.name
        var session = TrainingSession(
            selectionMetric: selection, rng: runRNG.derive("train"), maxEpochs: maxEpochs,
            patience: patience, minimumUpdates: setting.selection.minUpdates, threads: threads,
            onEpoch: { epoch in
                progress.epochFinished(
                    runID: runID, epoch: epoch.epoch, totalEpochs: epoch.totalEpochs, loss: epoch.loss,
                    validation: epoch.validation.map { (selectionName, $0) })
            },
            checkpointInterval: options.checkpointInterval,
            saveCheckpoint: { bytes in try store.writeCheckpoint(bytes, runID: runID) })
        if options.resume { session.resumeFrom = try store.readCheckpoint(runID: plan.id) }
        session.gramCache = gramCache
        let gridPoint = plan.gridPoint.map { "\($0.key)=\($0.value.shortDescription)" }.joined(separator: " ")
        let resuming = session.resumeFrom != nil
        // Closed-form models train no epochs: their line shows no epoch budget.
        let started = { (iterative: Bool) in
            progress.runStarted(
                runID: runID, label: plan.label, gridPoint: gridPoint, seed: plan.seed,
                totalEpochs: iterative ? maxEpochs ?? 0 : 0, position: position, resuming: resuming)
        }

        PeakMemory.reset()
        var trainStart = DispatchTime.now()
        // A fresh model per attempt: a checkpoint refused halfway may have written weights.
        var announced = false
        func train() throws -> (model: any Recommender, fit: FitReport) {
            let model: any Recommender
            do {
                model = try entry.make(plan.config.data, ModelContext(data: training, rng: runRNG.derive("init"), threads: threads))
            } catch {
                if !announced { started(false) }
                announced = true
                throw error
            }
            if !announced { started(model is any GradientModel) }
            announced = true
            return (model, try model.fit(training, session: session))
        }
        func trainOrRestart() throws -> (model: any Recommender, fit: FitReport) {
            do {
                return try train()
            } catch ModelError.badCheckpoint(let reason) where session.resumeFrom != nil {
                // A damaged checkpoint (or one without a checksum) is not trusted: the run starts
                // over, and ends exactly where an uninterrupted run ends.
                let path = store.runDirectory(plan.id).appendingPathComponent(ResultStore.RunFile.checkpoint).path
                let warning = "the checkpoint \(path) cannot be used (\(reason)); the run restarts from scratch"
                progress.warning("[\(plan.label) seed \(plan.seed)] \(warning)")
                try? store.appendLog("warning: \(warning)", runID: plan.id)
                try? store.removeCheckpoint(runID: plan.id)
                session.resumeFrom = nil
                PeakMemory.reset()
                trainStart = DispatchTime.now()
                return try train()
            }
        }
        let trained: (model: any Recommender, fit: FitReport)
        do {
            trained = try trainOrRestart()
        } catch let error as ModelError {
            return failed(record, reason: "\(error)", started: trainStart)
        } catch let error as DataError {
            return failed(record, reason: "\(error)", started: trainStart)
        }
        let model = trained.model, fit = trained.fit
        record.trainSeconds = GradientTrainer.seconds(since: trainStart)
        record.epochsToBest = fit.bestEpoch
        record.epochCap = fit.epochCap
        record.updatesPerEpoch = fit.updatesPerEpoch
        record.stoppedEarly = fit.stoppedEarly
        record.curve = fit.curve.map {
            CurvePoint(epoch: $0.epoch, loss: $0.loss ?? .nan, validation: $0.validation, seconds: $0.seconds)
        }
        if let best = fit.bestValidation { record.validation[selection.name] = best }
        record.parameters = model.parameterCount

        // Selection is over; only now is the test half of the split read.
        let evalStart = DispatchTime.now()
        let report: ModelEvaluation.Report
        do {
            report = try ModelEvaluation.evaluate(
                model, on: split.test, metrics: metrics, ratingRange: training.ratingRange, threads: threads)
        } catch let error as ModelError {
            return failed(record, reason: "\(error)", started: trainStart)
        }
        record.evalSeconds = GradientTrainer.seconds(since: evalStart)
        record.peakMemoryBytes = PeakMemory.bytes()
        switch report {
        case let .ranking(ranking):
            record.testUsers = ranking.evaluatedUsers.count
            record.skippedUsers = ranking.skippedUsers
        case let .rating(rating, users):
            record.testUsers = Set(users).count
            if rating.fallbacks > 0 { try? store.appendLog("\(rating.fallbacks) test ratings used the fallback", runID: plan.id) }
        }
        // Metrics averaged over nobody would read 0.0000 and could even be bold as the best.
        guard (record.testUsers ?? 0) > 0 else {
            let skipped = (record.skippedUsers ?? 0) > 0 ? ", \(record.skippedUsers!) skipped for empty targets" : ""
            return failed(
                record, reason: "no test users (the split left no user with test targets\(skipped)); check the protocol's hold-out settings against the data",
                started: trainStart)
        }
        for metric in metrics { if let value = report.value(metric) { record.test[metric.name] = value } }
        try store.writePerUserMetrics(perUser(report, metrics: metrics, split: split, dataset: data.dataset), runID: plan.id)
        if let k = options.saveRecommendations ?? spec.saveRecommendations, k > 0 {
            try saveRecommendations(model, k: k, split: split, dataset: data.dataset, directory: store.runDirectory(plan.id))
        }
        try? store.removeCheckpoint(runID: plan.id)
        record.warnings = ResultWarnings.run(record)
        for warning in record.warnings {
            progress.message("[\(plan.label) seed \(plan.seed)] warning: \(warning)")
            try? store.appendLog("warning: \(warning)", runID: plan.id)
        }
        try saveModelCandidate(model, record: record, split: split, data: data, store: store)
        let main = metrics.first.map { "\($0.name) \(String(format: "%.4f", record.test[$0.name] ?? .nan))" } ?? ""
        progress.runFinished(runID: plan.id, outcome: "ok, test \(main)" + (fit.bestEpoch.map { ", best epoch \($0)" } ?? ""))
        return record
    }

    private func failed(_ record: RunRecord, reason: String, started: DispatchTime) -> RunRecord {
        var record = record
        record.status = .failed
        record.failure = reason
        record.trainSeconds = GradientTrainer.seconds(since: started)
        progress.runFinished(runID: record.runID, outcome: "failed: \(reason)")
        return record
    }

    /// Per-user test values keyed by original user IDs.
    private func perUser(_ report: ModelEvaluation.Report, metrics: [Metric], split: Split, dataset: Dataset) -> PerUserMetrics {
        switch report {
        case let .ranking(ranking):
            guard case let .ranking(targets) = split.test else { return PerUserMetrics(userIDs: [], metricNames: [], values: [:]) }
            let names = metrics.filter { $0.kind != .coverage }.map(\.name)
            let ids = ranking.evaluatedUsers.map { dataset.userIDs[targets.users[$0]] }
            var values: [String: [Double]] = [:]
            for name in names { values[name] = ranking.perUser[name]?.map(Double.init) ?? [] }
            return PerUserMetrics(userIDs: ids, metricNames: names, values: values)
        case let .rating(rating, users):
            let trainUsers = split.trainingData.trainUsers
            var ids: [String] = []
            var values: [String: [Double]] = [:]
            for metric in metrics where !metric.kind.isRanking {
                let perUser = rating.perUser(metric, users: users.map { Int($0) })
                ids = perUser.users.map { dataset.userIDs[trainUsers[$0]] }
                values[metric.name] = perUser.values
            }
            return PerUserMetrics(userIDs: ids, metricNames: metrics.map(\.name), values: values)
        }
    }

    /// Writes `recommendations.csv` (top-K per test user) and `targets.csv` into the run folder.
    private func saveRecommendations(_ model: any Recommender, k: Int, split: Split, dataset: Dataset, directory: URL) throws {
        guard case let .ranking(targets) = split.test, let ranker = model as? any Ranker else { return }
        let recommendations = Recommendations(history: targets.history, k: k, threads: spec.threads) { rows in
            ranker.scores(targets, rows: rows)
        }
        let userIDs = targets.users.map { dataset.userIDs[$0] }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try recommendations.write(to: directory.appendingPathComponent("recommendations.csv"), userIDs: userIDs, itemIDs: dataset.itemIDs)
        try writeTargetsCSV(to: directory.appendingPathComponent("targets.csv"), targets: targets.targets,
                            users: Array(0..<targets.targets.rows), userIDs: userIDs, itemIDs: dataset.itemIDs)
    }

    /// Writes the tables and plots: at the top for one evaluation setting; for several (a
    /// comparison spec), one folder per setting and a top-level `table.md` joining them.
    func writeReports(store: ResultStore, contexts: [TableContext], directory: URL) throws -> String {
        let results = store.results
        var perUser: [String: PerUserMetrics] = [:]
        for run in results.runs where run.status == .ok {
            if let values = try store.readPerUserMetrics(runID: run.runID) { perUser[run.runID] = values }
        }
        let merged = MergedResults(file: results, perUser: perUser)
        if let settings = results.settings, settings.count > 1 {
            let written = try ReportWriter.write(merged, settings: settings, to: directory)
            try store.update(warnings: written.warnings)
            return written.markdown
        }
        // Colours over the spec's labels, so that a shard's plots draw the whole run's colours.
        let colors = PlotColors(labels: spec.models.map(\.label) + results.runs.map(\.label))
        let table = try ReportWriter.write(merged, to: directory, context: contexts[0], colors: colors).table
        try store.update(warnings: table.warnings)
        return table.markdown
    }

    /// The settings of a comparison spec (nil for one setting): folder names and labels per setting.
    func settingContexts(prepared: [PreparedSetting], contexts: [TableContext]) -> [SettingContext]? {
        guard prepared.count > 1 else { return nil }
        return prepared.enumerated().map { index, data in
            SettingContext(
                folder: "setting-\(index + 1)-\(data.setting.evaluationProtocol.kind.rawValue)",
                labels: spec.models.filter { $0.setting == data.setting }.map(\.label), context: contexts[index])
        }
    }
}
