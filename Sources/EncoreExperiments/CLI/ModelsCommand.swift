import EncoreModels
import Foundation

extension EncoreCLI {
    /// `encore models [--json]`: every model of `registry` with its config keys.
    static func modelsCommand(registry: ModelRegistry) -> Command { Command(
        name: "models",
        overview: "List every registered model with its task, paper and config keys.",
        options: [.flag("json", "Print one JSON document instead of text.")]
    ) { arguments in
        print(modelsListing(registry.descriptions, json: arguments.flag("json")))
        return .success
    } }

    /// The text (or JSON) printed by `encore models`.
    static func modelsListing(_ descriptions: [ModelDescription], json: Bool) -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let data = (try? encoder.encode(descriptions)) ?? Data("[]".utf8)
            return String(decoding: data, as: UTF8.self)
        }
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
}
