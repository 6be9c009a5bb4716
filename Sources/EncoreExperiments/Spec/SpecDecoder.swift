import EncoreModels

/// Turns a spec's JSON tree into an `ExperimentSpec`, collecting every problem on the way.
struct SpecDecoder {
    var problems = ProblemList()
    let descriptions: [ModelDescription]

    init(models: [ModelDescription]) { self.descriptions = models }

    static let namePattern = "[A-Za-z0-9][A-Za-z0-9._-]*"

    /// Decodes the whole spec; nil when any problem was found.
    mutating func spec(_ root: JSONValue) -> ExperimentSpec? {
        guard let object = ObjectReader(root, at: .root, keys: ExperimentSpec.topLevelKeys, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        let name = object.string("name", required: true, problems: &problems)
        if let name, !Self.isSafeName(name, extra: "._-") {
            problems.add(object.path("name"), expected: "a name matching \(Self.namePattern), at most \(Self.maxNameLength) characters (it names the output directory)", found: .string(name))
        }
        let description = object.string("description", problems: &problems) ?? ""
        var dataset: DatasetSpec?
        if let value = object.value("dataset") {
            dataset = self.dataset(value, at: object.path("dataset"))
        } else {
            problems.add(object.path("dataset"), expected: "a dataset (an object, or a name like \"ml-100k\")", found: nil)
        }
        var evaluationProtocol: ProtocolSpec?
        if let value = object.value("protocol") {
            evaluationProtocol = self.evaluationProtocol(value, at: object.path("protocol"))
        } else {
            problems.add(object.path("protocol"), expected: "an object with a \"kind\"", found: nil)
        }
        let metrics = self.metrics(object.value("metrics"), at: object.path("metrics"))
        let selection = self.selection(object.value("selection"), at: object.path("selection"), metrics: metrics)
        let seeds = self.seeds(object.value("seeds"), at: object.path("seeds"))
        let threads = object.int("threads", range: 1...4096, problems: &problems)
        let save = object.int("save_recommendations", range: 1...ExperimentSpec.maxCutoff, problems: &problems)
        let output = self.output(object.value("output"), at: object.path("output"), name: name)
        var models: [ModelSpec] = []
        if let list = object.value("models"), let items = list.arrayValue, !items.isEmpty {
            let top = TopLevelSettings(root: root, dataset: dataset, evaluationProtocol: evaluationProtocol, metrics: metrics, selection: selection)
            for (index, item) in items.enumerated() {
                if let model = model(item, at: object.path("models").index(index), index: index, top: top) { models.append(model) }
            }
            checkLabels(models, items: items, at: object.path("models"))
            checkRunCount(models, seeds: seeds?.count ?? 1, at: object.path("models"))
        } else {
            problems.add(object.path("models"), expected: "a non-empty array of model entries", found: object.value("models"))
        }
        guard problems.isEmpty, let name, let dataset, let evaluationProtocol, let metrics, let selection, let seeds, let output else { return nil }
        return ExperimentSpec(
            name: name, description: description, dataset: dataset, evaluationProtocol: evaluationProtocol, metrics: metrics,
            selection: selection, seeds: seeds, models: models, output: output, threads: threads, saveRecommendations: save,
            json: root, sha256: SpecSHA256.identity(of: root))
    }

    /// The longest experiment name or label: a run directory `<label>-g<grid>-s<seed>` must fit
    /// in a file name (255 bytes).
    static let maxNameLength = 200

    static func isSafeName(_ text: String, extra: String) -> Bool {
        guard text.unicodeScalars.count <= maxNameLength, let first = text.unicodeScalars.first, first.isASCIIAlphanumeric else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCIIAlphanumeric || extra.unicodeScalars.contains($0) }
    }

    private mutating func seeds(_ value: JSONValue?, at path: JSONPath) -> [Int]? {
        guard let value else { return [1] }
        let items = value.arrayValue ?? []
        let seeds = items.compactMap { $0.intValue }.filter { $0 >= 0 }
        guard !items.isEmpty, seeds.count == items.count, Set(seeds).count == seeds.count else {
            problems.add(path, expected: "a non-empty array of distinct integers >= 0", found: value)
            return nil
        }
        return seeds
    }

    /// Reports a spec whose entries, grid points and seeds make more than `ExperimentSpec.maxRuns` runs.
    private mutating func checkRunCount(_ models: [ModelSpec], seeds: Int, at path: JSONPath) {
        let runs = MemoryEstimate.product([MemoryEstimate.sum(models.map(\.gridPointCount)), seeds])
        if runs > ExperimentSpec.maxRuns {
            problems.add(path, expected: "at most \(ExperimentSpec.maxRuns) runs (model entries x grid points x seeds)",
                         found: runs == .max ? "more runs than an integer holds" : "\(runs) runs")
        }
    }

    /// Reports a label used by an earlier entry.
    private mutating func checkLabels(_ models: [ModelSpec], items: [JSONValue], at path: JSONPath) {
        var firstUse: [String: Int] = [:]
        for model in models {
            if let earlier = firstUse[model.label] {
                let written = items[model.index]["label"]
                problems.add(
                    path.index(model.index).key("label"),
                    expected: "a label not used by models[\(earlier)] (labels name table rows and run directories)",
                    found: written?.excerpt ?? "nothing (the label defaults to the model name \"\(model.model)\")")
            } else {
                firstUse[model.label] = model.index
            }
        }
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) }
}
