import Foundation

extension ExperimentSpec {
    /// Parses and validates spec text, with `--set` overrides applied to the JSON tree first.
    /// - Parameters:
    ///   - text: the spec's JSON text.
    ///   - source: the file name used in the error header.
    ///   - overrides: applied in order before validation.
    ///   - models: the registered models (the registry's descriptions); names, tasks and config
    ///     keys are checked against them, and configs against each model's `checks`.
    ///   - memoryLimit: runs whose estimated memory exceeds it are refused (`memoryProblems`).
    /// - Throws: `SpecError` listing every problem (a syntax error is one problem with its line
    ///   and column).
    public static func parse(
        _ text: String, source: String = "<spec>", overrides: [SpecOverride] = [], models: [ModelDescription],
        memoryLimit: MemoryLimit = .machineDefault
    ) throws(SpecError) -> ExperimentSpec {
        let root: JSONValue
        do {
            root = try JSONParser.parse(text)
        } catch {
            throw SpecError(source: source, problems: [SpecProblem(path: "line \(error.line), column \(error.column)", expected: "valid JSON", found: error.message)])
        }
        return try validated(root, source: source, overrides: overrides, models: models, memoryLimit: memoryLimit)
    }

    /// Validates an already-parsed tree (after applying `overrides`): first every key, type and
    /// range, then the memory each run is estimated to need against `memoryLimit`.
    /// - Throws: `SpecError` listing every problem.
    public static func validated(
        _ root: JSONValue, source: String = "<spec>", overrides: [SpecOverride] = [], models: [ModelDescription],
        memoryLimit: MemoryLimit = .machineDefault
    ) throws(SpecError) -> ExperimentSpec {
        var root = root
        var problems = ProblemList()
        for override in overrides {
            if let problem = override.apply(to: &root) { problems.add(problem) }
        }
        guard problems.isEmpty else { throw SpecError(source: source, problems: problems.problems) }
        var decoder = SpecDecoder(models: models)
        guard var spec = decoder.spec(root) else { throw SpecError(source: source, problems: decoder.problems.problems) }
        spec.source = source
        let memory = spec.memoryProblems(models: models, limit: memoryLimit, dimensions: assumedDimensions)
        guard memory.isEmpty else { throw SpecError(source: source, problems: memory) }
        return spec
    }

    /// Reads and validates the spec file at `path`.
    /// - Throws: `SpecError` (exit 64) for problems in the spec, `SpecFileError` (exit 74) when
    ///   the file cannot be read or is not UTF-8.
    public static func load(
        file path: String, overrides: [SpecOverride] = [], models: [ModelDescription], memoryLimit: MemoryLimit = .machineDefault
    ) throws -> ExperimentSpec {
        guard let data = FileManager.default.contents(atPath: path) else { throw SpecFileError(path: path, reason: "cannot read the file") }
        guard let text = String(data: data, encoding: .utf8) else { throw SpecFileError(path: path, reason: "the file is not UTF-8 text") }
        return try parse(text, source: path, overrides: overrides, models: models, memoryLimit: memoryLimit)
    }

    /// Every problem in `json` (empty when it is a valid spec); for tools and tests.
    public static func validate(
        json: Data, overrides: [SpecOverride] = [], models: [ModelDescription], memoryLimit: MemoryLimit = .machineDefault
    ) -> [SpecProblem] {
        guard let text = String(data: json, encoding: .utf8) else {
            return [SpecProblem(path: "$", expected: "UTF-8 text", found: "\(json.count) bytes that are not UTF-8")]
        }
        do {
            _ = try parse(text, overrides: overrides, models: models, memoryLimit: memoryLimit)
            return []
        } catch {
            return error.problems
        }
    }
}

/// A spec file that could not be read: exit code 74.
public struct SpecFileError: ExitCodeError, Equatable {
    /// The path given.
    public let path: String
    /// Why it failed.
    public let reason: String
    public var exitCode: ExitCode { .ioError }
    public var description: String { "cannot read spec '\(path)': \(reason)" }
}
