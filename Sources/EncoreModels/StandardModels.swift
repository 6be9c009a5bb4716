extension ModelRegistry {
    /// The zoo: every model shipped with Encore, under its registered name.
    public static let standard: ModelRegistry = ModelRegistry()
        .adding(ItemAutoRec.self)
        .adding(UserAutoRec.self)
        .adding(DeepRec.self)
        .adding(GlobalMean.self)
        .adding(UserMean.self)
        .adding(ItemMean.self)
        .adding(BiasedMF.self)
        .adding(CDAE.self)
        .adding(DAE.self)
        .adding(MultVAE.self)
        .adding(MultDAE.self)
        .adding(SVAE.self)
        .adding(EASE.self)
        .adding(Popularity.self)
        .adding(ItemKNN.self)
}
