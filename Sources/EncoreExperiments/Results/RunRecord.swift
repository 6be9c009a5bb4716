import Foundation

/// Whether a run finished.
public enum RunStatus: String, Sendable, Codable, Hashable {
    /// Trained, selected on validation and evaluated on test.
    case ok
    /// Stopped with a reason (loss NaN or infinite, memory over the limit, an error).
    case failed
}

/// One epoch of a run's training curve.
public struct CurvePoint: Sendable, Codable, Hashable {
    /// The epoch, from 1.
    public var epoch: Int
    /// The mean training loss of the epoch.
    public var loss: Double
    /// The selection metric on validation after the epoch; nil when not evaluated that epoch.
    public var validation: Double?
    /// Seconds since training started, at the end of the epoch.
    public var seconds: Double

    /// Creates a curve point.
    public init(epoch: Int, loss: Double, validation: Double?, seconds: Double) {
        self.epoch = epoch
        self.loss = loss
        self.validation = validation
        self.seconds = seconds
    }
}

/// Everything recorded about one run (model x grid point x seed): one element of
/// `results.json`'s `runs`. Keys are snake_case (docs/outputs.md).
public struct RunRecord: Sendable, Codable, Hashable {
    /// The registered model name (`mult-vae`).
    public var model: String
    /// The spec's label for the model entry (one table row per label).
    public var label: String
    /// The full configuration the model was built with (defaults, spec config and grid point merged).
    public var config: JSONValue
    /// The grid point of this run: the grid keys and their chosen values (`{}` without a grid).
    public var gridPoint: JSONValue
    /// The seed.
    public var seed: Int
    /// A unique, file-name-safe identifier (`mult-vae-g3-s1`), the name of `runs/<run_id>/`.
    public var runID: String
    /// The run's 0-based place in the spec's run list (model entries x grid points x seeds), the
    /// same in every shard; `encore table` orders merged runs by it. Nil in records written
    /// before it was recorded.
    public var runIndex: Int?
    /// Whether the run finished.
    public var status: RunStatus
    /// Why the run failed; nil when `status == .ok`.
    public var failure: String?
    /// Validation metrics of the selected epoch, by metric name (`ndcg@100`).
    public var validation: [String: Double]
    /// Test metrics (means over test users), by metric name; empty for failed runs.
    public var test: [String: Double]
    /// The epoch selected on validation (from 1); nil for closed-form models or failures.
    public var epochsToBest: Int?
    /// Wall-clock seconds of training, validation during training included.
    public var trainSeconds: Double
    /// Wall-clock seconds of the final test evaluation.
    public var evalSeconds: Double
    /// Peak resident memory of the process during the run, in bytes; nil when unknown.
    public var peakMemoryBytes: Int?
    /// The number of trainable parameters (or stored values for closed-form models).
    public var parameters: Int?
    /// The per-epoch curve.
    public var curve: [CurvePoint]
    /// Test users evaluated and users skipped because their target set was empty.
    public var testUsers: Int?
    /// Test users skipped (empty target set).
    public var skippedUsers: Int?
    /// The epoch budget of a gradient model (`max_epochs` or the model's own `epochs`); nil for
    /// closed-form models, failures and records written before it was recorded.
    public var epochCap: Int?
    /// Optimizer updates (mini-batches) per epoch of a gradient model; nil otherwise.
    public var updatesPerEpoch: Int?
    /// Whether early stopping ended training before `epochCap`; nil for closed-form models.
    public var stoppedEarly: Bool?
    /// What may make this run's numbers misleading (`ResultWarnings.run`): a best epoch at the
    /// epoch cap, early stopping on epochs of few updates. Empty when nothing applies.
    public var warnings: [String]

    /// Creates a record; every field after `status` has an empty default.
    public init(
        model: String, label: String, config: JSONValue = [:], gridPoint: JSONValue = [:], seed: Int, runID: String,
        runIndex: Int? = nil, status: RunStatus = .ok, failure: String? = nil, validation: [String: Double] = [:], test: [String: Double] = [:],
        epochsToBest: Int? = nil, trainSeconds: Double = 0, evalSeconds: Double = 0, peakMemoryBytes: Int? = nil,
        parameters: Int? = nil, curve: [CurvePoint] = [], testUsers: Int? = nil, skippedUsers: Int? = nil,
        epochCap: Int? = nil, updatesPerEpoch: Int? = nil, stoppedEarly: Bool? = nil, warnings: [String] = []
    ) {
        self.model = model
        self.label = label
        self.config = config
        self.gridPoint = gridPoint
        self.seed = seed
        self.runID = runID
        self.runIndex = runIndex
        self.status = status
        self.failure = failure
        self.validation = validation
        self.test = test
        self.epochsToBest = epochsToBest
        self.trainSeconds = trainSeconds
        self.evalSeconds = evalSeconds
        self.peakMemoryBytes = peakMemoryBytes
        self.parameters = parameters
        self.curve = curve
        self.testUsers = testUsers
        self.skippedUsers = skippedUsers
        self.epochCap = epochCap
        self.updatesPerEpoch = updatesPerEpoch
        self.stoppedEarly = stoppedEarly
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case model, label, config, seed, status, failure, validation, test, parameters, curve, warnings
        case gridPoint = "grid_point"
        case runID = "run_id"
        case runIndex = "run_index"
        case epochsToBest = "epochs_to_best"
        case trainSeconds = "train_seconds"
        case evalSeconds = "eval_seconds"
        case peakMemoryBytes = "peak_memory_bytes"
        case testUsers = "test_users"
        case skippedUsers = "skipped_users"
        case epochCap = "epoch_cap"
        case updatesPerEpoch = "updates_per_epoch"
        case stoppedEarly = "stopped_early"
    }

    /// Decodes a record; `grid_point`, `curve`, `validation`, `test` and `warnings` may be absent.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        label = try c.decode(String.self, forKey: .label)
        config = try c.decodeIfPresent(JSONValue.self, forKey: .config) ?? [:]
        gridPoint = try c.decodeIfPresent(JSONValue.self, forKey: .gridPoint) ?? [:]
        seed = try c.decode(Int.self, forKey: .seed)
        runID = try c.decode(String.self, forKey: .runID)
        runIndex = try c.decodeIfPresent(Int.self, forKey: .runIndex)
        status = try c.decode(RunStatus.self, forKey: .status)
        failure = try c.decodeIfPresent(String.self, forKey: .failure)
        validation = try c.decodeIfPresent([String: Double].self, forKey: .validation) ?? [:]
        test = try c.decodeIfPresent([String: Double].self, forKey: .test) ?? [:]
        epochsToBest = try c.decodeIfPresent(Int.self, forKey: .epochsToBest)
        trainSeconds = try c.decodeIfPresent(Double.self, forKey: .trainSeconds) ?? 0
        evalSeconds = try c.decodeIfPresent(Double.self, forKey: .evalSeconds) ?? 0
        peakMemoryBytes = try c.decodeIfPresent(Int.self, forKey: .peakMemoryBytes)
        parameters = try c.decodeIfPresent(Int.self, forKey: .parameters)
        curve = try c.decodeIfPresent([CurvePoint].self, forKey: .curve) ?? []
        testUsers = try c.decodeIfPresent(Int.self, forKey: .testUsers)
        skippedUsers = try c.decodeIfPresent(Int.self, forKey: .skippedUsers)
        epochCap = try c.decodeIfPresent(Int.self, forKey: .epochCap)
        updatesPerEpoch = try c.decodeIfPresent(Int.self, forKey: .updatesPerEpoch)
        stoppedEarly = try c.decodeIfPresent(Bool.self, forKey: .stoppedEarly)
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
    }

    /// A file-name-safe run ID from its parts: `<name>-g<gridIndex>-s<seed>`, where `name` is
    /// the model's label (unique in a spec); characters other than ASCII letters, digits, `-`, `_`
    /// and `.` become `_`.
    public static func makeID(_ name: String, gridIndex: Int, seed: Int) -> String {
        let safe = name.map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }
        return "\(String(safe))-g\(gridIndex)-s\(seed)"
    }
}
