import EncoreModels

extension EncoreCLI {
    /// `encore validate SPEC [--set K=V ...] [--threads N]`: checks a spec against the models
    /// of `registry` and exits 0 or 64.
    static func validateCommand(registry: ModelRegistry) -> Command { Command(
        name: "validate",
        overview: "Check an experiment spec without running anything.",
        arguments: [ArgumentSpec("SPEC", "The experiment spec (JSON).")],
        options: [
            .value("set", "KEY.PATH=VALUE", "Override a spec value (VALUE is JSON, else a string).", repeatable: true),
            .value("threads", "N", "Shorthand for --set threads=N."),
        ],
        discussion: """
            Every problem is printed on its own line: the JSON path, what was expected and what
            was found. On success prints the spec hash and the number of runs.

            EXAMPLES:
              encore validate experiments/quickstart.json
              encore validate experiments/ml1m-ranking.json --set seeds=[1] --set 'models[0].config.epochs=5'

            EXIT CODES: 0 valid, 64 invalid spec or usage, 74 unreadable file.
            """
    ) { arguments in
        let spec = try loadSpec(arguments, registry: registry)
        let runs = spec.runPlans()
        print("\(arguments.positionals[0]): ok: \(spec.models.count) models, \(runs.count) runs, spec sha256 \(spec.sha256)")
        return .success
    } }

    /// Loads the spec named by the first positional with `--set` and `--threads` applied and
    /// validates it against the models of `registry` (shared by `validate` and `run`).
    /// - Throws: `SpecError` (64), `SpecFileError` (74).
    public static func loadSpec(_ arguments: ParsedArguments, registry: ModelRegistry) throws -> ExperimentSpec {
        var overrides: [SpecOverride] = []
        for text in arguments.values["set"] ?? [] { overrides.append(try SpecOverride(parsing: text)) }
        if let threads = arguments.value("threads") { overrides.append(.threads(threads)) }
        return try ExperimentSpec.load(file: arguments.positionals[0], overrides: overrides, models: registry.descriptions)
    }
}
