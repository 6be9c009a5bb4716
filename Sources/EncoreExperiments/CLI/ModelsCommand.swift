import EncoreModels
import Foundation

extension EncoreCLI {
    /// `encore models [NAME] [--json]`: every model of `registry` with its config keys, or the
    /// model named NAME alone.
    static func modelsCommand(registry: ModelRegistry) -> Command { Command(
        name: "models",
        overview: "List every registered model with its task, paper and config keys.",
        arguments: [ArgumentSpec("NAME", "Show only this model (its description, config keys and defaults).", optional: true)],
        options: [.flag("json", "Print one JSON document instead of text.")],
        discussion: """
            EXAMPLES:
              encore models
              encore models ease
              encore models mult-vae --json

            EXIT CODES: 0 ok, 64 unknown model name (the message lists the registered names).
            """
    ) { arguments in
        guard let name = arguments.positionals.first else {
            print(modelsListing(registry.descriptions, json: arguments.flag("json")))
            return .success
        }
        guard let model = registry.entry(named: name)?.description else {
            let names = registry.descriptions.map(\.name).joined(separator: ", ")
            throw UsageError("unknown model '\(name)'; registered models: \(names)")
        }
        // With --json, one object rather than a one-element array.
        print(arguments.flag("json") ? json(model) : modelsListing([model], json: false))
        return .success
    } }

    /// The text (or JSON) printed by `encore models`.
    static func modelsListing(_ descriptions: [ModelDescription], json: Bool) -> String {
        if json { return Self.json(descriptions) }
        var text = ""
        for model in descriptions {
            text += "\(model.name)  [\(model.task.rawValue)]  \(model.summary)\n"
            text += "    paper: \(model.paper)\n"
            for key in model.configKeys {
                let head = "    \(key.name): \(key.type) = \(key.defaultValue)"
                text += head.padding(toLength: max(head.count, 48), withPad: " ", startingAt: 0) + "  \(key.help)\n"
            }
            text += "\n"
        }
        return text.isEmpty ? "no models registered" : String(text.dropLast())
    }

    /// Pretty JSON with snake_case keys, sorted (`encore models --json`).
    private static func json<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
