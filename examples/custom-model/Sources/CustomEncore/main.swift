import EncoreExperiments

EncoreCLI.main(registry: .standard.adding(DLAE.self))
