import EncoreModels
import Foundation

extension ExperimentSpec {
    /// Every run that would need more memory than `limit`, as spec problems: for each model entry
    /// and grid point (or search trial), the model's `memoryEstimate` plus the evaluation buffers
    /// (`ModelEvaluation.memoryEstimate`) for the data sizes `dimensions` gives its setting. One
    /// problem per entry (its first point over the limit), at the path of the config key
    /// that sizes the most bytes (`MemoryEstimate.dominantKey`; the entry itself when the data
    /// alone does).
    ///
    /// Validation calls it with `DataDimensions.smallest` for loaded datasets (so a config is
    /// refused only when it is too big for any data) and the generator's sizes for synthetic
    /// data; `encore run` calls it again with the loaded data's sizes before building any model.
    /// - Parameters:
    ///   - models: the registered models (their `checks`; entries of models without checks are
    ///     skipped).
    ///   - limit: the limit in force.
    ///   - loadedData: bytes a run's process of a setting holds before building its model
    ///     (`encore run` passes its resident size before loading, plus what loading that setting
    ///     keeps once freed pages are returned, plus the setting's split: each run's process loads
    ///     and splits its own setting's data); 0 at validation.
    ///   - dimensions: the data sizes of a setting.
    public func memoryProblems(
        models: [ModelDescription], limit: MemoryLimit, loadedData: (EvaluationSetting) -> Int = { _ in 0 },
        dimensions: (EvaluationSetting) -> DataDimensions
    ) -> [SpecProblem] {
        memoryReview(models: models, limit: limit, loadedData: loadedData, dimensions: dimensions).problems
    }

    /// `memoryProblems`, and the largest estimate of any run with its model label.
    public func memoryReview(
        models: [ModelDescription], limit: MemoryLimit, loadedData: (EvaluationSetting) -> Int = { _ in 0 },
        dimensions: (EvaluationSetting) -> DataDimensions
    ) -> (problems: [SpecProblem], largest: (label: String, estimate: MemoryEstimate)?) {
        var problems: [SpecProblem] = []
        var largest: (label: String, estimate: MemoryEstimate)?
        let limitText = "a run that fits in the memory limit, \(MemoryEstimate.format(limit.bytes)) (\(limit.origin); "
            + "set another with --memory-limit or \(MemoryLimit.environmentVariable))"
        for model in self.models {
            guard let description = models.first(where: { $0.name == model.model }), let checks = description.checks,
                  model.gridPointCount <= Self.maxRuns else { continue }
            let sizes = dimensions(model.setting)
            let maxK = (model.setting.metrics + [model.setting.selection.metric]).compactMap(SpecMetricName.cutoff).max() ?? 1
            let entry = JSONPath.root.key("models").index(model.index)
            for point in model.points {
                let json = Data(JSONValue.object(Self.config(model.config, at: point)).compactText.utf8)
                guard var estimate = checks.memory(json, sizes) else { continue }
                estimate.add(ModelEvaluation.memoryEstimate(task: model.task, dimensions: sizes, maxK: maxK))
                // The path names what the config can change: the data in memory is not one of them.
                let dominantKey = estimate.dominantKey
                let dataBytes = loadedData(model.setting)
                if dataBytes > 0 { estimate.add("the process with the data loaded", bytes: dataBytes) }
                if largest == nil || estimate.bytes > largest!.estimate.bytes { largest = (model.label, estimate) }
                guard estimate.bytes > limit.bytes else { continue }
                let path = SpecDecoder.configPath(dominantKey, entry: entry, grid: model.grid, search: model.search, point: point)
                let data = sizes == .smallest ? "for any data (even 1 user x 1 item)" : "for \(sizes)"
                problems.append(SpecProblem(path: path.description, expected: limitText, found: "an estimated \(estimate) \(data)"))
                break
            }
        }
        for setting in settings {
            guard case .synthetic(let synthetic) = setting.dataset.source else { continue }
            let estimate = synthetic.memoryEstimate
            guard estimate.bytes > limit.bytes else { continue }
            let path = datasetPath(of: setting).key("synthetic").key(estimate.dominantKey ?? "users")
            let problem = SpecProblem(path: path.description, expected: limitText.replacingOccurrences(of: "a run", with: "generated data"),
                                      found: "an estimated \(estimate)")
            if !problems.contains(problem) { problems.append(problem) }
        }
        return (problems, largest)
    }

    /// The data sizes validation assumes for `setting`: the generator's for synthetic data
    /// (users, items, users x interactions per user), `DataDimensions.smallest` for data that is
    /// only known once loaded.
    public static func assumedDimensions(_ setting: EvaluationSetting) -> DataDimensions {
        guard case .synthetic(let synthetic) = setting.dataset.source else { return .smallest }
        return synthetic.dimensions
    }

    /// Where the dataset of `setting` is written: the first entry that patches `dataset` into
    /// it, else the top-level `dataset`.
    func datasetPath(of setting: EvaluationSetting) -> JSONPath {
        for model in models where model.setting == setting && json["models"]?.arrayValue?[model.index]["dataset"] != nil {
            return JSONPath.root.key("models").index(model.index).key("dataset")
        }
        return JSONPath.root.key("dataset")
    }
}

extension SyntheticSpec {
    /// The data the generator makes: every user, every item, about `interactions_per_user`
    /// interactions each (at most one per item).
    public var dimensions: DataDimensions {
        let perUser = Int(min(interactionsPerUser, Double(items)).rounded(.up))
        return DataDimensions(users: users, items: items, interactions: MemoryEstimate.product([users, perUser]))
    }

    /// What generating and preparing the data holds: the interactions (24 bytes each) as
    /// generated, compacted, preprocessed and split; the item factors `[items, rank]`; the user and
    /// item IDs.
    public var memoryEstimate: MemoryEstimate {
        let sizes = dimensions
        var estimate = MemoryEstimate()
        estimate.add("interactions (generated, compacted, preprocessed, split)", bytes: MemoryEstimate.product([4, 24, sizes.interactions]), key: "users")
        estimate.add("item factors [items, rank]", floats: [items, rank], key: "rank")
        estimate.add("user and item IDs", bytes: MemoryEstimate.product([32, MemoryEstimate.sum([users, items])]), key: "users")
        return estimate
    }
}
