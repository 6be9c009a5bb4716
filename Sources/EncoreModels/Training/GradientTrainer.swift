import Foundation

/// The one training loop of every gradient model.
///
/// Per epoch: a permutation of the examples from the epoch's own generator, mini-batches, the
/// loss, `backward()`, an optimizer step; then validation on the selection metric every
/// `validationInterval` epochs; early stopping after `patience` epochs without improvement, once
/// at least `minimumUpdates` optimizer updates were made; at the end the model holds the
/// best-validation weights. All randomness comes from
/// `session.rng.derive(epoch)`, so an interrupted run resumed from a checkpoint ends bit-identical
/// to an uninterrupted one.
public enum GradientTrainer {
    /// Trains `model` on `data` as `session` says and returns the curve.
    /// - Throws: `ModelError.nonFiniteLoss` as soon as a batch loss is NaN or infinite;
    ///   `ModelError.badCheckpoint` when `session.resumeFrom` is damaged (checksum, `TensorArchive`),
    ///   has no checksum, or does not fit this model.
    public static func fit<Model: GradientModel>(
        _ model: Model, data: TrainingData, session: TrainingSession
    ) throws -> FitReport {
        model.prepareTraining(data)
        let parameters = model.parameters
        // Updates use the run's threads like every other kernel of the step.
        let optimizer = model.makeOptimizer(threads: session.threads)
        let totalEpochs = max(1, session.maxEpochs ?? model.defaultEpochs)
        let higherIsBetter = session.selectionMetric.higherIsBetter
        let exampleCount = model.exampleCount(data)
        // A batch never holds more than every example (so `start + batchSize` cannot overflow).
        let batchSize = min(max(1, model.batchSize), max(1, exampleCount))
        let updatesPerBatch = max(1, model.updatesPerBatch)

        var state = TrainingState()
        if let saved = session.resumeFrom {
            state = try TrainingState.restore(from: saved, parameters: parameters, optimizer: optimizer)
        }

        // Patience may end training only once the run has made `minimumUpdates` updates in all.
        while state.epoch < totalEpochs && !(state.sinceBest >= session.patience && state.update >= session.minimumUpdates) {
            let epoch = state.epoch + 1
            let started = DispatchTime.now()
            let epochRNG = session.rng.derive(epoch)
            var modelRNG = epochRNG.derive("model")
            model.prepareEpoch(epoch, data: data, rng: &modelRNG)
            var shuffleRNG = epochRNG.derive("shuffle")
            let order = shuffleRNG.permutation(exampleCount)
            var lossSum = 0.0
            var batches = 0
            for (batchIndex, start) in stride(from: 0, to: exampleCount, by: batchSize).enumerated() {
                let batch = Array(order[start..<min(start + batchSize, exampleCount)])
                var batchRNG = modelRNG.derive(batchIndex)
                // The curve's loss of a batch is that of its last pass.
                var value: Float = 0
                for pass in 0..<updatesPerBatch {
                    let step = TrainingStep(epoch: epoch, update: state.update, batch: batchIndex, pass: pass)
                    let loss = model.loss(batch: batch, data: data, step: step, rng: &batchRNG)
                    value = loss.value.scalarValue
                    guard value.isFinite else {
                        throw ModelError.nonFiniteLoss(epoch: epoch, batch: batchIndex, value: value)
                    }
                    loss.backward()
                    optimizer.step(parameters)
                    state.update += 1
                }
                lossSum += Double(value)
                batches += 1
            }
            let trainSeconds = seconds(since: started)

            var validation: Double?
            var validationSeconds = 0.0
            if epoch % max(1, session.validationInterval) == 0 || epoch == totalEpochs {
                let validationStart = DispatchTime.now()
                let value = try ModelEvaluation.selectionValue(
                    model, on: data.validation, metric: session.selectionMetric, ratingRange: data.ratingRange,
                    batchSize: session.evaluationBatchSize, threads: session.threads)
                validationSeconds = seconds(since: validationStart)
                validation = value
                let improved = state.bestValue.map { higherIsBetter ? value > $0 : value < $0 } ?? value.isFinite
                if improved {
                    state.bestValue = value
                    state.bestEpoch = epoch
                    state.bestWeights = parameters.map(\.value)
                    state.sinceBest = 0
                } else {
                    state.sinceBest += max(1, session.validationInterval)
                }
            }
            let record = EpochRecord(
                epoch: epoch, loss: batches > 0 ? lossSum / Double(batches) : nil, validation: validation,
                seconds: trainSeconds, validationSeconds: validationSeconds, totalEpochs: totalEpochs)
            state.curve.append(record)
            state.epoch = epoch
            session.onEpoch?(record)
            if session.checkpointInterval > 0, epoch % session.checkpointInterval == 0, let save = session.saveCheckpoint {
                try save(state.archive(parameters: parameters, optimizer: optimizer))
            }
        }
        if let best = state.bestWeights {
            for (parameter, value) in zip(parameters, best) { parameter.value = value }
        }
        return FitReport(
            curve: state.curve, bestEpoch: state.bestEpoch, bestValidation: state.bestValue, epochCap: totalEpochs,
            updatesPerEpoch: (exampleCount + batchSize - 1) / batchSize * updatesPerBatch, stoppedEarly: state.epoch < totalEpochs)
    }

    /// Wall seconds since `start`, to the microsecond (`Elapsed.recordedSeconds`).
    public static func seconds(since start: DispatchTime) -> Double { Elapsed.recordedSeconds(since: start) }
}

/// Everything the loop needs to continue exactly where it stopped.
struct TrainingState {
    var epoch = 0
    var update = 0
    var bestEpoch: Int?
    var bestValue: Double?
    var sinceBest = 0
    var curve: [EpochRecord] = []
    var bestWeights: [Tensor]?

    private struct Header: Codable {
        var epoch: Int, update: Int, bestEpoch: Int?, bestValue: Double?, sinceBest: Int
        var curve: [EpochRecord]
        var optimizerStep: Int
        var optimizerSlotCounts: [Int]
        var parameterCount: Int
        var hasBest: Bool
    }

    /// Serialises the state, the current weights, the best weights and the optimizer's state.
    func archive(parameters: [Variable], optimizer: any Optimizer) -> Data {
        let optimizerState = optimizer.state
        let header = Header(
            epoch: epoch, update: update, bestEpoch: bestEpoch, bestValue: bestValue, sinceBest: sinceBest,
            curve: curve, optimizerStep: optimizerState.step, optimizerSlotCounts: optimizerState.slots.map(\.count),
            parameterCount: parameters.count, hasBest: bestWeights != nil)
        var tensors = parameters.map(\.value)
        tensors += bestWeights ?? []
        tensors += optimizerState.slots.flatMap { $0.map(\.tensor) }
        return TensorArchive.encode(header: header, tensors: tensors)
    }

    /// Restores the state and writes the saved weights and optimizer state back.
    static func restore(from data: Data, parameters: [Variable], optimizer: any Optimizer) throws -> TrainingState {
        let (header, tensors) = try TensorArchive.decode(Header.self, from: data)
        guard header.parameterCount == parameters.count else {
            throw ModelError.badCheckpoint("it holds \(header.parameterCount) parameters, the model has \(parameters.count)")
        }
        var cursor = 0
        func take(_ count: Int) throws -> [Tensor] {
            guard cursor + count <= tensors.count else { throw ModelError.badCheckpoint("it is truncated") }
            defer { cursor += count }
            return Array(tensors[cursor..<cursor + count])
        }
        for (parameter, value) in zip(parameters, try take(parameters.count)) {
            guard parameter.value.shape == value.shape else {
                throw ModelError.badCheckpoint("a parameter has shape \(value.shape), the model's is \(parameter.value.shape)")
            }
            parameter.value = value
        }
        var state = TrainingState()
        state.bestWeights = header.hasBest ? try take(parameters.count) : nil
        for (parameter, best) in zip(parameters, state.bestWeights ?? []) where parameter.value.shape != best.shape {
            throw ModelError.badCheckpoint("a best weight has shape \(best.shape), the model's is \(parameter.value.shape)")
        }
        var slots: [[SavedTensor]] = []
        for count in header.optimizerSlotCounts { slots.append(try take(count).map(SavedTensor.init)) }
        let optimizerState = OptimizerState(restoringStep: header.optimizerStep, slots: slots)
        if let base = optimizer as? OptimizerBase, let mismatch = base.stateMismatch(optimizerState, parameters: parameters) {
            throw ModelError.badCheckpoint("its optimizer state does not fit: \(mismatch)")
        }
        optimizer.restore(optimizerState)
        state.epoch = header.epoch
        state.update = header.update
        state.bestEpoch = header.bestEpoch
        state.bestValue = header.bestValue
        state.sinceBest = header.sinceBest
        state.curve = header.curve
        return state
    }
}
