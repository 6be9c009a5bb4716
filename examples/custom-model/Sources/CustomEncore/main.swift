import EncoreExperiments

EncoreCLI.main(registry: .standard.adding(RLAE.self))
