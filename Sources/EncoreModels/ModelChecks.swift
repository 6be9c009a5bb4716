import Foundation

/// What spec validation asks a registered model beyond key names and JSON types: the problems of
/// a full config (decoding included) and its memory estimate for data of a given size.
///
/// `ModelRegistry.register` builds it from the model's `configProblems` and `memoryEstimate` and
/// stores it in the model's `ModelDescription`, so a spec is checked by the model's own rules,
/// for custom models as for the zoo.
public struct ModelChecks: Sendable, Equatable {
    /// The model type the checks come from (`String(reflecting:)`); checks of one type are equal.
    public let modelType: String
    /// The problems of a full config (a JSON object with snake_case keys): a value that does not
    /// decode (a number outside `Float`'s range, an unknown enum value) or breaks the model's
    /// rules; empty when the model accepts it.
    public let problems: @Sendable (_ configJSON: Data) -> [ConfigProblem]
    /// The memory estimate of a full config for data of the given size; nil when the config
    /// does not decode.
    public let memory: @Sendable (_ configJSON: Data, _ dimensions: DataDimensions) -> MemoryEstimate?

    /// The checks of `Model` (missing keys take `defaults`, the model's own by default).
    public init<Model: Recommender>(_ model: Model.Type, defaults: Model.Config? = nil) {
        modelType = String(reflecting: Model.self)
        let defaults = defaults ?? Model.defaultConfig
        problems = { json in
            switch ModelRegistry.decodeConfigReportingProblem(Model.Config.self, defaults: defaults, overrides: json) {
            case .success(let config): return Model.configProblems(config)
            case .failure(let problem): return [problem]
            }
        }
        memory = { json, dimensions in
            guard case .success(let config) = ModelRegistry.decodeConfigReportingProblem(
                Model.Config.self, defaults: defaults, overrides: json) else { return nil }
            return Model.memoryEstimate(config: config, dimensions: dimensions)
        }
    }

    public static func == (a: ModelChecks, b: ModelChecks) -> Bool { a.modelType == b.modelType }
}

/// What a config value of a given Swift type accepts, for messages about values that do not decode.
enum ConfigValueKind {
    /// `Float` (and `[Float]`): a finite number within its range; an enum: its raw values; nil
    /// for other types (the decoder's own message is used).
    static func expected(for template: Any?) -> String? {
        switch template {
        case is Float: return floatRange
        case is [Float]: return "an array of numbers, each " + floatRange.dropFirst(2)
        case let value as any (CaseIterable & RawRepresentable): return ConfigChecks.oneOf(rawValues(of: value))
        default: return nil
        }
    }

    /// What a `Float` property accepts.
    static let floatRange = "a number within Float's range (0, or a magnitude from \(Float.leastNonzeroMagnitude) to \(Float.greatestFiniteMagnitude))"

    /// Whether `value` decodes as a `Float`: 0, or a finite magnitude that neither overflows nor
    /// rounds to zero.
    static func fitsFloat(_ value: Double) -> Bool {
        value == 0 || (value.magnitude >= Double(Float.leastNonzeroMagnitude) && value.magnitude <= Double(Float.greatestFiniteMagnitude))
    }

    private static func rawValues<Value: CaseIterable & RawRepresentable>(of value: Value) -> [String] {
        Value.allCases.map { "\($0.rawValue)" }
    }
}
