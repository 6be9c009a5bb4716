import Foundation

/// The learned state of a fitted model: what fitting computed, as named tensors. A model created
/// again from the same config with a context of the same shapes, given this state and the
/// training data (`Recommender.importState(_:training:)`), scores and predicts exactly as the
/// fitted model did. Saved models (`encore run --save-model`) keep it in a `TensorArchive`.
public struct ModelState: Sendable {
    /// One name per tensor (`parameter 0`, `weights`), for messages and the saved file's header.
    public var names: [String]
    /// The tensors, in the order the model exports and expects them.
    public var tensors: [Tensor]

    /// Creates a state.
    /// - Precondition: one name per tensor.
    public init(names: [String], tensors: [Tensor]) {
        requireArgument(names.count == tensors.count, "ModelState: \(names.count) names for \(tensors.count) tensors")
        self.names = names
        self.tensors = tensors
    }

    /// The state of a gradient model: its `parameters`' values, named `parameter 0`, `parameter 1`, ...
    public init(parameters: [Variable]) {
        self.init(names: parameters.indices.map { "parameter \($0)" }, tensors: parameters.map(\.value))
    }

    /// Checks that the state holds exactly `shapes.count` tensors of these shapes, in order.
    /// - Parameter model: the model's registered name, for the message.
    /// - Throws: `ModelStateError.mismatch` naming the first tensor that does not fit.
    public func requireShapes(_ shapes: [[Int]], model: String) throws {
        guard tensors.count == shapes.count else {
            throw ModelStateError.mismatch(
                model: model, reason: "the state holds \(tensors.count) tensors, the model has \(shapes.count)")
        }
        for (index, (tensor, shape)) in zip(tensors, shapes).enumerated() where tensor.shape != shape {
            throw ModelStateError.mismatch(
                model: model, reason: "\(names[index]) has shape \(tensor.shape), the model's is \(shape)")
        }
    }
}

/// Whether a fitted model can score a user it was not trained on from that user's history alone
/// (a new user of strong generalization, `encore recommend --history`).
public enum HistoryScoring: Sendable, Equatable {
    /// Any history can be scored.
    case supported
    /// Only the users the model was trained on can be scored; the text says why.
    case unsupported(String)

    /// Whether new histories can be scored.
    public var isSupported: Bool { self == .supported }
}

/// Why a model's learned state cannot be exported or imported.
public enum ModelStateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The model does not implement `exportState()` / `importState(_:training:)`.
    case unsupported(model: String)
    /// The state does not fit the model (another config, other data shapes, another model).
    case mismatch(model: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupported(model):
            return "\(model) cannot save its learned state: it implements neither GradientModel nor "
                + "exportState() and importState(_:training:) (docs/adding-a-model.md)"
        case let .mismatch(model, reason):
            return "the saved state does not fit \(model): \(reason)"
        }
    }
}

extension Recommender {
    /// Throws `ModelStateError.unsupported`: a model that is neither a `GradientModel` nor
    /// implements its own export cannot be saved.
    public func exportState() throws -> ModelState {
        throw ModelStateError.unsupported(model: type(of: self).name)
    }

    /// Throws `ModelStateError.unsupported` (see `exportState()`).
    public func importState(_ state: ModelState, training: TrainingData) throws {
        throw ModelStateError.unsupported(model: type(of: self).name)
    }

    /// Unsupported: a rating predictor predicts for the users it was trained on.
    public var historyScoring: HistoryScoring {
        .unsupported("\(type(of: self).name) predicts ratings of the users it was trained on; it has nothing for a user it has not seen")
    }
}

extension Ranker {
    /// Supported: a ranker scores any history (`scores(history:trainingRows:)` with row -1).
    public var historyScoring: HistoryScoring { .supported }
}

extension GradientModel {
    /// The values of `parameters`, in their order.
    public func exportState() throws -> ModelState { ModelState(parameters: parameters) }

    /// Runs `prepareTraining(training)` (what the model keeps of its training data: seen users
    /// and items, the mean, sequences), then writes the state into `parameters`.
    /// - Throws: `ModelStateError.mismatch` when the count or a shape differs.
    public func importState(_ state: ModelState, training: TrainingData) throws {
        let parameters = self.parameters
        try state.requireShapes(parameters.map(\.value.shape), model: type(of: self).name)
        prepareTraining(training)
        for (parameter, value) in zip(parameters, state.tensors) { parameter.value = value }
    }
}
