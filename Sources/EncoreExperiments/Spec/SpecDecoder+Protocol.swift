extension SpecDecoder {
    static let protocolKeys = [
        "kind", "test_fraction", "validation_fraction", "held_out_users", "fold_in_fraction", "fold_in_order", "order",
        "min_interactions", "folds", "fold", "over", "seed", "split_file",
    ]
    static let selectionKeys = ["metric", "patience", "max_epochs", "min_updates"]
    static let outputKeys = ["directory", "formats", "save_models"]

    /// The keys each protocol kind takes besides `kind`.
    static func parameters(of kind: ProtocolSpec.Kind) -> [String] {
        switch kind {
        case .ratingHoldout: return ["test_fraction", "validation_fraction", "seed", "split_file"]
        case .userHoldout: return ["test_fraction", "validation_fraction", "order", "min_interactions", "seed", "split_file"]
        case .leaveOneOut: return ["order", "seed", "split_file"]
        case .strongGeneralization: return ["held_out_users", "fold_in_fraction", "fold_in_order", "seed", "split_file"]
        case .kFold: return ["folds", "fold", "over", "validation_fraction", "fold_in_fraction", "seed", "split_file"]
        }
    }

    mutating func evaluationProtocol(_ value: JSONValue, at path: JSONPath, origin: [String: JSONPath] = [:]) -> ProtocolSpec? {
        guard let object = ObjectReader(value, at: path, keys: Self.protocolKeys, origin: origin, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        guard let kind = object.string("kind", required: true, allowed: ProtocolSpec.kinds, problems: &problems)
            .flatMap(ProtocolSpec.Kind.init) else { return nil }
        for key in Self.protocolKeys where key != "kind" && !Self.parameters(of: kind).contains(key) {
            if key == "fold_in_fraction", kind == .kFold { continue }
            object.forbid(key, because: "for kind \"\(kind.rawValue)\"", problems: &problems)
        }
        let fraction = 0.0...1.0
        let over = object.string("over", allowed: ["ratings", "users"], problems: &problems).flatMap(ProtocolSpec.FoldUnit.init) ?? .ratings
        if kind == .kFold, over == .ratings {
            object.forbid("fold_in_fraction", because: "for k-fold over ratings", problems: &problems)
        }
        let folds = object.int("folds", range: 2...Int.max, problems: &problems) ?? 5
        let fold = object.int("fold", range: 0...(folds - 1), problems: &problems) ?? 0
        var seed = ProtocolSpec.SplitSeed.run
        if let value = object.value("seed"), value != .string("run") {
            if let number = value.intValue, number >= 0 { seed = .fixed(number) } else {
                problems.add(object.path("seed"), expected: "an integer >= 0 or \"run\"", found: value)
            }
        }
        let splitFile = object.string("split_file", problems: &problems)
        if splitFile == "" { problems.add(object.path("split_file"), expected: "a non-empty path", found: "\"\"") }
        if splitFile != nil { object.forbid("seed", because: "with split_file (the file fixes the split)", problems: &problems) }
        let heldOut = object.int("held_out_users", required: kind == .strongGeneralization, range: 1...Int.max, problems: &problems)
        return ProtocolSpec(
            kind: kind,
            testFraction: object.double("test_fraction", range: fraction, openLower: true, openUpper: true, problems: &problems)
                ?? (kind == .userHoldout ? 0.2 : 0.1),
            validationFraction: object.double("validation_fraction", range: fraction, openLower: true, openUpper: true, problems: &problems) ?? 0.1,
            heldOutUsers: heldOut ?? 0,
            foldInFraction: object.double("fold_in_fraction", range: fraction, openLower: true, openUpper: true, problems: &problems) ?? 0.8,
            order: object.string("order", allowed: ["random", "time"], problems: &problems).flatMap(ProtocolSpec.Order.init)
                ?? (kind == .leaveOneOut ? .time : .random),
            minInteractions: object.int("min_interactions", range: 2...Int.max, problems: &problems) ?? 3,
            folds: folds, fold: fold, foldUnit: over, seed: seed, splitFile: splitFile,
            foldInOrder: object.string("fold_in_order", allowed: ["random", "time"], problems: &problems).flatMap(ProtocolSpec.Order.init)
                ?? .random)
    }

    /// Decodes a non-empty list of distinct metric names into canonical names.
    mutating func metrics(_ value: JSONValue?, at path: JSONPath) -> [String]? {
        guard let value else {
            problems.add(path, expected: "a non-empty array of metric names", found: nil)
            return nil
        }
        guard let items = value.arrayValue, !items.isEmpty else {
            problems.add(path, expected: "a non-empty array of metric names", found: value)
            return nil
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            guard let canonical = item.stringValue.flatMap(SpecMetricName.canonical) else {
                problems.add(path.index(index), expected: SpecMetricName.expected, found: item)
                continue
            }
            if names.contains(canonical) {
                problems.add(path.index(index), expected: "each metric once", found: "\"\(canonical)\" again")
            } else if let k = SpecMetricName.cutoff(canonical), k > ExperimentSpec.maxCutoff {
                problems.add(path.index(index), expected: SpecMetricName.cutoffExpected, found: item)
            } else {
                names.append(canonical)
            }
        }
        return names.count == items.count ? names : nil
    }

    mutating func selection(_ value: JSONValue?, at path: JSONPath, metrics: [String]?, origin: [String: JSONPath] = [:]) -> SelectionSpec? {
        guard let object = ObjectReader(value ?? .object([]), at: path, keys: Self.selectionKeys, origin: origin, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        var metric = metrics?.first
        if let value = object.value("metric") {
            metric = value.stringValue.flatMap(SpecMetricName.canonical)
            if metric == nil {
                problems.add(object.path("metric"), expected: SpecMetricName.expected, found: value)
            } else if let k = metric.flatMap(SpecMetricName.cutoff), k > ExperimentSpec.maxCutoff {
                problems.add(object.path("metric"), expected: SpecMetricName.cutoffExpected, found: value)
                metric = nil
            }
        }
        let patience = object.int("patience", range: 0...Int.max, problems: &problems) ?? 10
        let maxEpochs = object.int("max_epochs", range: 1...Int.max, problems: &problems)
        let minUpdates = object.int("min_updates", range: 0...Int.max, problems: &problems) ?? SelectionSpec.defaultMinUpdates
        guard let metric else { return nil }
        return SelectionSpec(metric: metric, patience: patience, maxEpochs: maxEpochs, minUpdates: minUpdates)
    }

    mutating func output(_ value: JSONValue?, at path: JSONPath, name: String?) -> OutputSpec? {
        guard let object = ObjectReader(value ?? .object([]), at: path, keys: Self.outputKeys, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        let directory = object.string("directory", problems: &problems)
        if directory == "" { problems.add(object.path("directory"), expected: "a non-empty path", found: "\"\"") }
        var formats = OutputSpec.allFormats
        if let value = object.value("formats") {
            let items = value.arrayValue ?? []
            let names = items.compactMap { $0.stringValue }.filter { OutputSpec.allFormats.contains($0) }
            if items.isEmpty || names.count != items.count || Set(names).count != names.count {
                problems.add(object.path("formats"), expected: "a non-empty array of distinct formats from \(OutputSpec.allFormats.joined(separator: ", "))", found: value)
            } else {
                formats = names
            }
        }
        let saveModels = object.bool("save_models", problems: &problems) ?? false
        return OutputSpec(directory: directory ?? "results/\(name ?? "experiment")", formats: formats, saveModels: saveModels)
    }
}
