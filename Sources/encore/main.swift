import EncoreExperiments

EncoreCLI.main()
