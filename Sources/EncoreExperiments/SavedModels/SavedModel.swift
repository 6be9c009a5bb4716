import Foundation

/// A fitted model saved to a directory (`encore run --save-model`), and loaded back for
/// `encore recommend`. The directory holds:
///
///     model.json    SavedModelManifest: model, config, data, what it can score, each file's SHA-256
///     items.txt     the original item IDs, one per line; line n is item column n - 1
///     users.txt     the original IDs of the training users, one per line; line n is train row n - 1
///     train.split   the training interactions, and the validation interactions of the training
///                   users, in the split text format
///     state.bin     the learned state (`Recommender.exportState()`) as a `TensorArchive`
///
/// The directory is written next to its place under a temporary name and renamed into place, so
/// an interrupted save leaves the old directory or none, never a partly written one. Loading checks
/// every file against the size and SHA-256 in `model.json` first.
public final class SavedModel {
    /// The manifest's file name.
    public static let manifestFile = "model.json"
    /// The item ID map's file name.
    public static let itemsFile = "items.txt"
    /// The training user ID map's file name.
    public static let usersFile = "users.txt"
    /// The training interactions' file name.
    public static let trainingFile = "train.split"
    /// The learned state's file name.
    public static let stateFile = "state.bin"

    /// The header of `state.bin`.
    struct StateHeader: Codable {
        var kind = "encore-model-state"
        /// The registered model name.
        var model: String
        /// One name per tensor (`ModelState.names`).
        var names: [String]
    }

    /// The directory it was loaded from.
    public let directory: URL
    /// `model.json`.
    public let manifest: SavedModelManifest
    /// The model, in its fitted state.
    public let model: any Recommender
    /// What it was trained on; the validation part holds the training users' validation
    /// interactions only.
    public let training: TrainingData
    /// Original ID of each training user (train row).
    public let userIDs: [String]
    /// Original ID of each item column.
    public let itemIDs: [String]
    /// Threads of the scoring kernels (`nil`: all cores).
    public let threads: Int?
    let rowOfUser: [String: Int]
    let columnOfItem: [String: Int32]

    init(directory: URL, manifest: SavedModelManifest, model: any Recommender, training: TrainingData,
         userIDs: [String], itemIDs: [String], threads: Int?) throws {
        self.directory = directory
        self.manifest = manifest
        self.model = model
        self.training = training
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.threads = threads
        rowOfUser = try Self.index(userIDs, file: directory.appendingPathComponent(Self.usersFile))
        columnOfItem = try Self.index(itemIDs, file: directory.appendingPathComponent(Self.itemsFile)).mapValues { Int32($0) }
    }

    private static func index(_ ids: [String], file: URL) throws -> [String: Int] {
        var index: [String: Int] = [:]
        index.reserveCapacity(ids.count)
        for (position, id) in ids.enumerated() {
            guard index.updateValue(position, forKey: id) == nil else {
                throw SavedModelError.damaged(path: file.path, reason: "the ID '\(id)' appears twice (line \(position + 1))")
            }
        }
        return index
    }

    // MARK: Saving

    /// What a saved model is made of.
    public struct Source {
        /// The fitted model.
        public var model: any Recommender
        /// The run that fitted it (model name, label, config, grid point, seed, metrics).
        public var record: RunRecord
        /// The training data it was fitted on (of its validation part, what belongs to
        /// training users is saved: it is part of the history they are scored from).
        public var training: TrainingData
        /// Original ID of each train row.
        public var userIDs: [String]
        /// Original ID of each item column.
        public var itemIDs: [String]
        /// The experiment's name, spec hash and data hash.
        public var experiment: String, specSHA256: String, dataSHA256: String
        /// Where the data came from and how it was preprocessed (`model.json`'s `dataset`).
        public var dataset: JSONValue
        /// The protocol's description.
        public var protocolDescription: String

        /// Creates a source.
        public init(model: any Recommender, record: RunRecord, training: TrainingData, userIDs: [String], itemIDs: [String],
                    experiment: String, specSHA256: String, dataSHA256: String, dataset: JSONValue, protocolDescription: String) {
            self.model = model
            self.record = record
            self.training = training
            self.userIDs = userIDs
            self.itemIDs = itemIDs
            self.experiment = experiment
            self.specSHA256 = specSHA256
            self.dataSHA256 = dataSHA256
            self.dataset = dataset
            self.protocolDescription = protocolDescription
        }
    }

    /// Writes `source` as a model directory at `target`, replacing what is there in one step.
    /// - Throws: `ModelStateError.unsupported` when the model cannot export its state (nothing
    ///   is written); `SavedModelError.io` when a file cannot be written.
    public static func write(_ source: Source, to target: URL) throws {
        let model = source.model
        let state = try model.exportState()
        let training = source.training
        let stateData = TensorArchive.encode(header: StateHeader(model: source.record.model, names: state.names), tensors: state.tensors)
        // Train rows are numbered as in users.txt; validation keeps the training users' part.
        let saved = TrainingData(
            train: training.train, trainUsers: Array(0..<training.train.rows), validation: knownUsersPart(of: training.validation),
            ratingRange: training.ratingRange, itemCount: training.itemCount, trainSequences: training.trainSequences)
        let split = Split(trainingData: saved, test: .ratings(RatingPairs(users: [], items: [], ratings: [])))
        let files: [(name: String, data: Data)] = [
            (itemsFile, Data(lines(source.itemIDs).utf8)),
            (usersFile, Data(lines(source.userIDs).utf8)),
            (trainingFile, Data(split.textRepresentation().utf8)),
            (stateFile, stateData),
        ]
        let scoring = model.historyScoring
        var noteText: String?
        if case let .unsupported(reason) = scoring { noteText = reason }
        let record = source.record
        let manifest = SavedModelManifest(
            format: SavedModelManifest.formatName, version: SavedModelManifest.currentVersion, model: record.model,
            label: record.label, task: type(of: model).task, config: record.config, gridPoint: record.gridPoint, seed: record.seed,
            runID: record.runID, experiment: source.experiment, specSHA256: source.specSHA256, dataSHA256: source.dataSHA256,
            dataset: source.dataset, protocolDescription: source.protocolDescription, items: training.itemCount,
            users: training.train.rows, interactions: training.train.nonzeroCount,
            implicit: training.ratingRange == nil,
            ratingRange: training.ratingRange.map { [$0.lowerBound, $0.upperBound] },
            scores: .init(knownUsers: true, newHistories: scoring.isSupported, note: noteText),
            validation: record.validation, test: record.test, encoreVersion: EncoreCLI.version,
            files: Dictionary(uniqueKeysWithValues: files.map {
                ($0.name, SavedModelManifest.FileRecord(bytes: $0.data.count, sha256: SHA256.hex($0.data)))
            }))
        let manifestData: Data
        do { manifestData = try manifest.encoded() } catch {
            throw SavedModelError.io(path: target.path, reason: "cannot encode model.json: \(error)")
        }
        try ModelDirectory.write(files + [(manifestFile, manifestData)], to: target)
    }

    /// The validation data of the training users (rows of users held out of training dropped),
    /// each user numbered by its train row.
    static func knownUsersPart(of validation: EvaluationData) -> EvaluationData {
        guard case let .ranking(targets) = validation else { return validation }
        let kept = targets.trainingRows.indices.filter { targets.trainingRows[$0] >= 0 }
        let rows = kept.map { targets.trainingRows[$0] }
        return .ranking(RankingTargets(
            history: targets.history.gatherRows(kept), targets: targets.targets.gatherRows(kept), users: rows, trainingRows: rows,
            historySequences: targets.historySequences?.gatherRows(kept)))
    }

    /// One ID per line.
    private static func lines(_ ids: [String]) -> String {
        var text = ""
        text.reserveCapacity(ids.count * 8)
        for id in ids { text += id; text += "\n" }
        return text
    }

    // MARK: Loading

    /// Loads the model directory at `directory`, rebuilding its model through `registry`.
    /// - Parameter threads: threads of the scoring kernels (`nil`: all cores).
    /// - Throws: `SavedModelError.io` (exit 74) when the directory or `model.json` is missing
    ///   or unreadable; `.damaged` (exit 65) when a file does not match `model.json` or does not
    ///   parse, or the state does not fit the model; `.unknownModel` (exit 64) when `registry`
    ///   has no model of the saved name.
    public static func load(from directory: URL, registry: ModelRegistry, threads: Int?) throws -> SavedModel {
        let manifestURL = directory.appendingPathComponent(manifestFile)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SavedModelError.io(path: directory.path, reason: "no such model directory")
        }
        guard let manifestData = try read(manifestURL) else {
            throw SavedModelError.io(path: directory.path, reason: "not a saved model (it has no model.json)" + savedModelsHint(directory))
        }
        let manifest: SavedModelManifest
        do { manifest = try SavedModelManifest.decode(manifestData) } catch {
            throw SavedModelError.damaged(path: manifestURL.path, reason: "not a saved model's description (\(error))")
        }
        guard manifest.format == SavedModelManifest.formatName, manifest.version == SavedModelManifest.currentVersion else {
            throw SavedModelError.damaged(
                path: manifestURL.path,
                reason: "format \(manifest.format) version \(manifest.version); this encore reads \(SavedModelManifest.formatName) version \(SavedModelManifest.currentVersion)")
        }
        var contents: [String: Data] = [:]
        for name in [itemsFile, usersFile, trainingFile, stateFile] {
            let url = directory.appendingPathComponent(name)
            guard let record = manifest.files[name] else {
                throw SavedModelError.damaged(path: manifestURL.path, reason: "it lists no \(name)")
            }
            guard let data = try read(url) else { throw SavedModelError.damaged(path: url.path, reason: "the file is missing") }
            let sha = SHA256.hex(data)
            guard data.count == record.bytes, sha == record.sha256 else {
                throw SavedModelError.damaged(
                    path: url.path,
                    reason: "the file is damaged: \(data.count) bytes with SHA-256 \(sha.prefix(12))…, model.json records \(record.bytes) bytes with SHA-256 \(record.sha256.prefix(12))…")
            }
            contents[name] = data
        }
        let itemIDs = idLines(contents[itemsFile]!), userIDs = idLines(contents[usersFile]!)
        guard itemIDs.count == manifest.items, userIDs.count == manifest.users else {
            throw SavedModelError.damaged(
                path: manifestURL.path,
                reason: "it records \(manifest.items) items and \(manifest.users) users; items.txt has \(itemIDs.count), users.txt \(userIDs.count)")
        }
        let trainingURL = directory.appendingPathComponent(trainingFile)
        let training: TrainingData
        do {
            training = try Split.parse(String(decoding: contents[trainingFile]!, as: UTF8.self), file: trainingURL.path).trainingData
        } catch {
            throw SavedModelError.damaged(path: trainingURL.path, reason: "\(error)")
        }
        guard training.train.rows == userIDs.count, training.itemCount == itemIDs.count else {
            throw SavedModelError.damaged(
                path: trainingURL.path,
                reason: "it has \(training.train.rows) users and \(training.itemCount) items; model.json \(userIDs.count) and \(itemIDs.count)")
        }
        guard let entry = registry.entry(named: manifest.model) else {
            throw SavedModelError.unknownModel(name: manifest.model, path: directory.path)
        }
        let context = ModelContext(
            trainRows: userIDs.count, itemCount: itemIDs.count, ratingRange: training.ratingRange,
            rng: SeededRNG(seed: UInt64(truncatingIfNeeded: manifest.seed)), threads: threads)
        let model: any Recommender
        do { model = try entry.make(manifest.config.data, context) } catch {
            throw SavedModelError.damaged(path: manifestURL.path, reason: "its config does not make a \(manifest.model) model: \(error)")
        }
        let stateURL = directory.appendingPathComponent(stateFile)
        do {
            let (header, tensors) = try TensorArchive.decode(StateHeader.self, from: contents[stateFile]!)
            guard header.model == manifest.model, header.names.count == tensors.count else {
                throw SavedModelError.damaged(
                    path: stateURL.path,
                    reason: "it holds the state of '\(header.model)' (\(tensors.count) tensors for \(header.names.count) names); model.json names '\(manifest.model)'")
            }
            try model.importState(ModelState(names: header.names, tensors: tensors), training: training)
        } catch let error as SavedModelError {
            throw error
        } catch ModelError.badCheckpoint(let reason) {
            throw SavedModelError.damaged(path: stateURL.path, reason: "cannot read the model state: \(reason)")
        } catch {
            throw SavedModelError.damaged(path: stateURL.path, reason: "\(error)")
        }
        return try SavedModel(directory: directory, manifest: manifest, model: model, training: training,
                              userIDs: userIDs, itemIDs: itemIDs, threads: threads)
    }

    /// The lines of an ID file (the last line ends with a newline).
    private static func idLines(_ data: Data) -> [String] {
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    private static func read(_ url: URL) throws -> Data? {
        do { return try AtomicFile.read(url) } catch {
            throw SavedModelError.io(path: url.path, reason: "cannot read: \(error)")
        }
    }

    /// For an experiment's result directory given in place of a model directory: its saved models.
    private static func savedModelsHint(_ directory: URL) -> String {
        let folder = directory.appendingPathComponent(ResultStore.modelsFolderName)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter({ !$0.hasPrefix(".") }).sorted(), !names.isEmpty else { return "" }
        let shown = names.prefix(5).map { folder.appendingPathComponent($0).path }.joined(separator: ", ")
        return "; it holds saved models: \(shown)" + (names.count > 5 ? ", …" : "")
    }
}

/// Writing and moving model directories so that readers see a whole directory or none.
enum ModelDirectory {
    /// Writes `files` into a new directory beside `target`, then renames it to `target`
    /// (`replace(_:with:)`).
    /// - Throws: `SavedModelError.io`; the temporary directory is removed.
    static func write(_ files: [(name: String, data: Data)], to target: URL) throws {
        let manager = FileManager.default
        let parent = target.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(AtomicFile.temporaryPrefix + UUID().uuidString + "-" + target.lastPathComponent)
        do {
            try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
            for (name, data) in files { try data.write(to: temporary.appendingPathComponent(name)) }
        } catch {
            try? manager.removeItem(at: temporary)
            throw SavedModelError.io(path: temporary.path, reason: "cannot write the model: \(error.localizedDescription)")
        }
        do { try replace(target, with: temporary) } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
    }

    /// Renames the directory `source` to `target`. A directory already at `target` is first
    /// renamed aside, then removed: `target` holds the old directory or the new one (or, for
    /// the moment between the two renames, nothing), never a partly written one.
    /// - Throws: `SavedModelError.io` naming the path.
    static func replace(_ target: URL, with source: URL) throws {
        let manager = FileManager.default
        let parent = target.deletingLastPathComponent()
        do { try manager.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw SavedModelError.io(path: parent.path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        var aside: URL?
        if manager.fileExists(atPath: target.path) {
            let old = parent.appendingPathComponent(AtomicFile.temporaryPrefix + UUID().uuidString + "-old-" + target.lastPathComponent)
            try move(target, to: old)
            aside = old
        }
        do { try move(source, to: target) } catch {
            if let aside { try? move(aside, to: target) }
            throw error
        }
        if let aside { try? manager.removeItem(at: aside) }
    }

    /// Moves `source` to `target` with `rename(2)` (one step, same file system).
    static func move(_ source: URL, to target: URL) throws {
        if rename(source.path, target.path) != 0 {
            throw SavedModelError.io(path: target.path, reason: "cannot move \(source.path) there: \(String(cString: strerror(errno)))")
        }
    }
}
