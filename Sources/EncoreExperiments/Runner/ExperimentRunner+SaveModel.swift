import EncoreModels
import Foundation

/// Saved models (`encore run --save-model`, or the spec's `output.save_models`).
///
/// Which grid point is chosen is known only once every seed of every grid point of a label has
/// run, so each ok run first saves its model as a candidate, `runs/<run_id>/model/`
/// (`saveModelCandidate`, called when the run's record is complete). After the runs,
/// `publishModels` moves the candidates of the chosen grid point (the table's choice: the best
/// mean validation value over seeds) to `models/<label>-seed<seed>/`, one per seed, and moves a
/// model published earlier that is no longer chosen back to its run. Once every planned run of
/// a label is recorded its choice is final, and the candidates of its other grid points are
/// deleted; until then (an interrupted or sharded experiment) they are kept, so that a later
/// `--resume` can publish whichever grid point ends up chosen.
extension ExperimentRunner {
    /// The folder of a run's candidate model inside its run directory.
    static let candidateFolderName = "model"

    /// Whether this invocation saves the models of its runs.
    var savesModels: Bool { options.saveModels || spec.output.saveModels }

    /// Saves an ok run's fitted model as the candidate `runs/<run_id>/model/`, when models are
    /// saved. A model that cannot export its learned state gets a warning, not a failure.
    /// - Throws: `SavedModelError.io` when the directory cannot be written.
    func saveModelCandidate(_ model: any Recommender, record: RunRecord, split: Split, data: PreparedSetting, store: any RunFileStore) throws {
        guard savesModels else { return }
        let training = split.trainingData
        let source = SavedModel.Source(
            model: model, record: record, training: training, userIDs: training.trainUsers.map { data.dataset.userIDs[$0] },
            itemIDs: data.dataset.itemIDs, experiment: spec.name, specSHA256: spec.sha256, dataSHA256: data.dataSHA256,
            dataset: Self.savedDataset(data), protocolDescription: data.protocolDescription)
        do {
            try SavedModel.write(source, to: candidateDirectory(record.runID, store: store))
        } catch let error as ModelStateError {
            let text = "[\(record.label) seed \(record.seed)] the model is not saved: \(error)"
            progress.warning(text)
            try? store.appendLog("warning: \(text)", runID: record.runID)
        }
    }

    /// Publishes the candidates of the chosen runs as `models/<label>-seed<seed>/` and tidies
    /// the others (see the type's notes). Does nothing when models are not saved and no
    /// `models/` folder exists.
    /// - Throws: `SavedModelError.io` when a directory cannot be moved or removed.
    func publishModels(store: ResultStore, prepared: [PreparedSetting], contexts: [TableContext]) throws {
        let manager = FileManager.default
        let folder = store.directory.appendingPathComponent(ResultStore.modelsFolderName)
        guard savesModels || manager.fileExists(atPath: folder.path) else { return }
        let results = store.results
        // The chosen runs, by the table's rule, per evaluation setting.
        var chosen: [String: String] = [:]
        for (index, data) in prepared.enumerated() {
            let labels = Set(spec.models.filter { $0.setting == data.setting }.map(\.label))
            var subset = results
            subset.runs = results.runs.filter { labels.contains($0.label) }
            subset.settings = nil
            let table = ResultTable(results: MergedResults(file: subset, perUser: [:]), context: contexts[index])
            for row in table.rows { for run in row.runs { chosen[run.runID] = "\(row.label)-seed\(run.seed)" } }
        }
        let chosenNames = Set(chosen.values)
        let recorded = Set(results.runs.map(\.runID))
        // Models published earlier that are no longer chosen go back to their runs.
        for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where !name.hasPrefix(".") {
            let directory = folder.appendingPathComponent(name)
            let runID = Self.runID(ofSavedModel: directory)
            if chosenNames.contains(name), let runID, chosen[runID] == name { continue }
            try unpublish(directory, runID: runID, recorded: recorded, store: store)
        }
        for (runID, name) in chosen.sorted(by: { $0.value < $1.value }) {
            let target = folder.appendingPathComponent(name)
            if manager.fileExists(atPath: target.path) { continue }
            let candidate = candidateDirectory(runID, store: store)
            guard manager.fileExists(atPath: candidate.path) else {
                if savesModels {
                    progress.message("note: \(runID) is chosen but has no saved model (it ran without --save-model); rerun it to save one")
                }
                continue
            }
            try ModelDirectory.replace(target, with: candidate)
            progress.message("saved model: \(target.relativePath) (\(runID))")
        }
        // A label whose planned runs are all recorded has its final choice: other candidates go.
        let plans = spec.runPlans()
        let labels = Set(plans.map(\.label))
        for label in labels {
            let runs = plans.filter { $0.label == label }
            guard runs.allSatisfy({ recorded.contains($0.id) }) else { continue }
            for run in runs where chosen[run.id] == nil {
                let candidate = candidateDirectory(run.id, store: store)
                guard manager.fileExists(atPath: candidate.path) else { continue }
                do { try manager.removeItem(at: candidate) } catch {
                    throw SavedModelError.io(path: candidate.path, reason: "cannot remove the model of a run not chosen: \(error.localizedDescription)")
                }
            }
        }
    }

    /// Moves a published model that is no longer chosen back to its run's folder, or removes it
    /// when its run is not recorded (or it names none).
    private func unpublish(_ directory: URL, runID: String?, recorded: Set<String>, store: ResultStore) throws {
        if let runID, recorded.contains(runID), !FileManager.default.fileExists(atPath: candidateDirectory(runID, store: store).path) {
            try ModelDirectory.move(directory, to: candidateDirectory(runID, store: store))
            return
        }
        do { try FileManager.default.removeItem(at: directory) } catch {
            throw SavedModelError.io(path: directory.path, reason: "cannot remove a saved model no longer chosen: \(error.localizedDescription)")
        }
    }

    /// `runs/<run_id>/model`.
    func candidateDirectory(_ runID: String, store: any RunFileStore) -> URL {
        store.runDirectory(runID).appendingPathComponent(Self.candidateFolderName)
    }

    /// The `run_id` recorded in a saved model's `model.json`, or nil when it cannot be read.
    static func runID(ofSavedModel directory: URL) -> String? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(SavedModel.manifestFile)) else { return nil }
        return (try? SavedModelManifest.decode(data))?.runID
    }

    /// `model.json`'s `dataset`: the source, the preprocessing asked for and what each step
    /// removed, and the resulting sizes.
    static func savedDataset(_ data: PreparedSetting) -> JSONValue {
        let spec = data.setting.dataset
        return .object([
            ("name", .string(data.dataset.name)),
            ("source", .string(describe(spec.source))),
            ("description", .string(data.datasetDescription)),
            ("mode", .string(spec.mode.rawValue)),
            ("threshold", spec.threshold.map { .double($0) } ?? .null),
            ("dedupe", .bool(spec.dedupe)),
            ("k_core", .int(spec.kCore)),
            ("min_user_interactions", .int(spec.minUserInteractions)),
            ("max_user_interactions", .int(spec.maxUserInteractions)),
            ("preprocessing", .array((data.preprocessingReport?.steps ?? []).map {
                .string("\($0.name): removed \($0.interactions) interactions, \($0.users) users, \($0.items) items")
            })),
        ])
    }
}
