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
        .adding(CDAE.self, as: "dae", summary: "DAE: CDAE without the user node (negative sampling, corruption).",
                defaults: CDAE.withoutUserNode)
        .adding(MultVAE.self)
        .adding(MultDAE.self)
        .adding(RecVAE.self)
        .adding(SVAE.self)
        .adding(EASE.self)
        .adding(EASE.self, as: "esae", summary: "ESAE: EASE (Embarrassingly Shallow AutoEncoder) under the name some comparisons give it.",
                defaults: EASE.defaultConfig)
        .adding(DLAE.self)
        .adding(DLAE.self, as: "edlae", summary: "EDLAE: DLAE with full emphasis on dropped-out entries (zero diagonal).",
                defaults: DLAE.emphasizedDefaults)
        .adding(Popularity.self)
        .adding(ItemKNN.self)
}
