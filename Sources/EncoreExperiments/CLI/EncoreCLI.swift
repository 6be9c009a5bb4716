import EncoreModels
import Foundation

/// The `encore` command-line tool: dispatch, help, errors and exit codes.
///
/// An executable is one line: `EncoreCLI.main()` for the stock tool, or
/// `EncoreCLI.main(registry: .standard.adding(MyModel.self))` for a tool that also knows models
/// defined in another package (docs/adding-a-model.md). Every command lives in this module so it
/// can be tested without a process.
public enum EncoreCLI {
    /// The package version printed by `--version` and written into provenance.
    public static let version = "0.1.0"

    /// Every command, in the order `encore --help` lists them, resolving model names through
    /// `registry` (`run`, `validate`, `models` and `bench model`; `table` reads the names
    /// recorded in result files). Adding a command is one line here.
    public static func commands(registry: ModelRegistry) -> [Command] {
        commands(registry: registry, childExecutable: nil)
    }

    /// Every command; `encore run` runs each run in a child process of `childExecutable` when
    /// given (an executable that answers `encore _run-one` with `registry`), else in this process.
    static func commands(registry: ModelRegistry, childExecutable: String?) -> [Command] {
        [runCommand(registry: registry, childExecutable: childExecutable), validateCommand(registry: registry), tableCommand,
         modelsCommand(registry: registry), recommendCommand(registry: registry)]
            + dataCommands + benchCommands(registry: registry)
    }

    /// The entry point of an `encore` executable: tunes the allocator to keep freed memory
    /// (training frees and reallocates the same large buffers every batch), runs the command
    /// line of this process with `registry`, and exits with the command's code. `encore run`
    /// runs each run in a child process of this same executable (`encore _run-one`, which this
    /// entry point answers), so the executable of a package that adds models isolates its runs too.
    /// - Parameter registry: the models specs and commands may name (default: the zoo).
    public static func main(registry: ModelRegistry = .standard) -> Never {
        AllocatorTuning.retainFreedMemory()
        exit(run(Array(CommandLine.arguments.dropFirst()), registry: registry, childExecutable: ChildRun.currentExecutable()))
    }

    /// Runs the tool on `arguments` (without the program name) and returns the exit code.
    /// `encore run` runs its runs in this process, one at a time (without `--jobs` or
    /// `--timeout`): the caller's executable may not answer the child processes' command.
    /// - Parameter registry: the models specs and commands may name (default: the zoo).
    public static func run(_ arguments: [String], registry: ModelRegistry = .standard) -> Int32 {
        run(arguments, registry: registry, childExecutable: nil)
    }

    /// Runs the tool on `arguments`; `childExecutable` as in `commands(registry:childExecutable:)`.
    static func run(_ arguments: [String], registry: ModelRegistry, childExecutable: String?) -> Int32 {
        if arguments.first == ChildRun.commandName { return ChildRun.serve(registry: registry) }
        let commands = commands(registry: registry, childExecutable: childExecutable)
        if arguments.isEmpty || arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(topLevelHelp)
            return 0
        }
        if arguments[0] == "help" { return help(Array(arguments.dropFirst()), commands: commands) }
        if arguments == ["--version"] {
            print("encore \(version)")
            return 0
        }
        // The longest command name that prefixes the arguments wins ("bench gemm" over "bench").
        let match = commands
            .filter { command in
                let words = command.name.split(separator: " ").map(String.init)
                return arguments.count >= words.count && Array(arguments.prefix(words.count)) == words
            }
            .max { $0.name.split(separator: " ").count < $1.name.split(separator: " ").count }
        guard let command = match else {
            let group = commands.filter { $0.name.hasPrefix(arguments[0] + " ") }
            if !group.isEmpty {
                let names = group.map { $0.name }.joined(separator: ", ")
                if arguments.count == 1 || arguments.contains("--help") || arguments.contains("-h") {
                    print(groupUsage(arguments[0], group))
                    return 0
                }
                return fail(UsageError("unknown subcommand '\(arguments.dropFirst().first ?? "")'; expected one of: \(names)"))
            }
            return fail(UsageError("unknown command '\(arguments[0])'; see 'encore --help'"))
        }
        let rest = Array(arguments.dropFirst(command.name.split(separator: " ").count))
        if rest.contains("--help") || rest.contains("-h") {
            print(command.help, terminator: "")
            return 0
        }
        do {
            let parsed = try command.parse(rest)
            return try command.run(parsed).rawValue
        } catch {
            return fail(error)
        }
    }

    /// `encore help [COMMAND...]`: the help of a command (`help run`, `help data fetch`) or the
    /// usage of a group (`help data`); exit 0, or 64 for an unknown name.
    static func help(_ words: [String], commands: [Command]) -> Int32 {
        let name = words.joined(separator: " ")
        if let command = commands.first(where: { $0.name == name }) {
            print(command.help, terminator: "")
            return 0
        }
        let group = commands.filter { $0.name.hasPrefix(name + " ") }
        if words.count == 1, !group.isEmpty {
            print(groupUsage(name, group))
            return 0
        }
        return fail(UsageError("unknown command '\(name)'; see 'encore --help'"))
    }

    /// The usage of a group of commands (`encore data`, `encore bench`): its subcommands.
    static func groupUsage(_ group: String, _ commands: [Command]) -> String {
        var text = "OVERVIEW: Subcommands of 'encore \(group)'.\n\nUSAGE: encore \(group) <subcommand> [<options>]\n\nSUBCOMMANDS:\n"
        for command in commands {
            let word = String(command.name.dropFirst(group.count + 1))
            text += "  \(word.padding(toLength: 22, withPad: " ", startingAt: 0))\(command.overview)\n"
        }
        text += "\n  See 'encore help \(group) <subcommand>' for detailed help."
        return text
    }

    /// Prints `error` to standard error and returns its exit code.
    public static func fail(_ error: Error) -> Int32 {
        let code: ExitCode
        if let known = error as? ExitCodeError { code = known.exitCode } else { code = .ioError }
        FileHandle.standardError.write(Data("encore: error: \(error)\n".utf8))
        return code.rawValue
    }

    /// The help printed by `encore --help`.
    public static var topLevelHelp: String {
        let commands = commands(registry: .standard)
        var text = "OVERVIEW: Run, compare and extend autoencoder collaborative-filtering models.\n\n"
        text += "USAGE: encore <subcommand> [<options>]\n       encore help <subcommand>\n\nOPTIONS:\n  --version               Show the version.\n  -h, --help              Show help information.\n\nSUBCOMMANDS:\n"
        for command in commands {
            text += "  \(command.name.padding(toLength: 22, withPad: " ", startingAt: 0))\(command.overview)\n"
        }
        text += "\n  See 'encore help <subcommand>' (or 'encore <subcommand> --help') for detailed help.\n\n"
        text += "EXIT CODES: 0 ok, 1 some runs failed, 64 usage or spec error, 65 data error, 74 I/O error,\n"
        text += "  130 interrupted (Ctrl-C; 'encore run' prints the command that resumes)."
        return text
    }
}
