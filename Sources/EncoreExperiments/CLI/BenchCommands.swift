extension EncoreCLI {
    /// The `encore bench ...` subcommands (release builds only give meaningful figures).
    static let benchCommands: [Command] = [benchEvalCommand]  // TEMPORARY (metrics branch): integrator adds to the shared list
}
