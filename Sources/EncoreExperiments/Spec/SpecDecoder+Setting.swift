extension SpecDecoder {
    /// The entry's effective settings: its `dataset`, `protocol` and `selection` objects are
    /// JSON merge patches (RFC 7396: `null` removes a key) on the top-level ones; its `metrics`
    /// replaces the top-level list. Problems name the path where each key was written.
    mutating func setting(for entry: ObjectReader, top: TopLevelSettings) -> EvaluationSetting? {
        var dataset = top.dataset
        if let patch = entry.value("dataset"), let base = top.root["dataset"] {
            let base: JSONValue = base.stringValue.map { .object([("name", .string($0))]) } ?? base
            let (merged, origin) = Self.mergePatch(base, at: JSONPath.root.key("dataset"), patch, at: entry.path("dataset"))
            dataset = self.dataset(merged, at: entry.path("dataset"), origin: origin)
        }
        var evaluationProtocol = top.evaluationProtocol
        if let patch = entry.value("protocol"), let base = top.root["protocol"] {
            let (merged, origin) = Self.mergePatch(base, at: JSONPath.root.key("protocol"), patch, at: entry.path("protocol"))
            evaluationProtocol = self.evaluationProtocol(merged, at: entry.path("protocol"), origin: origin)
        }
        var metrics = top.metrics
        if entry.has("metrics") { metrics = self.metrics(entry.value("metrics"), at: entry.path("metrics")) }
        var selection = top.selection
        if entry.has("selection") || entry.has("metrics") {
            var base = top.root["selection"] ?? .object([])
            // An entry with its own metrics selects on the first of them unless it names a metric.
            if entry.has("metrics"), entry.value("selection")?["metric"] == nil, let pairs = base.objectPairs {
                base = .object(pairs.filter { $0.key != "metric" })
            }
            let (merged, origin) = Self.mergePatch(base, at: JSONPath.root.key("selection"), entry.value("selection") ?? .object([]), at: entry.path("selection"))
            selection = self.selection(merged, at: entry.path("selection"), metrics: metrics, origin: origin)
        }
        guard let dataset, let evaluationProtocol, let metrics, let selection else { return nil }
        return EvaluationSetting(dataset: dataset, evaluationProtocol: evaluationProtocol, metrics: metrics, selection: selection)
    }

    /// Checks that the model's task, the data mode, the protocol and every metric fit together.
    mutating func checkFit(_ setting: EvaluationSetting, task: ModelTask, model entry: ObjectReader, index: Int) {
        let name = entry.value("model")?.stringValue ?? ""
        let who = "\(task.rawValue) model \"\(name)\" (models[\(index)])"
        if task == .rating, setting.dataset.mode == .implicit {
            problems.add(entry.path("model"), expected: "a ranking model on implicit data (rating models need dataset mode \"explicit\")", found: "\"\(name)\" (a rating model)")
        }
        let metricsPath = entry.has("metrics") ? entry.path("metrics") : JSONPath.root.key("metrics")
        var checks = setting.metrics.enumerated().map { (metricsPath.index($0.offset), $0.element) }
        let selectionWritten = entry.value("selection")?["metric"] != nil
        let selectionPath = selectionWritten ? entry.path("selection").key("metric") : JSONPath.root.key("selection").key("metric")
        // A selection metric from the metric list is checked there already.
        if !setting.metrics.contains(setting.selection.metric) { checks.append((selectionPath, setting.selection.metric)) }
        for (path, metric) in checks {
            if SpecMetricName.isRating(metric) {
                if setting.dataset.mode == .implicit {
                    problems.add(path, expected: "a ranking metric (rmse and mae need explicit ratings; the data is implicit)", found: "\"\(metric)\"")
                } else if !setting.evaluationProtocol.kind.supportsRatingMetrics {
                    problems.add(path, expected: "a ranking metric (\(setting.evaluationProtocol.kind.rawValue) has no test ratings of trained users)", found: "\"\(metric)\"")
                } else if task == .ranking {
                    problems.add(path, expected: "a ranking metric for \(who)", found: "\"\(metric)\"")
                }
            } else if task == .rating {
                problems.add(path, expected: "rmse or mae for \(who)", found: "\"\(metric)\"")
            }
        }
    }

    /// RFC 7396 merge of `patch` onto `base`; `origin` maps each top-level key of the result to
    /// the path it was written at.
    static func mergePatch(_ base: JSONValue, at basePath: JSONPath, _ patch: JSONValue, at patchPath: JSONPath) -> (JSONValue, [String: JSONPath]) {
        guard var pairs = base.objectPairs, let patchPairs = patch.objectPairs else { return (patch, [:]) }
        var origin: [String: JSONPath] = [:]
        for pair in pairs { origin[pair.key] = basePath.key(pair.key) }
        for (key, value) in patchPairs {
            origin[key] = patchPath.key(key)
            let slot = pairs.firstIndex { $0.key == key }
            if value == .null {
                if let slot { pairs.remove(at: slot) }
            } else if let slot {
                pairs[slot].value = Self.mergeValue(pairs[slot].value, value)
            } else {
                pairs.append((key, Self.mergeValue(.null, value)))
            }
        }
        return (.object(pairs), origin)
    }

    private static func mergeValue(_ base: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard let patchPairs = patch.objectPairs else { return patch }
        var pairs = base.objectPairs ?? []
        for (key, value) in patchPairs {
            let slot = pairs.firstIndex { $0.key == key }
            if value == .null {
                if let slot { pairs.remove(at: slot) }
            } else if let slot {
                pairs[slot].value = mergeValue(pairs[slot].value, value)
            } else {
                pairs.append((key, mergeValue(.null, value)))
            }
        }
        return .object(pairs)
    }
}
