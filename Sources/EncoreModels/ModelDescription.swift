

/// What a model is evaluated on.
public enum ModelTask: String, Codable, Sendable, CaseIterable {
    /// Predicts explicit ratings; evaluated by rmse / mae.
    case rating
    /// Scores every item for a user from an interaction history; evaluated by top-k metrics.
    case ranking
}

/// One configuration key of a model, as listed by `encore models` and checked by spec validation.
public struct ConfigKey: Codable, Sendable, Equatable {
    /// The snake_case key used in specs (`hidden_units`).
    public let name: String
    /// The JSON type: `"int"`, `"double"`, `"bool"`, `"string"`, `"[int]"`, `"[double]"`, `"[string]"`.
    public let type: String
    /// The default value as compact JSON text (`500`, `"sigmoid"`, `[600]`).
    public let defaultValue: String
    /// One sentence of help.
    public let help: String

    /// Creates a key description.
    public init(name: String, type: String, defaultValue: String, help: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
    }
}

/// The user-facing description of a registered model.
public struct ModelDescription: Codable, Sendable, Equatable {
    /// The registered name used in specs and tables (`"mult-vae"`).
    public let name: String
    /// Rating prediction or ranking.
    public let task: ModelTask
    /// A one-line description.
    public let summary: String
    /// The paper the model follows (authors, year, title).
    public let paper: String
    /// Every configuration key with its type and default.
    public let configKeys: [ConfigKey]
    /// The model's own config rules and memory estimate, set by `ModelRegistry.register`; nil
    /// for a description written by hand (then specs are checked for key names and JSON types
    /// only). Not part of the JSON form.
    public var checks: ModelChecks?

    /// The keys of the JSON form (`encore models --json`); `checks` is behaviour, not data.
    enum CodingKeys: String, CodingKey {
        case name, task, summary, paper, configKeys
    }

    /// Creates a description.
    public init(name: String, task: ModelTask, summary: String, paper: String, configKeys: [ConfigKey]) {
        self.name = name
        self.task = task
        self.summary = summary
        self.paper = paper
        self.configKeys = configKeys
    }

    /// Derives the key list from a config's default value, so docs never drift from code.
    ///
    /// Config property names are camelCase in Swift and snake_case in specs (the registry codes
    /// configs with `.convertToSnakeCase`); types come from the Swift values, defaults are their
    /// JSON text, `help[snake_case_key]` the description.
    public static func configKeys<Config: Encodable>(of defaults: Config, help: [String: String]) -> [ConfigKey] {
        Mirror(reflecting: defaults).children.compactMap { child in
            guard let label = child.label else { return nil }
            let key = snakeCase(label)
            let (type, text) = describe(child.value)
            return ConfigKey(name: key, type: type, defaultValue: text, help: help[key] ?? "")
        }
    }

    /// `hiddenUnits` -> `hidden_units`, the same rule as `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`.
    public static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func describe(_ value: Any) -> (type: String, json: String) {
        // An empty array casts to every array type, so arrays are told apart by their own type.
        if let floats = value as? [Float], type(of: value) == [Float].self {
            return ("[double]", "[" + floats.map { "\($0)" }.joined(separator: ", ") + "]")
        }
        if let doubles = value as? [Double], type(of: value) == [Double].self {
            return ("[double]", "[" + doubles.map { "\($0)" }.joined(separator: ", ") + "]")
        }
        if let strings = value as? [String], type(of: value) == [String].self {
            return ("[string]", "[" + strings.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
        }
        switch value {
        case let v as Bool: return ("bool", v ? "true" : "false")
        case let v as Int: return ("int", "\(v)")
        case let v as Double: return ("double", "\(v)")
        case let v as Float: return ("double", "\(v)")
        case let v as String: return ("string", "\"\(v)\"")
        case let v as [Int]: return ("[int]", "[" + v.map { "\($0)" }.joined(separator: ", ") + "]")
        case let v as [Double]: return ("[double]", "[" + v.map { "\($0)" }.joined(separator: ", ") + "]")
        case let v as [String]: return ("[string]", "[" + v.map { "\"\($0)\"" }.joined(separator: ", ") + "]")
        case let v as any RawRepresentable:
            if let raw = v.rawValue as? String { return ("string", "\"\(raw)\"") }
            return describe(v.rawValue)
        default: return ("object", "\(value)")
        }
    }
}
