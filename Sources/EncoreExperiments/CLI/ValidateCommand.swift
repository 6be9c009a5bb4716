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
            dataDirectoryOption,
            memoryLimitOption,
        ],
        discussion: """
            Every problem is printed on its own line: the JSON path, what was expected and what
            was found. On success prints the spec hash and the number of runs.

            Model configs are checked by each model's own rules, and every run's memory is
            estimated: runs over the memory limit are refused (for data that is only known once
            loaded, as sized for the smallest data; 'encore run' checks again with the loaded
            data). The limit is --memory-limit, else $ENCORE_MEMORY_LIMIT, else 75% of physical
            memory.

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

    /// Loads the spec named by the first positional with `--set`, `--threads` and `--data-dir` applied,
    /// validates it against the models of `registry` and checks it against the memory limit of
    /// `--memory-limit` (shared by `validate` and `run`).
    /// - Throws: `SpecError` (64), `UsageError` (64) for a bad option, `SpecFileError` (74).
    public static func loadSpec(_ arguments: ParsedArguments, registry: ModelRegistry) throws -> ExperimentSpec {
        var overrides: [SpecOverride] = []
        for text in arguments.values["set"] ?? [] { overrides.append(try SpecOverride(parsing: text)) }
        if let threads = arguments.value("threads") { overrides.append(.threads(threads)) }
        if let directory = arguments.value("data-dir") { overrides.append(.dataDirectory(directory)) }
        return try ExperimentSpec.load(
            file: arguments.positionals[0], overrides: overrides, models: registry.descriptions,
            memoryLimit: memoryLimit(arguments))
    }

    /// `--data-dir DIR` of `validate` and `run`.
    static let dataDirectoryOption = OptionSpec.value(
        "data-dir", "DIR", "Folder holding the named dataset; shorthand for --set dataset.data_dir=DIR.")

    /// `--memory-limit SIZE` of `validate` and `run`.
    static let memoryLimitOption = OptionSpec.value(
        "memory-limit", "SIZE", "Refuse runs estimated to need more memory (16G, 512M, 80%; default $ENCORE_MEMORY_LIMIT, else 75% of RAM).")

    /// The memory limit in force: `--memory-limit`, else `ENCORE_MEMORY_LIMIT`, else the default.
    /// - Throws: `UsageError` for a value that is not a size.
    static func memoryLimit(_ arguments: ParsedArguments) throws -> MemoryLimit {
        try MemoryLimit.resolve(option: arguments.value("memory-limit"))
    }
}
