import Foundation

/// The one training loop of every gradient model.
///
/// Per epoch: for each of the model's `trainingPhases` in order (one phase updating every
/// parameter unless the model declares more), `preparePhase` and as many passes as the phase
/// asks, each a permutation of the examples, mini-batches, the loss, `backward()` and a step of the phase's
/// own optimizer over the phase's parameters; then validation on the selection metric every
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
        let phases = checkedPhases(model.trainingPhases, parameters: parameters, model: Model.name)
        // Updates use the run's threads like every other kernel of the step.
        let optimizers = phases.indices.map { model.makeOptimizer(threads: session.threads, phase: $0) }
        // Per phase, the parameters its optimizer leaves alone: their gradients are discarded.
        let frozen = phases.map { phase in
            let inside = Set(phase.parameters.map(ObjectIdentifier.init))
            return parameters.filter { !inside.contains(ObjectIdentifier($0)) }
        }
        let totalEpochs = max(1, session.maxEpochs ?? model.defaultEpochs)
        let higherIsBetter = session.selectionMetric.higherIsBetter
        let exampleCount = model.exampleCount(data)
        // A batch never holds more than every example (so `start + batchSize` cannot overflow).
        let batchSize = min(max(1, model.batchSize), max(1, exampleCount))
        let batchesPerPass = (exampleCount + batchSize - 1) / batchSize
        let updatesPerBatch = max(1, model.updatesPerBatch)

        var state = TrainingState()
        if let saved = session.resumeFrom {
            state = try TrainingState.restore(from: saved, parameters: parameters, phases: phases, optimizers: optimizers)
        }

        // Patience may end training only once the run has made `minimumUpdates` updates in all.
        while state.epoch < totalEpochs && !(state.sinceBest >= session.patience && state.update >= session.minimumUpdates) {
            let epoch = state.epoch + 1
            let started = DispatchTime.now()
            let epochRNG = session.rng.derive(epoch)
            var modelRNG = epochRNG.derive("model")
            model.prepareEpoch(epoch, data: data, rng: &modelRNG)
            var lossSum = 0.0
            var batches = 0
            // Pass k of the epoch (counted over all phases) shuffles with its own stream; the
            // first pass keeps the streams of a single-phase epoch.
            var passIndex = 0
            for (phaseIndex, phase) in phases.enumerated() {
                model.preparePhase(phaseIndex, epoch: epoch, data: data)
                for pass in 0..<phase.passes {
                    let shuffleBase = epochRNG.derive("shuffle")
                    var shuffleRNG = passIndex == 0 ? shuffleBase : shuffleBase.derive(passIndex)
                    let batchBase = passIndex == 0 ? modelRNG : modelRNG.derive("pass").derive(passIndex)
                    let order = shuffleRNG.permutation(exampleCount)
                    for (batchIndex, start) in stride(from: 0, to: exampleCount, by: batchSize).enumerated() {
                        let batch = Array(order[start..<min(start + batchSize, exampleCount)])
                        var batchRNG = batchBase.derive(batchIndex)
                        // The curve's loss of a batch is that of its last update.
                        var value: Float = 0
                        for updateInBatch in 0..<updatesPerBatch {
                            let step = TrainingStep(
                                epoch: epoch, update: state.update, batch: batchIndex, phase: phaseIndex, pass: pass,
                                updateInBatch: updateInBatch)
                            let loss = model.loss(batch: batch, data: data, step: step, rng: &batchRNG)
                            value = loss.value.scalarValue
                            guard value.isFinite else {
                                throw ModelError.nonFiniteLoss(epoch: epoch, batch: batchIndex, value: value)
                            }
                            loss.backward()
                            optimizers[phaseIndex].step(phase.parameters)
                            for parameter in frozen[phaseIndex] { parameter.zeroGrad() }
                            state.update += 1
                        }
                        if phase.reportsLoss {
                            lossSum += Double(value)
                            batches += 1
                        }
                    }
                    passIndex += 1
                }
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
                try save(state.archive(parameters: parameters, optimizers: optimizers))
            }
        }
        if let best = state.bestWeights {
            for (parameter, value) in zip(parameters, best) { parameter.value = value }
        }
        return FitReport(
            curve: state.curve, bestEpoch: state.bestEpoch, bestValidation: state.bestValue, epochCap: totalEpochs,
            updatesPerEpoch: batchesPerPass * phases.reduce(0) { $0 + $1.passes } * updatesPerBatch, stoppedEarly: state.epoch < totalEpochs)
    }

    /// `phases`, after checking what the loop relies on: at least one phase, each with at least
    /// one pass, and only parameters of the model (whose values checkpoints and best-weight
    /// restoration cover). A violation is a programming error in the model.
    static func checkedPhases(_ phases: [TrainingPhase], parameters: [Variable], model: String) -> [TrainingPhase] {
        requireArgument(!phases.isEmpty, "\(model).trainingPhases: an epoch needs at least one phase")
        let known = Set(parameters.map(ObjectIdentifier.init))
        for phase in phases {
            requireArgument(phase.passes >= 1, "\(model).trainingPhases: phase \(phase.name) makes \(phase.passes) passes, needs >= 1")
            requireArgument(
                phase.parameters.allSatisfy { known.contains(ObjectIdentifier($0)) },
                "\(model).trainingPhases: phase \(phase.name) updates a variable that is not one of the model's parameters")
        }
        return phases
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

    /// The step count and slot counts of one optimizer.
    private struct OptimizerHeader: Codable {
        var step: Int
        var slotCounts: [Int]
    }

    private struct Header: Codable {
        var epoch: Int, update: Int, bestEpoch: Int?, bestValue: Double?, sinceBest: Int
        var curve: [EpochRecord]
        /// The first phase's optimizer (the only one of a single-phase model).
        var optimizerStep: Int
        var optimizerSlotCounts: [Int]
        /// The optimizers of the second and later phases; absent for a single-phase model, so
        /// its checkpoints keep the format they had before phases existed.
        var phaseOptimizers: [OptimizerHeader]?
        var parameterCount: Int
        var hasBest: Bool
    }

    /// Serialises the state, the current weights, the best weights and the state of each
    /// phase's optimizer, in phase order.
    func archive(parameters: [Variable], optimizers: [any Optimizer]) -> Data {
        let states = optimizers.map(\.state)
        let later = states.dropFirst().map { OptimizerHeader(step: $0.step, slotCounts: $0.slots.map(\.count)) }
        let header = Header(
            epoch: epoch, update: update, bestEpoch: bestEpoch, bestValue: bestValue, sinceBest: sinceBest,
            curve: curve, optimizerStep: states[0].step, optimizerSlotCounts: states[0].slots.map(\.count),
            phaseOptimizers: later.isEmpty ? nil : later, parameterCount: parameters.count, hasBest: bestWeights != nil)
        var tensors = parameters.map(\.value)
        tensors += bestWeights ?? []
        for state in states { tensors += state.slots.flatMap { $0.map(\.tensor) } }
        return TensorArchive.encode(header: header, tensors: tensors)
    }

    /// Restores the state and writes the saved weights and each phase's optimizer state back.
    static func restore(
        from data: Data, parameters: [Variable], phases: [TrainingPhase], optimizers: [any Optimizer]
    ) throws -> TrainingState {
        let (header, tensors) = try TensorArchive.decode(Header.self, from: data)
        guard header.parameterCount == parameters.count else {
            throw ModelError.badCheckpoint("it holds \(header.parameterCount) parameters, the model has \(parameters.count)")
        }
        let optimizerHeaders = [OptimizerHeader(step: header.optimizerStep, slotCounts: header.optimizerSlotCounts)]
            + (header.phaseOptimizers ?? [])
        guard optimizerHeaders.count == optimizers.count else {
            throw ModelError.badCheckpoint(
                "it holds the optimizer state of \(optimizerHeaders.count) training phase(s), the model trains in \(optimizers.count)")
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
        for (index, (saved, optimizer)) in zip(optimizerHeaders, optimizers).enumerated() {
            var slots: [[SavedTensor]] = []
            for count in saved.slotCounts { slots.append(try take(count).map(SavedTensor.init)) }
            let optimizerState = OptimizerState(restoringStep: saved.step, slots: slots)
            if let base = optimizer as? OptimizerBase,
               let mismatch = base.stateMismatch(optimizerState, parameters: phases[index].parameters) {
                let which = optimizers.count == 1 ? "its optimizer state" : "the optimizer state of phase \(phases[index].name)"
                throw ModelError.badCheckpoint("\(which) does not fit: \(mismatch)")
            }
            optimizer.restore(optimizerState)
        }
        state.epoch = header.epoch
        state.update = header.update
        state.bestEpoch = header.bestEpoch
        state.bestValue = header.bestValue
        state.sinceBest = header.sinceBest
        state.curve = header.curve
        return state
    }
}
