import EncoreModels
import Foundation

/// The top-level settings a model entry inherits (and may patch).
struct TopLevelSettings {
    let root: JSONValue
    let dataset: DatasetSpec?
    let evaluationProtocol: ProtocolSpec?
    let metrics: [String]?
    let selection: SelectionSpec?
}

extension SpecDecoder {
    static let modelKeys = ["model", "label", "config", "grid", "search", "dataset", "protocol", "metrics", "selection"]

    mutating func model(_ value: JSONValue, at path: JSONPath, index: Int, top: TopLevelSettings) -> ModelSpec? {
        guard let object = ObjectReader(value, at: path, keys: Self.modelKeys, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        let names = descriptions.map(\.name)
        guard let name = object.string("model", required: true, problems: &problems) else { return nil }
        guard let description = descriptions.first(where: { $0.name == name }) else {
            let hint = names.isEmpty ? " (no models are registered)"
                : ObjectReader.suggestion(for: name, among: names).replacingOccurrences(of: "; known keys: ", with: ": ")
            problems.add(object.path("model"), expected: "a registered model" + hint, found: .string(name))
            return nil
        }
        let label = object.string("label", problems: &problems) ?? name
        if !Self.isSafeName(label, extra: "._+-") {
            problems.add(object.path("label"), expected: "a label matching [A-Za-z0-9][A-Za-z0-9._+-]*, at most \(Self.maxNameLength) characters",
                         found: .string(label))
        }
        let config = self.config(object.value("config"), at: object.path("config"), description: description)
        let grid = self.grid(object.value("grid"), at: object.path("grid"), description: description, config: object.value("config"))
        var search: RandomSearch?
        var searchValid = true
        if let value = object.value("search") {
            if object.has("grid") {
                problems.add(object.path("search"), expected: "either \"grid\" or \"search\" in a model entry, not both",
                             found: "both \"grid\" and \"search\"")
                searchValid = false
            } else {
                search = self.search(value, at: object.path("search"), description: description, config: object.value("config"), label: label)
                searchValid = search != nil
            }
        }
        let setting = self.setting(for: object, top: top)
        if let setting { checkFit(setting, task: description.task, model: object, index: index) }
        if let config, let grid, searchValid, let checks = description.checks {
            checkConfig(config, grid: grid, search: search, checks: checks, entry: object.path)
        }
        guard let config, let grid, searchValid, let setting else { return nil }
        return ModelSpec(index: index, model: name, task: description.task, label: label, config: config, grid: grid, search: search,
                         setting: setting)
    }

    /// The model's defaults (from `ConfigKey.defaultValue`) with `config` applied.
    private mutating func config(_ value: JSONValue?, at path: JSONPath, description: ModelDescription) -> [(key: String, value: JSONValue)]? {
        var merged: [(key: String, value: JSONValue)] = description.configKeys.compactMap { key in
            (try? JSONParser.parse(key.defaultValue)).map { (key.name, $0) }
        }
        guard let value else { return merged }
        guard let pairs = value.objectPairs else {
            problems.add(path, expected: "an object of \(description.name) config keys", found: value)
            return nil
        }
        var valid = true
        for (key, item) in pairs {
            guard let configKey = configKey(key, at: path.key(key), description: description) else { valid = false; continue }
            if !ConfigType.matches(item, configKey.type) {
                problems.add(path.key(key), expected: ConfigType.describe(configKey.type), found: item)
                valid = false
            }
            if let slot = merged.firstIndex(where: { $0.key == key }) { merged[slot].value = item } else { merged.append((key, item)) }
        }
        return valid ? merged : nil
    }

    private mutating func grid(_ value: JSONValue?, at path: JSONPath, description: ModelDescription, config: JSONValue?) -> [(key: String, values: [JSONValue])]? {
        guard let value else { return [] }
        guard let pairs = value.objectPairs else {
            problems.add(path, expected: "an object mapping config keys to arrays of values", found: value)
            return nil
        }
        var grid: [(key: String, values: [JSONValue])] = []
        for (key, item) in pairs {
            guard let configKey = configKey(key, at: path.key(key), description: description) else { continue }
            if config?[key] != nil {
                problems.add(path.key(key), expected: "a key not also set in config (grid values replace it)", found: "\"\(key)\" in both")
                continue
            }
            guard let values = item.arrayValue, !values.isEmpty else {
                problems.add(path.key(key), expected: "a non-empty array of \(ConfigType.describe(configKey.type)) values", found: item)
                continue
            }
            var ok = true
            for (position, candidate) in values.enumerated() {
                if !ConfigType.matches(candidate, configKey.type) {
                    problems.add(path.key(key).index(position), expected: ConfigType.describe(configKey.type), found: candidate)
                    ok = false
                } else if values[..<position].contains(candidate) {
                    problems.add(path.key(key).index(position), expected: "distinct grid values", found: "\(candidate.excerpt) again")
                    ok = false
                }
            }
            if ok { grid.append((key, values)) }
        }
        return grid.count == pairs.count ? grid : nil
    }

    /// Reports the model's own problems with its config at every grid point, or at every drawn
    /// point of a search and at each listed value and range end of its space (a number outside
    /// `Float`'s range, an unknown activation or optimizer, a size below 1, a rate outside its
    /// range), each at the path where the key was written.
    private mutating func checkConfig(
        _ config: [(key: String, value: JSONValue)], grid: [(key: String, values: [JSONValue])], search: RandomSearch?,
        checks: ModelChecks, entry: JSONPath
    ) {
        let points: [[(key: String, value: JSONValue)]]
        if let search {
            // Every listed value and both ends of every range, each tried at the first drawn point.
            points = search.points + search.space.flatMap { dimension in
                dimension.distribution.extremes.map { value in
                    search.points[0].map { $0.key == dimension.key ? (key: $0.key, value: value) : $0 }
                }
            }
        } else {
            guard MemoryEstimate.product(grid.map(\.values.count)) <= ExperimentSpec.maxRuns else { return }
            points = ExperimentSpec.cartesianProduct(grid)
        }
        var reported = Set<String>()
        for point in points {
            let json = Data(JSONValue.object(ExperimentSpec.config(config, at: point)).compactText.utf8)
            for problem in checks.problems(json) {
                let path = Self.configPath(problem.key, entry: entry, grid: grid, search: search, point: point)
                // A range is one path: the first of its values found wrong stands for the others.
                guard search == nil || reported.insert(path.text).inserted else { continue }
                problems.add(path, expected: problem.expected, found: Self.searchFound(problem, search: search))
            }
        }
    }

    /// What a config problem found; for a key drawn from a range, with the range it came from.
    private static func searchFound(_ problem: ConfigProblem, search: RandomSearch?) -> String {
        guard let bounds = search?.space.first(where: { $0.key == problem.baseKey })?.distribution.bounds else { return problem.found }
        return "\(problem.found) (a value of the range \(bounds.compactText))"
    }

    /// The path of config key `key` (`encoder_sizes[1]`) of the entry at `entry` for a point:
    /// in the grid list when the grid sets the key, at the list value or range of the search
    /// space when the search draws it, else in `config`; the entry itself for a problem of no key.
    static func configPath(
        _ key: String?, entry: JSONPath, grid: [(key: String, values: [JSONValue])], search: RandomSearch? = nil,
        point: [(key: String, value: JSONValue)]
    ) -> JSONPath {
        guard let key, !key.isEmpty else { return entry }
        let base = String(key.prefix { $0 != "[" && $0 != "." })
        let rest = String(key.dropFirst(base.count))
        var path = entry.key("config").key(base)
        let value = point.first(where: { $0.key == base })?.value
        if let values = grid.first(where: { $0.key == base })?.values, let value, let index = values.firstIndex(of: value) {
            path = entry.key("grid").key(base).index(index)
        } else if let distribution = search?.space.first(where: { $0.key == base })?.distribution {
            path = entry.key("search").key("space").key(base).key(distribution.form)
            guard case .values(let values) = distribution else { return path }
            if let value, let index = values.firstIndex(of: value) { path = path.index(index) }
        }
        return JSONPath(text: path.text + rest)
    }

    mutating func configKey(_ key: String, at path: JSONPath, description: ModelDescription) -> ConfigKey? {
        if let found = description.configKeys.first(where: { $0.name == key }) { return found }
        let names = description.configKeys.map(\.name)
        problems.add(path, expected: "a config key of \(description.name)" + ObjectReader.suggestion(for: key, among: names)
            .replacingOccurrences(of: "; known keys", with: "; its keys"), found: "key \"\(key)\"")
        return nil
    }
}

/// The config value types of `ConfigKey.type`.
enum ConfigType {
    static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch type {
        case "int": return value.intValue != nil
        case "double": return value.doubleValue != nil
        case "bool": return value.boolValue != nil
        case "string": return value.stringValue != nil
        case "[int]", "[double]", "[bool]", "[string]":
            guard let items = value.arrayValue else { return false }
            let element = String(type.dropFirst().dropLast())
            return items.allSatisfy { matches($0, element) }
        default: return true
        }
    }

    static func describe(_ type: String) -> String {
        switch type {
        case "int": return "an integer"
        case "double": return "a number"
        case "bool": return "true or false"
        case "string": return "a string"
        case "[int]": return "an array of integers"
        case "[double]": return "an array of numbers"
        case "[bool]": return "an array of booleans"
        case "[string]": return "an array of strings"
        default: return "a JSON value"
        }
    }
}
