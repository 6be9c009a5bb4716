import Foundation

/// How one fit is driven: the selection metric, the epoch budget, early stopping, threads,
/// checkpoints and progress. The runner builds one per run; tests build small ones.
public struct TrainingSession: Sendable {
    /// The validation metric that selects the epoch (`rmse`, `ndcg@100`, ...).
    public var selectionMetric: Metric
    /// The run's training generator; epoch `e` draws from `rng.derive(e)`.
    public var rng: SeededRNG
    /// The most epochs to train; nil uses the model's own default.
    public var maxEpochs: Int?
    /// Stop after this many epochs without a better validation value.
    public var patience: Int
    /// Early stopping may not end training before this many optimizer updates were made in all
    /// (0: `patience` alone decides). On small data an epoch is a handful of updates, and a
    /// patience counted in epochs alone can stop a model before it has learned anything.
    public var minimumUpdates: Int
    /// Validate every this many epochs (1: every epoch).
    public var validationInterval: Int
    /// Threads for training and evaluation kernels (`nil`: all cores).
    public var threads: Int?
    /// Users per evaluation batch.
    public var evaluationBatchSize: Int
    /// Called after every epoch with its record (progress display, logs).
    public var onEpoch: (@Sendable (EpochRecord) -> Void)?
    /// Write a checkpoint every this many epochs (0: never).
    public var checkpointInterval: Int
    /// Persists a checkpoint (atomically); called every `checkpointInterval` epochs.
    public var saveCheckpoint: (@Sendable (Data) throws -> Void)?
    /// A checkpoint to continue from (written by `saveCheckpoint` of an interrupted run).
    public var resumeFrom: Data?
    /// Where closed-form item-item models take the training matrix's `XᵀX` from, so runs on one
    /// split share it (nil: each fit computes its own).
    public var gramCache: GramCache?

    /// Creates a session.
    public init(
        selectionMetric: Metric, rng: SeededRNG, maxEpochs: Int? = nil, patience: Int = 20, minimumUpdates: Int = 0,
        validationInterval: Int = 1,
        threads: Int? = nil, evaluationBatchSize: Int = ModelEvaluation.defaultBatchSize, onEpoch: (@Sendable (EpochRecord) -> Void)? = nil,
        checkpointInterval: Int = 0, saveCheckpoint: (@Sendable (Data) throws -> Void)? = nil, resumeFrom: Data? = nil
    ) {
        self.selectionMetric = selectionMetric
        self.rng = rng
        self.maxEpochs = maxEpochs
        self.patience = patience
        self.minimumUpdates = minimumUpdates
        self.validationInterval = validationInterval
        self.threads = threads
        self.evaluationBatchSize = evaluationBatchSize
        self.onEpoch = onEpoch
        self.checkpointInterval = checkpointInterval
        self.saveCheckpoint = saveCheckpoint
        self.resumeFrom = resumeFrom
    }
}

/// One point of a training curve.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// 1-based epoch.
    public var epoch: Int
    /// Mean training loss over the epoch's batches (nil for closed-form fits).
    public var loss: Double?
    /// The selection metric on validation (nil when not validated this epoch).
    public var validation: Double?
    /// Wall seconds of the epoch's training (validation excluded).
    public var seconds: Double
    /// Wall seconds of the validation pass.
    public var validationSeconds: Double
    /// The epoch budget, for progress display.
    public var totalEpochs: Int

    /// Creates a record.
    public init(epoch: Int, loss: Double?, validation: Double?, seconds: Double, validationSeconds: Double, totalEpochs: Int) {
        self.epoch = epoch
        self.loss = loss
        self.validation = validation
        self.seconds = seconds
        self.validationSeconds = validationSeconds
        self.totalEpochs = totalEpochs
    }
}

/// What a fit produced: the curve and the selected epoch.
public struct FitReport: Sendable, Codable {
    /// One record per epoch trained.
    public var curve: [EpochRecord]
    /// The epoch whose weights the model now holds (the best on validation); nil for closed form.
    public var bestEpoch: Int?
    /// The selection metric at `bestEpoch` (or of the closed-form fit).
    public var bestValidation: Double?
    /// The epoch budget of a gradient fit (the session's `maxEpochs` or the model's own); nil for closed form.
    public var epochCap: Int?
    /// Optimizer updates (mini-batches) per epoch of a gradient fit; nil for closed form.
    public var updatesPerEpoch: Int?
    /// Whether early stopping ended a gradient fit before `epochCap`; nil for closed form.
    public var stoppedEarly: Bool?

    /// Creates a report.
    public init(
        curve: [EpochRecord], bestEpoch: Int?, bestValidation: Double?, epochCap: Int? = nil, updatesPerEpoch: Int? = nil,
        stoppedEarly: Bool? = nil
    ) {
        self.curve = curve
        self.bestEpoch = bestEpoch
        self.bestValidation = bestValidation
        self.epochCap = epochCap
        self.updatesPerEpoch = updatesPerEpoch
        self.stoppedEarly = stoppedEarly
    }
}
