import EncoreModels

extension SpecDecoder {
    static let searchKeys = ["kind", "trials", "seed", "space"]
    /// The keys of one dimension of a search space: exactly one of them.
    static let dimensionKeys = ["values", "range", "log_range"]

    /// A model entry's `search`: nil (with problems recorded) when anything is wrong, including
    /// a space too small for `trials` distinct points.
    mutating func search(
        _ value: JSONValue, at path: JSONPath, description: ModelDescription, config: JSONValue?, label: String
    ) -> RandomSearch? {
        guard let object = ObjectReader(value, at: path, keys: Self.searchKeys, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        let kind = object.string("kind", required: true, allowed: RandomSearch.kinds, problems: &problems)
        let trials = object.int("trials", required: true, range: 1...ExperimentSpec.maxRuns, problems: &problems)
        let seed = object.int("seed", range: 0...Int.max, problems: &problems)
        let space = self.space(object.value("space"), at: object.path("space"), description: description, config: config)
        guard kind != nil, let trials, let space else { return nil }
        if let distinct = RandomSearch.distinctPoints(space), trials > distinct {
            problems.add(object.path("trials"), expected: "at most \(distinct) trials, the number of distinct points of the space "
                + "(a grid runs every point)", found: .int(trials))
            return nil
        }
        let seedValue = seed.map { UInt64($0) } ?? RandomSearch.defaultSeed(label: label)
        guard let search = RandomSearch(trials: trials, seed: seedValue, space: space) else {
            problems.add(object.path("space"), expected: "a space with room for \(trials) distinct points "
                + "(its ranges gave only points earlier trials had)", found: object.value("space"))
            return nil
        }
        return search
    }

    private mutating func space(_ value: JSONValue?, at path: JSONPath, description: ModelDescription, config: JSONValue?) -> [SearchDimension]? {
        guard let value, let pairs = value.objectPairs, !pairs.isEmpty else {
            problems.add(path, expected: "a non-empty object mapping config keys to {\"values\": [...]}, {\"range\": [low, high]} "
                + "or {\"log_range\": [low, high]}", found: value)
            return nil
        }
        var space: [SearchDimension] = []
        for (key, item) in pairs {
            guard let configKey = configKey(key, at: path.key(key), description: description) else { continue }
            if config?[key] != nil {
                problems.add(path.key(key), expected: "a key not also set in config (searched values replace it)", found: "\"\(key)\" in both")
                continue
            }
            if let distribution = distribution(item, at: path.key(key), type: configKey.type) {
                space.append(SearchDimension(key: key, distribution: distribution))
            }
        }
        return space.count == pairs.count ? space : nil
    }

    /// One key's `{"values": [...]}`, `{"range": [low, high]}` or `{"log_range": [low, high]}`,
    /// checked against the key's config type: ranges for integer and number keys only, with
    /// integer bounds for integer keys.
    private mutating func distribution(_ value: JSONValue, at path: JSONPath, type: String) -> SearchDistribution? {
        guard let object = ObjectReader(value, at: path, keys: Self.dimensionKeys, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        let given = Self.dimensionKeys.filter(object.has)
        guard given.count == 1, let form = given.first, let item = object.value(form) else {
            problems.add(path, expected: "exactly one of \"values\", \"range\", \"log_range\"",
                         found: given.isEmpty ? "none" : given.map { "\"\($0)\"" }.joined(separator: " and "))
            return nil
        }
        let itemPath = object.path(form)
        if form == "values" { return values(item, at: itemPath, type: type) }
        guard type == "int" || type == "double" else {
            problems.add(itemPath, expected: "\"values\" (\(form) applies to integer and number keys; this key takes \(ConfigType.describe(type)))",
                         found: "\"\(form)\"")
            return nil
        }
        let logarithmic = form == "log_range"
        let bounds = item.arrayValue ?? []
        let expected = type == "int"
            ? "[low, high]: two integers with low < high" + (logarithmic ? " and low >= 1" : "")
            : "[low, high]: two numbers with low < high" + (logarithmic ? " and low > 0" : "")
        guard bounds.count == 2 else {
            problems.add(itemPath, expected: expected, found: item)
            return nil
        }
        if type == "int" {
            guard let low = bounds[0].intValue, let high = bounds[1].intValue, low < high, !logarithmic || low >= 1 else {
                problems.add(itemPath, expected: expected, found: item)
                return nil
            }
            return logarithmic ? .integerLogRange(low: low, high: high) : .integerRange(low: low, high: high)
        }
        guard let low = bounds[0].doubleValue, let high = bounds[1].doubleValue, low < high, (high - low).isFinite,
              !logarithmic || low > 0 else {
            problems.add(itemPath, expected: expected, found: item)
            return nil
        }
        return logarithmic ? .numberLogRange(low: low, high: high) : .numberRange(low: low, high: high)
    }

    private mutating func values(_ item: JSONValue, at path: JSONPath, type: String) -> SearchDistribution? {
        guard let values = item.arrayValue, !values.isEmpty else {
            problems.add(path, expected: "a non-empty array of values, each \(ConfigType.describe(type))", found: item)
            return nil
        }
        var ok = true
        for (position, candidate) in values.enumerated() {
            if !ConfigType.matches(candidate, type) {
                problems.add(path.index(position), expected: ConfigType.describe(type), found: candidate)
                ok = false
            } else if values[..<position].contains(candidate) {
                problems.add(path.index(position), expected: "distinct values", found: "\(candidate.excerpt) again")
                ok = false
            }
        }
        return ok ? .values(values) : nil
    }
}
