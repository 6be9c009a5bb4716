import Foundation

/// Maps registered names to model factories.
///
/// `ModelRegistry.standard` holds the zoo; a user adds a model defined in their own module with
/// one call, without editing this package, and hands the result to the command line:
/// ```swift
/// EncoreCLI.main(registry: .standard.adding(MyVariant.self))
/// ```
/// A registry is a value: `adding` and `register` never change `ModelRegistry.standard`.
public struct ModelRegistry: Sendable {
    /// A registered model: its description and a factory from a JSON config.
    public struct Entry: Sendable {
        /// Name, task, summary, paper and config keys.
        public let description: ModelDescription
        /// Creates a model from a JSON object of config overrides (snake_case keys; missing keys
        /// take the defaults).
        public let make: @Sendable (_ configJSON: Data, _ context: ModelContext) throws -> any Recommender
    }

    private var entriesByName: [String: Entry] = [:]
    private var order: [String] = []

    /// An empty registry.
    public init() {}

    /// Registers `Model` under `Model.name`.
    /// - Throws: `ModelRegistryError.duplicateName` when a model of that name is already
    ///   registered (names are what specs and tables refer to, so one name means one model).
    public mutating func register<Model: Recommender>(_ model: Model.Type) throws {
        try register(model, as: Model.name, summary: Model.summary, defaults: Model.defaultConfig)
    }

    /// Registers a variant of `Model`: the same type under another name with preset defaults
    /// (`dae` is CDAE without the user node; `esae` is EASE under the name ESAE). A
    /// spec's config overrides the preset like any default; validation, memory estimates and
    /// `encore models` see the preset. This is the one way variants are made: a new type is for
    /// a new architecture or loss, not for other defaults.
    /// - Throws: `ModelRegistryError.duplicateName` when `name` is taken.
    public mutating func register<Model: Recommender>(
        _ model: Model.Type, as name: String, summary: String, defaults: Model.Config
    ) throws {
        guard entriesByName[name] == nil else {
            throw ModelRegistryError.duplicateName(name, type: String(reflecting: Model.self))
        }
        var description = ModelDescription(
            name: name, task: Model.task, summary: summary, paper: Model.paper,
            configKeys: ModelDescription.configKeys(of: defaults, help: Model.configHelp))
        description.checks = ModelChecks(Model.self, defaults: defaults)
        let entry = Entry(description: description) { json, context in
            let config = try ModelRegistry.decodeConfig(Model.Config.self, defaults: defaults, overrides: json)
            return try Model(config: config, context: context)
        }
        entriesByName[name] = entry
        order.append(name)
    }

    /// This registry plus `Model`; the receiver is unchanged.
    ///
    /// Meant for the one-line entry point of a user's binary:
    /// `EncoreCLI.main(registry: .standard.adding(MyVariant.self))`.
    /// - Precondition: no model named `Model.name` is registered yet. A clash is a programming
    ///   error in the binary, so it stops the program at start-up, in every build configuration,
    ///   with the message of `ModelRegistryError.duplicateName`; `register(_:)` throws instead.
    public func adding<Model: Recommender>(_ model: Model.Type) -> ModelRegistry {
        var registry = self
        do {
            try registry.register(model)
        } catch {
            fatalError("\(error)")
        }
        return registry
    }

    /// This registry plus a variant of `Model` (see `register(_:as:summary:defaults:)`); the
    /// receiver is unchanged.
    /// - Precondition: `name` is not registered yet (a clash stops the program, as in `adding`).
    public func adding<Model: Recommender>(
        _ model: Model.Type, as name: String, summary: String, defaults: Model.Config
    ) -> ModelRegistry {
        var registry = self
        do {
            try registry.register(model, as: name, summary: summary, defaults: defaults)
        } catch {
            fatalError("\(error)")
        }
        return registry
    }

    /// The entry registered under `name`.
    public func entry(named name: String) -> Entry? { entriesByName[name] }

    /// Every registered model's description, in registration order.
    public var descriptions: [ModelDescription] { order.map { entriesByName[$0]!.description } }

    /// Decodes a config: the defaults encoded as JSON, overlaid with `overrides`, then decoded, so
    /// a config type needs no hand-written `init(from:)` for its defaults.
    /// - Throws: `ModelError.invalidConfig` naming the key when a key is unknown or a value does
    ///   not decode (wrong type, a number outside `Float`'s range, an unknown enum value).
    public static func decodeConfig<Config: Codable>(_ type: Config.Type, defaults: Config, overrides: Data) throws -> Config {
        switch decodeConfigReportingProblem(type, defaults: defaults, overrides: overrides) {
        case .success(let config): return config
        case .failure(let problem): throw ModelError.invalidConfig(problem.description)
        }
    }

    /// Decodes like `decodeConfig`, returning a failure as the `ConfigProblem` of its key (what
    /// spec validation reports at the key's JSON path).
    public static func decodeConfigReportingProblem<Config: Codable>(
        _ type: Config.Type, defaults: Config, overrides: Data
    ) -> Result<Config, ConfigProblem> {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let defaultData = try? encoder.encode(defaults),
              let defaultObject = (try? JSONSerialization.jsonObject(with: defaultData)) as? [String: Any] else {
            return .failure(ConfigProblem(key: "", expected: "defaults that encode as a JSON object", found: "\(defaults)"))
        }
        var overrideObject: [String: Any] = [:]
        if !overrides.isEmpty {
            guard let object = (try? JSONSerialization.jsonObject(with: overrides)) as? [String: Any] else {
                return .failure(ConfigProblem(key: "", expected: "a JSON object", found: String(decoding: overrides.prefix(60), as: UTF8.self)))
            }
            overrideObject = object
        }
        for key in overrideObject.keys.sorted() where defaultObject[key] == nil {
            return .failure(ConfigProblem(key: key, expected: "a known key (\(defaultObject.keys.sorted().joined(separator: ", ")))", found: "key \"\(key)\""))
        }
        let merged = defaultObject.merging(overrideObject) { _, new in new }
        if let problem = floatRangeProblem(defaults: defaults, values: merged) { return .failure(problem) }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return .success(try decoder.decode(Config.self, from: JSONSerialization.data(withJSONObject: merged)))
        } catch let DecodingError.typeMismatch(expected, context) {
            return .failure(problem(at: context, expected: "\(expected)", defaults: defaults, values: merged))
        } catch let DecodingError.dataCorrupted(context) {
            return .failure(problem(at: context, expected: context.debugDescription, defaults: defaults, values: merged))
        } catch let DecodingError.valueNotFound(expected, context) {
            return .failure(problem(at: context, expected: "\(expected)", defaults: defaults, values: merged))
        } catch {
            return .failure(ConfigProblem(key: "", expected: "a config that decodes", found: "\(error)"))
        }
    }

    /// The first number outside `Float`'s range (beyond its largest magnitude, or so small that
    /// it would round to zero) given for a `Float` or `[Float]` property of the config, which
    /// `JSONDecoder` would refuse without naming the key.
    private static func floatRangeProblem<Config>(defaults: Config, values: [String: Any]) -> ConfigProblem? {
        for child in Mirror(reflecting: defaults).children {
            guard let label = child.label, child.value is Float || child.value is [Float] else { continue }
            let key = ModelDescription.snakeCase(label)
            let numbers: [Any] = (values[key] as? [Any]) ?? [values[key] as Any]
            for (index, number) in numbers.enumerated() {
                guard let value = (number as? NSNumber)?.doubleValue, !ConfigValueKind.fitsFloat(value) else { continue }
                return ConfigProblem(key: child.value is Float ? key : "\(key)[\(index)]",
                                     expected: ConfigValueKind.floatRange, found: "\(value)")
            }
        }
        return nil
    }

    /// The problem of a value that did not decode: its key, what the default's Swift type
    /// accepts (`Float`: a finite number within its range; an enum: its raw values), the value.
    private static func problem<Config>(
        at context: DecodingError.Context, expected fallback: String, defaults: Config, values: [String: Any]
    ) -> ConfigProblem {
        var key = ""
        for part in context.codingPath {
            if let index = part.intValue { key += "[\(index)]" } else { key += (key.isEmpty ? "" : ".") + ModelDescription.snakeCase(part.stringValue) }
        }
        let top = context.codingPath.first.map { ModelDescription.snakeCase($0.stringValue) } ?? ""
        var found = "a value that does not decode"
        if var value = values[top] {
            for part in context.codingPath.dropFirst() {
                if let index = part.intValue, let array = value as? [Any], index < array.count { value = array[index] }
            }
            if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
                found = String(decoding: data.prefix(60), as: UTF8.self)
            }
        }
        let template = Mirror(reflecting: defaults).children.first { ModelDescription.snakeCase($0.label ?? "") == top }?.value
        return ConfigProblem(key: key, expected: ConfigValueKind.expected(for: template) ?? fallback, found: found)
    }
}

/// A model that cannot be registered.
public enum ModelRegistryError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `name` is already taken by another registered model; `type` is the model that asked for it.
    case duplicateName(_ name: String, type: String)

    public var description: String {
        switch self {
        case let .duplicateName(name, type):
            return "cannot register \(type): a model named '\(name)' is already registered "
                + "(see 'encore models'); give \(type) another static 'name'"
        }
    }
}
