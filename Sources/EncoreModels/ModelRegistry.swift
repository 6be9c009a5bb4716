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
        guard entriesByName[Model.name] == nil else {
            throw ModelRegistryError.duplicateName(Model.name, type: String(reflecting: Model.self))
        }
        let description = ModelDescription(
            name: Model.name, task: Model.task, summary: Model.summary, paper: Model.paper,
            configKeys: ModelDescription.configKeys(of: Model.defaultConfig, help: Model.configHelp))
        let entry = Entry(description: description) { json, context in
            let config = try ModelRegistry.decodeConfig(Model.Config.self, defaults: Model.defaultConfig, overrides: json)
            return try Model(config: config, context: context)
        }
        entriesByName[Model.name] = entry
        order.append(Model.name)
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

    /// The entry registered under `name`.
    public func entry(named name: String) -> Entry? { entriesByName[name] }

    /// Every registered model's description, in registration order.
    public var descriptions: [ModelDescription] { order.map { entriesByName[$0]!.description } }

    /// Decodes a config: the defaults encoded as JSON, overlaid with `overrides`, then decoded, so
    /// a config type needs no hand-written `init(from:)` for its defaults.
    /// - Throws: `ModelError.invalidConfig` naming the key when a value has the wrong type.
    public static func decodeConfig<Config: Codable>(_ type: Config.Type, defaults: Config, overrides: Data) throws -> Config {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let defaultObject = try JSONSerialization.jsonObject(with: encoder.encode(defaults)) as? [String: Any] ?? [:]
        let overrideObject: [String: Any]
        if overrides.isEmpty {
            overrideObject = [:]
        } else {
            guard let object = try JSONSerialization.jsonObject(with: overrides) as? [String: Any] else {
                throw ModelError.invalidConfig("a config must be a JSON object")
            }
            overrideObject = object
        }
        for key in overrideObject.keys where defaultObject[key] == nil {
            throw ModelError.invalidConfig("unknown key '\(key)'; known keys: \(defaultObject.keys.sorted().joined(separator: ", "))")
        }
        let merged = defaultObject.merging(overrideObject) { _, new in new }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(Config.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let DecodingError.typeMismatch(expected, context) {
            let key = context.codingPath.map { ModelDescription.snakeCase($0.stringValue) }.joined(separator: ".")
            throw ModelError.invalidConfig("'\(key)' expects \(expected)")
        } catch let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map { ModelDescription.snakeCase($0.stringValue) }.joined(separator: ".")
            throw ModelError.invalidConfig("'\(key)': \(context.debugDescription)")
        }
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
