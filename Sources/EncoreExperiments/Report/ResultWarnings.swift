import Foundation

/// What may make a table's numbers misleading although every run finished: each rule reads
/// only recorded results (`RunRecord`), so `encore table` gives the same warnings as `encore run`.
///
/// - **Grid edge**: a row's chosen grid point has, for a grid key with at least
///   `minimumGridValues` numeric values, the smallest or largest of them: the optimum may lie
///   outside the grid.
/// - **Best epoch at the cap**: a gradient model's best epoch is within `epochCapFraction` of
///   its epoch cap (`max_epochs` or the model's own `epochs`) and early stopping did not end it:
///   training was probably still improving.
/// - **Early stop on few updates**: early stopping ended training while an epoch had fewer than
///   `fewUpdatesPerEpoch` optimizer updates: a patience of a few epochs was a few updates, and
///   the model may have stopped before it learned (see `selection.min_updates`, docs/spec.md).
public enum ResultWarnings {
    /// A best epoch at or above `(1 - epochCapFraction) · cap` is "at the cap".
    public static let epochCapFraction = 0.05
    /// Early stopping on epochs of fewer optimizer updates than this is warned about.
    public static let fewUpdatesPerEpoch = 10
    /// Grid keys with fewer numeric values than this have no edges worth a warning.
    public static let minimumGridValues = 3

    /// The best epoch and the cap when `run`'s best epoch is at its epoch cap (ok runs of
    /// gradient models that early stopping did not end), else nil.
    static func bestEpochAtCap(_ run: RunRecord) -> (best: Int, cap: Int)? {
        guard run.status == .ok, let best = run.epochsToBest, let cap = run.epochCap, run.stoppedEarly != true,
              Double(best) >= Double(cap) * (1 - epochCapFraction) else { return nil }
        return (best, cap)
    }

    /// The last epoch and the updates per epoch when early stopping ended `run` on epochs of
    /// fewer than `fewUpdatesPerEpoch` updates, else nil.
    static func earlyStopOnFewUpdates(_ run: RunRecord) -> (epoch: Int, updates: Int)? {
        guard run.status == .ok, run.stoppedEarly == true, let updates = run.updatesPerEpoch,
              updates < fewUpdatesPerEpoch else { return nil }
        return (run.curve.last?.epoch ?? run.epochsToBest ?? 0, updates)
    }

    /// The warnings of one run, from its own record: what `results.json` keeps as the run's
    /// `warnings`.
    public static func run(_ run: RunRecord) -> [String] {
        var warnings: [String] = []
        if let atCap = bestEpochAtCap(run) {
            warnings.append("best epoch \(atCap.best) of at most \(atCap.cap) (within \(percent) of the epoch cap): "
                + "training was probably still improving; a larger max_epochs (or the model's epochs) may do better")
        }
        if let stop = earlyStopOnFewUpdates(run) {
            warnings.append("early stopping ended training at epoch \(stop.epoch) with \(stop.updates) optimizer updates per epoch "
                + "(fewer than \(fewUpdatesPerEpoch); \(stop.epoch * stop.updates) in all): the model may have stopped before it learned; "
                + "see selection.patience and selection.min_updates")
        }
        return warnings
    }

    /// The warnings of one table row, each starting with its label: the grid edges of its
    /// chosen point (the grid is read from `runs`, every recorded run of the row's label), then
    /// the run rules over the seeds of the chosen point.
    static func row(_ row: ResultTable.Row, runs: [RunRecord]) -> [String] {
        var warnings = gridEdges(chosen: row.gridPoint, runs: runs.filter { $0.label == row.label })
            .map { "\(row.label): \($0)" }
        let atCap = row.runs.compactMap { run in bestEpochAtCap(run).map { "seed \(run.seed): \($0.best) of \($0.cap)" } }
        if !atCap.isEmpty {
            warnings.append("\(row.label): best epoch within \(percent) of the epoch cap (\(atCap.joined(separator: "; "))); "
                + "training was probably still improving, so a larger max_epochs (or the model's epochs) may do better.")
        }
        let fewUpdates = row.runs.compactMap { run in
            earlyStopOnFewUpdates(run).map { "seed \(run.seed): at epoch \($0.epoch), \($0.updates) per epoch, \($0.epoch * $0.updates) in all" }
        }
        if !fewUpdates.isEmpty {
            warnings.append("\(row.label): early stopping fired on epochs of fewer than \(fewUpdatesPerEpoch) optimizer updates "
                + "(\(fewUpdates.joined(separator: "; "))); the model may have stopped before it learned "
                + "(see selection.patience and selection.min_updates).")
        }
        return warnings
    }

    /// For each grid key with at least `minimumGridValues` distinct numeric values over `runs`,
    /// a sentence when `chosen` holds its smallest or largest value.
    static func gridEdges(chosen: JSONValue, runs: [RunRecord]) -> [String] {
        var keys: [String] = []
        var values: [String: [JSONValue]] = [:]
        for run in runs {
            for (key, value) in run.gridPoint.objectPairs ?? [] {
                guard let number = value.doubleValue else { continue }
                if values[key] == nil { keys.append(key) }
                if !(values[key] ?? []).contains(where: { $0.doubleValue == number }) { values[key, default: []].append(value) }
            }
        }
        var sentences: [String] = []
        for key in keys {
            let grid = (values[key] ?? []).sorted { $0.doubleValue! < $1.doubleValue! }
            guard grid.count >= minimumGridValues, let value = chosen[key]?.doubleValue else { continue }
            let edge: String
            if value == grid.first?.doubleValue { edge = "smallest" } else if value == grid.last?.doubleValue { edge = "largest" } else { continue }
            sentences.append("the chosen \(key) = \(chosen[key]!.shortDescription) is the \(edge) of its grid values "
                + "(\(grid.map(\.shortDescription).joined(separator: ", "))); the optimum may lie outside the grid.")
        }
        return sentences
    }

    private static var percent: String { "\(Int((epochCapFraction * 100).rounded()))%" }
}
