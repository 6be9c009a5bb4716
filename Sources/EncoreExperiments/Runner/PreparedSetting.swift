import EncoreData
import EncoreMetrics
import EncoreModels
import Foundation

/// A loaded, preprocessed dataset for one evaluation setting of a spec, and its splits by seed.
///
/// Loading and splitting happen once per setting and split seed, however many models and grid
/// points share them.
final class PreparedSetting: @unchecked Sendable {
    let setting: EvaluationSetting
    /// The preprocessed dataset; its interactions are emptied by `keepOnlySplit(seed:)`.
    private(set) var dataset: Dataset
    /// The preprocessed dataset's interaction count (kept when the interactions are released).
    let interactionCount: Int
    let preprocessingReport: PreprocessingReport?
    /// SHA-256 of the preprocessed interactions (user, item, rating in order), hex.
    let dataSHA256: String
    let splitProtocol: SplitProtocol
    private var splits: [Int: Split] = [:]
    private let lock = NSLock()

    init(setting: EvaluationSetting, log: (String) -> Void) throws {
        self.setting = setting
        let (raw, report) = try Self.load(setting.dataset, log: log)
        if report.skippedLines > 0 { log("skipped \(report.skippedLines) malformed lines") }
        let preprocessing = Self.preprocessing(for: setting.dataset, alreadyImplicit: raw.isImplicit)
        let (dataset, preprocessingReport) = try raw.preprocessed(preprocessing)
        self.dataset = dataset
        interactionCount = dataset.interactions.count
        self.preprocessingReport = preprocessingReport
        dataSHA256 = Self.hash(dataset)
        splitProtocol = Self.splitProtocol(for: setting.evaluationProtocol)
    }

    /// About what one split of this data holds: 12 bytes per interaction (a CSR entry's column
    /// and value, and the item in the time-ordered sequences) and 16 per user (row pointers and
    /// user lists). At ML-20M size 122 MB, against the 240 MB of interactions a run's process
    /// releases once its split exists.
    var splitBytes: Int { 12 * interactionCount + 16 * dataset.userCount }

    /// Builds (or finds) the split of `seed`, then releases the dataset's interactions: for a
    /// run's own process, which needs that one split only. The user and item IDs, the counts and
    /// the descriptions stay; a later `split(seed:)` of another seed throws. At ML-20M size the
    /// interactions are 240 MB that the model's buffers would otherwise add to.
    func keepOnlySplit(seed: Int) throws {
        _ = try split(seed: seed)
        lock.withLock { dataset.interactions = [] }
    }

    /// The split for `seed`, made on first use; with `split_file`, the file's split for every seed.
    /// - Throws: `DataError` when the split file is unreadable, malformed or does not fit the dataset.
    func split(seed: Int) throws -> Split {
        try lock.withLock {
            let key = setting.evaluationProtocol.splitFile == nil ? seed : 0
            if let split = splits[key] { return split }
            let split: Split
            if let file = setting.evaluationProtocol.splitFile {
                split = try Self.readSplit(file, dataset: dataset, kind: setting.evaluationProtocol.kind)
            } else {
                split = try makeSplit(dataset, protocol: splitProtocol, seed: UInt64(truncatingIfNeeded: seed))
            }
            splits[key] = split
            return split
        }
    }

    /// Reads a split file and checks that it fits `dataset` (item count, user indices) and that
    /// its evaluation parts are of the kind the protocol evaluates (ranking targets or rating pairs).
    static func readSplit(_ path: String, dataset: Dataset, kind: ProtocolSpec.Kind) throws -> Split {
        let split = try Split.read(from: URL(fileURLWithPath: path))
        func invalid(_ reason: String) -> DataError { .invalidSplit(reason: "\(path): \(reason)") }
        let training = split.trainingData
        guard training.itemCount == dataset.itemCount else {
            throw invalid("it has \(training.itemCount) items, the preprocessed dataset \(dataset.itemCount)")
        }
        let users = 0..<dataset.userCount
        guard training.trainUsers.allSatisfy(users.contains) else { throw invalid("a train user is outside 0..<\(dataset.userCount)") }
        for (part, data) in [("validation", training.validation), ("test", split.test)] {
            switch data {
            case let .ranking(targets):
                guard kind != .ratingHoldout else { throw invalid("its \(part) part is ranking targets; rating-holdout needs rating pairs") }
                guard targets.users.allSatisfy(users.contains) else { throw invalid("a \(part) user is outside 0..<\(dataset.userCount)") }
            case let .ratings(pairs):
                guard kind != .strongGeneralization else { throw invalid("its \(part) part is rating pairs; strong-generalization needs ranking targets") }
                guard pairs.items.allSatisfy({ $0 >= 0 && $0 < dataset.itemCount }) else { throw invalid("a \(part) item is outside 0..<\(dataset.itemCount)") }
            }
        }
        return split
    }

    /// The sizes of the preprocessed dataset (users bound every split's training rows).
    var dimensions: DataDimensions {
        DataDimensions(users: dataset.userCount, items: dataset.itemCount, interactions: interactionCount)
    }

    /// One note per metric (test or selection) whose cut-off exceeds the item count: its top-k
    /// list is capped at the item count.
    var cutoffNotes: [String] {
        var names = setting.metrics
        if !names.contains(setting.selection.metric) { names.append(setting.selection.metric) }
        return names.compactMap { name in
            guard let metric = try? Metric(parsing: name), let k = metric.k, let length = metric.listLength(items: dataset.itemCount),
                  length < k else { return nil }
            return "\(name): k is above the \(dataset.itemCount) items, so its top-k list is capped at \(length) items "
                + "(every item outside the history); the formula is unchanged"
        }
    }

    /// One line for table footnotes: the dataset after preprocessing.
    var datasetDescription: String {
        let interactions = interactionCount
        let density = Double(interactions) / Double(max(1, dataset.userCount * dataset.itemCount)) * 100
        let kind = dataset.isImplicit ? "implicit" : "explicit"
        var text = "\(dataset.name): \(dataset.userCount) users, \(dataset.itemCount) items, \(interactions) interactions "
        text += "(\(kind), density \(String(format: "%.2f", density))%)"
        if let threshold = setting.dataset.threshold, setting.dataset.mode == .implicit { text += ", ratings >= \(threshold) kept as 1" }
        if setting.dataset.kCore > 0 { text += ", \(setting.dataset.kCore)-core" }
        if setting.dataset.minUserInteractions > 0 { text += ", users with >= \(setting.dataset.minUserInteractions) interactions" }
        if setting.dataset.maxUserInteractions > 0 { text += ", users with <= \(setting.dataset.maxUserInteractions) interactions" }
        return text
    }

    /// One line for table footnotes: the evaluation protocol.
    var protocolDescription: String {
        let p = setting.evaluationProtocol
        let seed: String
        switch p.seed {
        case _ where p.splitFile != nil: seed = "split read from \(p.splitFile ?? "")"
        case let .fixed(value): seed = "split seed \(value)"
        case .run: seed = "split seed = run seed"
        }
        switch splitProtocol {
        case let .ratingHoldout(test, validation):
            return "rating-holdout: \(percent(test)) of ratings to test, \(percent(validation)) of the rest to validation; \(seed)"
        case let .userHoldout(test, validation, order, minimum):
            return "user-holdout (\(order.rawValue)): per user \(percent(test)) test, \(percent(validation)) validation, users with < \(minimum) interactions train only; \(seed)"
        case let .leaveOneOut(order):
            return "leave-one-out (\(order.rawValue)): one test and one validation interaction per user; \(seed)"
        case let .strongGeneralization(heldOut, foldIn, order):
            let which = order == .time ? "the earliest \(percent(foldIn)) of each held-out user's items as fold-in, the latest" : "\(percent(foldIn)) of each held-out user's items as fold-in, the rest"
            return "strong generalization: \(heldOut) validation + \(heldOut) test users held out, \(which) as targets; \(seed)"
        case let .kFold(folds, fold, over, _):
            return "k-fold over \(over.rawValue): fold \(fold + 1) of \(folds) as test; \(seed)"
        }
    }

    private func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }

    static func load(_ spec: DatasetSpec, log: (String) -> Void) throws -> (Dataset, LoadReport) {
        let locations = DataLocations(dataDirectory: spec.dataDirectory)
        switch spec.source {
        case let .synthetic(synthetic):
            let dataset = SyntheticData.generate(
                users: synthetic.users, items: synthetic.items, interactionsPerUser: Double(synthetic.interactionsPerUser),
                rank: synthetic.rank, popularitySkew: synthetic.popularitySkew, explicit: spec.mode == .explicit,
                seed: UInt64(truncatingIfNeeded: synthetic.seed), name: "synthetic")
            var report = LoadReport()
            report.lines = dataset.interactions.count
            return (dataset, report)
        case let .named(name, path):
            if let path { return try DataLoader.load(path, locations: locations, format: DataCatalog.source(named: name)?.format) }
            if let source = DataCatalog.source(named: name), (try? locations.ratingsFile(of: source)) == nil {
                log("\(name) is not in any data directory; fetching it (from its archive in a data directory or the cache when there, else downloading it)")
                _ = try DataFetcher.fetch(name, locations: locations, log: log)
            }
            return try DataLoader.load(name, locations: locations)
        case let .file(path, format):
            if case let .recboleInter(fields) = format { return try RecBole.read(URL(fileURLWithPath: path), fields: fields) }
            return try DataLoader.load(path, locations: locations, format: delimitedFormat(format))
        }
    }

    static func delimitedFormat(_ format: DatasetSpec.FileFormat) -> DelimitedFormat? {
        switch format {
        case .movieLens100K: return .movieLens100K
        case .movieLensDat: return .movieLensDat
        case .movieLensCSV: return .movieLensCSV
        case let .delimited(separator, header, user, item, rating, timestamp):
            return DelimitedFormat(separator: separator, hasHeader: header, userColumn: user, itemColumn: item,
                                   ratingColumn: rating, timestampColumn: timestamp)
        case .recboleInter: return nil
        }
    }

    /// The preprocessing a dataset spec asks for. Data that is already implicit (all 1s, such as
    /// the synthetic implicit set) is kept as it is unless the spec names a threshold.
    static func preprocessing(for spec: DatasetSpec, alreadyImplicit: Bool) -> Preprocessing {
        let mode: Preprocessing.Mode?
        switch spec.mode {
        case .explicit: mode = .explicit
        case .implicit:
            mode = alreadyImplicit && spec.threshold == nil ? nil : .implicit(threshold: Float(spec.threshold ?? 4))
        }
        return Preprocessing(mode: mode, deduplicate: spec.dedupe, kCore: spec.kCore, minUserInteractions: spec.minUserInteractions,
                             maxUserInteractions: spec.maxUserInteractions)
    }

    static func splitProtocol(for spec: ProtocolSpec) -> SplitProtocol {
        switch spec.kind {
        case .ratingHoldout: return .ratingHoldout(testFraction: spec.testFraction, validationFraction: spec.validationFraction)
        case .userHoldout:
            return .userHoldout(testFraction: spec.testFraction, validationFraction: spec.validationFraction,
                                order: spec.order == .time ? .time : .random, minInteractions: spec.minInteractions)
        case .leaveOneOut: return .leaveOneOut(order: spec.order == .time ? .time : .random)
        case .strongGeneralization:
            return .strongGeneralization(heldOutUsers: spec.heldOutUsers, foldInFraction: spec.foldInFraction,
                                         foldInOrder: spec.foldInOrder == .time ? .time : .random)
        case .kFold:
            return .kFold(folds: spec.folds, fold: spec.fold, over: spec.foldUnit == .users ? .users : .ratings,
                          validationFraction: spec.validationFraction)
        }
    }

    static func hash(_ dataset: Dataset) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(dataset.interactions.count * 12)
        for interaction in dataset.interactions {
            withUnsafeBytes(of: interaction.user.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: interaction.item.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: interaction.rating.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return SHA256.hex(bytes)
    }
}
