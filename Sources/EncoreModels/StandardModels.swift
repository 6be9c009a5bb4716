extension ModelRegistry {
    /// The zoo: every model shipped with Encore, under its registered name.
    public static let standard: ModelRegistry = {
        var registry = ModelRegistry()
        registry.register(ItemAutoRec.self)
        registry.register(UserAutoRec.self)
        registry.register(DeepRec.self)
        registry.register(GlobalMean.self)
        registry.register(UserMean.self)
        registry.register(ItemMean.self)
        registry.register(BiasedMF.self)
        registry.register(CDAE.self)
        registry.register(DAE.self)
        registry.register(MultVAE.self)
        registry.register(MultDAE.self)
        registry.register(SVAE.self)
        registry.register(EASE.self)
        registry.register(Popularity.self)
        registry.register(ItemKNN.self)
        return registry
    }()
}
