import Foundation

/// One call of a `ProgressReporter`, as data: a run's child process sends its progress to
/// `encore run` as these events (one JSON object per line), and the parent's reporter shows them
/// (`ProgressReporter.apply`), so the terminal and `run.log` get whole lines from one writer.
enum ProgressEvent: Codable, Sendable, Equatable {
    /// `ProgressReporter.runStarted`; `index` and `count` are the run's place (`run k/N`).
    case runStarted(
        runID: String, label: String, gridPoint: String, seed: Int, totalEpochs: Int, index: Int?, count: Int?, resuming: Bool)
    /// `ProgressReporter.epochFinished`; `metric` and `value` are the validation value, when evaluated.
    case epochFinished(runID: String, epoch: Int, totalEpochs: Int?, loss: Double?, metric: String?, value: Double?)
    /// `ProgressReporter.runFinished`.
    case runFinished(runID: String, outcome: String)
    /// `ProgressReporter.message`.
    case message(String)
    /// `ProgressReporter.logOnly`.
    case logOnly(String)
    /// `ProgressReporter.warning`.
    case warning(String)
}

extension ProgressReporter {
    /// Shows `event` as the call it stands for.
    func apply(_ event: ProgressEvent) {
        switch event {
        case let .runStarted(runID, label, gridPoint, seed, totalEpochs, index, count, resuming):
            runStarted(
                runID: runID, label: label, gridPoint: gridPoint, seed: seed, totalEpochs: totalEpochs,
                position: index.flatMap { index in count.map { (index, $0) } }, resuming: resuming)
        case let .epochFinished(runID, epoch, totalEpochs, loss, metric, value):
            epochFinished(
                runID: runID, epoch: epoch, totalEpochs: totalEpochs, loss: loss,
                validation: metric.flatMap { metric in value.map { (metric, $0) } })
        case let .runFinished(runID, outcome): runFinished(runID: runID, outcome: outcome)
        case let .message(text): message(text)
        case let .logOnly(text): logOnly(text)
        case let .warning(text): warning(text)
        }
    }
}
