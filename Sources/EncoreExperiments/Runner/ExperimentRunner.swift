import EncoreModels
import Foundation

/// Options of `encore run` beyond the spec. A run's child process receives them as they are
/// (`ChildJob`), so an option that `ExperimentRunner.execute` reads reaches it without more code.
public struct RunOptions: Sendable, Codable {
    /// Skip finished runs and continue interrupted ones from their last checkpoint.
    public var resume = false
    /// Run only this slice of the run list.
    public var shard: Shard?
    /// Write the test users' top-K items (overrides the spec's `save_recommendations`).
    public var saveRecommendations: Int?
    /// Save the fitted model of each chosen run under `models/` (as the spec's
    /// `output.save_models` does).
    public var saveModels = false
    /// Write a checkpoint every this many epochs (0: never).
    public var checkpointInterval = 5
    /// Where results go (overrides the spec's `output.directory`).
    public var outputDirectory: String?
    /// Runs estimated to need more memory are refused, with the loaded data's sizes, before
    /// any model is built.
    public var memoryLimit = MemoryLimit.machineDefault
    /// Where each run executes (`RunIsolation`).
    public var isolation = RunIsolation.inProcess
    /// Runs trained at the same time, each in its own child process (`.childProcesses` only).
    public var jobs = 1
    /// A run's child process still going after this many seconds is killed and the run
    /// recorded as failed (`.childProcesses` only); nil for no limit.
    public var timeout: Double?

    /// Default options: a fresh, unsharded run.
    public init() {}
}

/// What `ExperimentRunner.run()` did.
public struct ExperimentOutcome: Sendable {
    /// The experiment's output directory.
    public var directory: URL
    /// Runs that finished in this invocation.
    public var succeeded: Int
    /// Runs recorded as failed in this invocation.
    public var failed: Int
    /// Runs skipped because `--resume` found them finished.
    public var skipped: Int
    /// Of the skipped runs, those recorded as failed by an earlier invocation (they still make
    /// the exit code 1: the results hold failed runs).
    public var skippedFailed = 0
    /// The Markdown table(s) written.
    public var markdown: String
}

/// Runs an experiment: for each model x grid point x seed, fit with selection on validation
/// only, then evaluate once on test; record each run as it ends; write tables and plots.
///
/// The test half of a split is touched only after `fit` returns: `fit` receives
/// `Split.trainingData` (training matrix + validation), never the `Split` itself.
public final class ExperimentRunner: @unchecked Sendable {
    let spec: ExperimentSpec
    let registry: ModelRegistry
    let options: RunOptions
    let progress: ProgressReporter
    /// `XᵀX` shared by the runs that share this process (grid points, seeds and model entries on
    /// one split; a different training matrix replaces it), emptied when the experiment ends. A
    /// fit that takes it copies it before inverting, so in process EASE, DLAE and EDLAE hold one
    /// `[items, items]` matrix more than their estimates count. Nil in a run's own process (every
    /// `encore run`): one run could never reuse it, and without another reference the fit
    /// inverts the Gram matrix in its own storage.
    var gramCache: GramCache? = GramCache()

    /// Creates a runner.
    /// - Parameters:
    ///   - spec: a validated spec.
    ///   - registry: where model names resolve (`ModelRegistry.standard` plus user models).
    public init(spec: ExperimentSpec, registry: ModelRegistry, options: RunOptions, progress: ProgressReporter) {
        self.spec = spec
        self.registry = registry
        self.options = options
        self.progress = progress
    }

    /// Runs every planned run of this shard and writes the outputs.
    /// - Throws: `SpecError` (exit 64) when a run's estimated memory for the loaded data exceeds
    ///   `options.memoryLimit`; data errors (exit 65), result-store and I/O errors (64/74). A
    ///   failing model is not an error: its run is recorded as failed and the others go on.
    public func run() throws -> ExperimentOutcome {
        let settings = spec.settings
        var prepared: [PreparedSetting] = []
        // What a run's process holds before its model: this process's size before loading, what
        // loading the run's own setting keeps (measured after the heap's free pages are handed
        // back, as a run's process does before building its model) and the split it builds
        // (`PreparedSetting.splitBytes`).
        let baseline = PeakMemory.residentBytes() ?? 0
        var loadedBytes: [Int] = []
        for setting in settings {
            progress.message("loading \(Self.describe(setting.dataset.source))")
            let started = DispatchTime.now()
            let before = PeakMemory.residentBytes() ?? 0
            let data = try PreparedSetting(setting: setting) { self.progress.message($0) }
            AllocatorTuning.returnFreedMemory()
            loadedBytes.append(baseline + max(0, (PeakMemory.residentBytes() ?? 0) - before) + data.splitBytes)
            progress.message("\(data.datasetDescription) (\(String(format: "%.2f", GradientTrainer.seconds(since: started))) s)")
            prepared.append(data)
        }
        let memory = spec.memoryReview(
            models: registry.descriptions, limit: options.memoryLimit,
            loadedData: { setting in prepared.firstIndex { $0.setting == setting }.map { loadedBytes[$0] } ?? 0 }
        ) { setting in
            prepared.first { $0.setting == setting }?.dimensions ?? .smallest
        }
        guard memory.problems.isEmpty else { throw SpecError(source: spec.source, problems: memory.problems) }
        if let largest = memory.largest {
            progress.message("memory: the largest run (\(largest.label)) is estimated at \(largest.estimate); limit \(options.memoryLimit)")
        }
        for data in prepared { for note in data.cutoffNotes { progress.message("note: \(note)") } }
        let dataSHA = prepared.count == 1 ? prepared[0].dataSHA256 : SHA256.hex(Array(prepared.map(\.dataSHA256).joined(separator: ",").utf8))
        let directory = URL(fileURLWithPath: options.outputDirectory ?? spec.output.directory)
        let contexts = prepared.map { context(for: $0) }
        let identity = ResultsFile(
            experiment: spec.name, specSHA256: spec.sha256, dataSHA256: dataSHA, context: contexts.first, runs: [],
            provenance: Provenance.collect(threads: Parallel.resolve(spec.threads)),
            settings: settingContexts(prepared: prepared, contexts: contexts))
        let store = try ResultStore(directory: directory, identity: identity, resume: options.resume)
        // The store holds the directory now: the log starts (or, resuming, goes on) there.
        try progress.openLog(at: directory.appendingPathComponent(ResultStore.logFileName), append: options.resume)

        var plans = spec.runPlans()
        if let shard = options.shard { plans = shard.select(plans) }
        let finished = options.resume ? store.finishedRunIDs : []
        let failedBefore = Set(store.results.runs.filter { $0.status != .ok }.map(\.runID))
        var outcome = ExperimentOutcome(directory: directory, succeeded: 0, failed: 0, skipped: 0, markdown: "")
        var toRun: [(position: Int, plan: RunPlan)] = []
        for (position, plan) in plans.enumerated() {
            if finished.contains(plan.id) {
                outcome.skipped += 1
                if failedBefore.contains(plan.id) { outcome.skippedFailed += 1 }
                continue
            }
            toRun.append((position + 1, plan))
        }
        progress.experimentStarted(toTrain: toRun.count, parallel: options.isolation == .inProcess ? 1 : options.jobs)
        let order = Dictionary(plans.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let counts = try runAll(toRun, count: plans.count, order: order, prepared: prepared, store: store)
        outcome.succeeded = counts.succeeded
        outcome.failed = counts.failed
        gramCache?.removeAll()
        try publishModels(store: store, prepared: prepared, contexts: contexts)
        outcome.markdown = try writeReports(store: store, contexts: contexts, directory: directory)
        return outcome
    }

    private func context(for data: PreparedSetting) -> TableContext {
        let metrics = (try? Metric.parse(data.setting.metrics)) ?? []
        return TableContext(
            experiment: spec.name, protocolDescription: data.protocolDescription,
            datasetDescription: data.datasetDescription, metrics: data.setting.metrics,
            metricDefinitions: TableContext.definitions(for: metrics), selectionMetric: data.setting.selection.metric,
            mainMetric: data.setting.metrics.contains(data.setting.selection.metric) ? data.setting.selection.metric : nil,
            notes: data.cutoffNotes.isEmpty ? nil : data.cutoffNotes)
    }

    static func describe(_ source: DatasetSpec.Source) -> String {
        switch source {
        case let .named(name, path): return path.map { "\(name) from \($0)" } ?? name
        case let .file(path, _): return path
        case let .synthetic(s): return "synthetic data (\(s.users) users x \(s.items) items)"
        }
    }
}
