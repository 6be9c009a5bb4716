/// One run of an experiment: a model entry at one grid point (or search trial) with one seed.
public struct RunPlan: Sendable {
    /// Position in the full run list (0-based), stable for a given spec.
    public let index: Int
    /// `<label>-g<gridIndex>-s<seed>`: unique within the experiment, safe as a directory name.
    public let id: String
    /// Index of the model entry in `spec.models`.
    public let modelIndex: Int
    /// The registered model name.
    public let model: String
    /// The entry's label (the table row).
    public let label: String
    /// Index of the grid point (or search trial) within the entry (0 without a grid or search).
    public let gridIndex: Int
    /// Number of grid points (or search trials) of the entry.
    public let gridSize: Int
    /// The grid (or searched) keys and their values at this point, in spec order (empty
    /// without a grid or search).
    public let gridPoint: [(key: String, value: JSONValue)]
    /// The full config: the model's defaults, the entry's `config`, then the grid point; an
    /// object in the model's key order, ready for the registry's JSON decoder.
    public let config: JSONValue
    /// The run seed (model initialisation, shuffling, sampling).
    public let seed: Int
    /// The split seed (`ProtocolSpec.SplitSeed.value(forRunSeed:)`).
    public let splitSeed: Int
    /// Index into `ExperimentSpec.settings`: runs with the same setting and split seed can
    /// share one loaded dataset and split.
    public let settingIndex: Int
}

extension ExperimentSpec {
    /// The distinct evaluation settings of the model entries, in order of first use.
    public var settings: [EvaluationSetting] {
        var result: [EvaluationSetting] = []
        for model in models where !result.contains(model.setting) { result.append(model.setting) }
        return result
    }

    /// Every run, in a fixed order: model entries in spec order, then grid points (the
    /// Cartesian product of the grid lists, the last grid key varying fastest, or a search's
    /// trials in trial order), then seeds in spec order.
    public func runPlans() -> [RunPlan] {
        let settings = self.settings
        var plans: [RunPlan] = []
        for model in models {
            let points = model.points
            let settingIndex = settings.firstIndex(of: model.setting)!
            for (gridIndex, point) in points.enumerated() {
                let config = Self.config(model.config, at: point)
                for seed in seeds {
                    plans.append(RunPlan(
                        index: plans.count, id: "\(model.label)-g\(gridIndex)-s\(seed)", modelIndex: model.index, model: model.model,
                        label: model.label, gridIndex: gridIndex, gridSize: points.count, gridPoint: point, config: .object(config),
                        seed: seed, splitSeed: model.setting.evaluationProtocol.seed.value(forRunSeed: seed), settingIndex: settingIndex))
                }
            }
        }
        return plans
    }

    /// `config` with the values of a grid point in place (a key `config` lacks is appended).
    static func config(
        _ config: [(key: String, value: JSONValue)], at point: [(key: String, value: JSONValue)]
    ) -> [(key: String, value: JSONValue)] {
        var config = config
        for (key, value) in point {
            if let slot = config.firstIndex(where: { $0.key == key }) { config[slot].value = value } else { config.append((key, value)) }
        }
        return config
    }

    /// Every combination of the grid values; one empty point when the grid is empty.
    static func cartesianProduct(_ grid: [(key: String, values: [JSONValue])]) -> [[(key: String, value: JSONValue)]] {
        var points: [[(key: String, value: JSONValue)]] = [[]]
        for (key, values) in grid {
            points = points.flatMap { point in values.map { point + [(key, $0)] } }
        }
        return points
    }
}

/// `--shard I/N`: the I-th (1-based) of N disjoint slices of the run list, dealt round-robin
/// (run `index` belongs to shard `index % N + 1`), so every shard gets a mix of models.
public struct Shard: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 1-based shard number.
    public let index: Int
    /// Number of shards.
    public let count: Int

    /// Creates shard `index` of `count`.
    /// - Precondition: `1 <= index <= count`.
    public init(index: Int, count: Int) {
        requireArgument(count >= 1 && (1...count).contains(index), "Shard needs 1 <= index <= count, got \(index)/\(count)")
        self.index = index
        self.count = count
    }

    /// Parses `I/N`.
    /// - Throws: `UsageError` unless `1 <= I <= N`.
    public init(parsing text: String) throws(UsageError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else {
            throw UsageError("--shard expects I/N with 1 <= I <= N (e.g. 2/4), got '\(text)'")
        }
        self.init(index: index, count: count)
    }

    /// Whether the run at `runIndex` belongs to this shard.
    public func contains(_ runIndex: Int) -> Bool { runIndex % count == index - 1 }

    /// The runs of this shard, in list order.
    public func select(_ runs: [RunPlan]) -> [RunPlan] { runs.filter { contains($0.index) } }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }
}
