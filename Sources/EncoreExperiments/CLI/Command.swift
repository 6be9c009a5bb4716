import Foundation

/// One option of a command, for parsing and for `--help`.
public struct OptionSpec: Sendable {
    /// The long name without dashes, kebab-case (`threads`).
    public let name: String
    /// The value placeholder (`N`, `PATH`); nil for a flag that takes no value.
    public let valueName: String?
    /// One sentence of help.
    public let help: String
    /// Whether the option may be given more than once (`--set A=1 --set B=2`).
    public let repeatable: Bool

    /// Creates an option that takes a value.
    public static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, repeatable: repeatable)
    }

    /// Creates a flag (no value).
    public static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help, repeatable: false)
    }
}

/// One positional argument of a command, for `--help`.
public struct ArgumentSpec: Sendable {
    /// The placeholder shown in usage (`SPEC`); a last argument named `X...` takes every
    /// remaining positional.
    public let name: String
    /// One sentence of help.
    public let help: String
    /// Whether the argument may be left out.
    public let optional: Bool

    /// Creates a positional argument description.
    public init(_ name: String, _ help: String, optional: Bool = false) {
        self.name = name
        self.help = help
        self.optional = optional
    }
}

/// The parsed command line of one command.
public struct ParsedArguments: Sendable {
    /// Positional arguments in order.
    public var positionals: [String] = []
    /// Values of options that take one, in the order given.
    public var values: [String: [String]] = [:]
    /// Flags that were given.
    public var flags: Set<String> = []
    /// The arguments as given, after the command name (to print a command that repeats them).
    public var raw: [String] = []

    /// The last value given for `name`, if any.
    public func value(_ name: String) -> String? { values[name]?.last }

    /// Whether the flag `name` was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The integer value of `name`, or `defaultValue` when absent.
    /// - Throws: `UsageError` when the value is not an integer in `range`.
    public func int(_ name: String, default defaultValue: Int? = nil, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let text = value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("--\(name) expects an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// The floating-point value of `name`, or `defaultValue` when absent.
    public func double(_ name: String, default defaultValue: Double? = nil) throws -> Double? {
        guard let text = value(name) else { return defaultValue }
        guard let number = Double(text), number.isFinite else {
            throw UsageError("--\(name) expects a number, got '\(text)'")
        }
        return number
    }
}

/// A command of the `encore` tool: its help text, its options, and what it does.
///
/// Subcommands (`bench gemm`) are commands with a two-word name. `run` returns the exit code.
public struct Command: Sendable {
    /// The full name, e.g. `"validate"` or `"bench gemm"`.
    public let name: String
    /// One capitalised sentence ending in a full stop.
    public let overview: String
    /// Positional arguments.
    public let arguments: [ArgumentSpec]
    /// Options (`--help` is added automatically).
    public let options: [OptionSpec]
    /// Extra text printed after OPTIONS (examples, exit codes).
    public let discussion: String?
    /// Runs the command; returns the exit code.
    public let run: @Sendable (ParsedArguments) throws -> ExitCode

    /// Creates a command.
    public init(
        name: String, overview: String, arguments: [ArgumentSpec] = [], options: [OptionSpec] = [],
        discussion: String? = nil, run: @escaping @Sendable (ParsedArguments) throws -> ExitCode
    ) {
        self.name = name
        self.overview = overview
        self.arguments = arguments
        self.options = options
        self.discussion = discussion
        self.run = run
    }

    /// The help text in the OVERVIEW / USAGE / ARGUMENTS / OPTIONS layout.
    public var help: String {
        var usage = "encore \(name)"
        if !options.isEmpty { usage += " [<options>]" }
        for argument in arguments { usage += argument.optional ? " [<\(argument.name)>]" : " <\(argument.name)>" }
        var text = "OVERVIEW: \(overview)\n\nUSAGE: \(usage)\n"
        if !arguments.isEmpty {
            text += "\nARGUMENTS:\n"
            for argument in arguments { text += Self.row("<\(argument.name)>", argument.help) }
        }
        text += "\nOPTIONS:\n"
        for option in options {
            let left = "--\(option.name)" + (option.valueName.map { " <\($0)>" } ?? "")
            text += Self.row(left, option.help)
        }
        text += Self.row("-h, --help", "Show help information.")
        if let discussion { text += "\n\(discussion)\n" }
        return text
    }

    private static func row(_ left: String, _ right: String) -> String {
        let padded = left.count < 24 ? left.padding(toLength: 24, withPad: " ", startingAt: 0) : left + "\n" + String(repeating: " ", count: 26)
        return "  \(padded)\(right)\n"
    }

    /// Parses `arguments` (everything after the command name) against this command's options.
    /// - Throws: `UsageError` for unknown options, missing values, repeated single options,
    ///   or a wrong number of positionals.
    public func parse(_ arguments: [String]) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        parsed.raw = arguments
        let byName = Dictionary(uniqueKeysWithValues: options.map { ($0.name, $0) })
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                parsed.positionals.append(argument)
                continue
            }
            if argument == "--" {
                onlyPositionals = true
                continue
            }
            guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)' for 'encore \(name)'; see 'encore \(name) --help'") }
            var key = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = key.firstIndex(of: "=") {
                inlineValue = String(key[key.index(after: equals)...])
                key = String(key[..<equals])
            }
            guard let option = byName[key] else {
                throw UsageError("unknown option '--\(key)' for 'encore \(name)'; see 'encore \(name) --help'")
            }
            if option.valueName == nil {
                if inlineValue != nil { throw UsageError("--\(key) takes no value") }
                parsed.flags.insert(key)
                continue
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError("--\(key) needs a value <\(option.valueName!)>") }
                value = arguments[index]
                index += 1
            }
            if !option.repeatable, parsed.values[key] != nil {
                throw UsageError("--\(key) given more than once")
            }
            parsed.values[key, default: []].append(value)
        }
        let required = self.arguments.filter { !$0.optional }.count
        if parsed.positionals.count < required {
            let missing = self.arguments[parsed.positionals.count].name
            throw UsageError("missing argument <\(missing)> for 'encore \(name)'; see 'encore \(name) --help'")
        }
        // An argument named `X...` (last) takes every remaining positional.
        let variadic = self.arguments.last?.name.hasSuffix("...") ?? false
        if parsed.positionals.count > self.arguments.count, !variadic {
            throw UsageError("unexpected argument '\(parsed.positionals[self.arguments.count])' for 'encore \(name)'")
        }
        return parsed
    }
}
