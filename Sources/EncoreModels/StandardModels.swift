extension ModelRegistry {
    /// The zoo: every model shipped with Encore, under its registered name.
    public static let standard: ModelRegistry = {
        var registry = ModelRegistry()
        return registry
    }()
}
