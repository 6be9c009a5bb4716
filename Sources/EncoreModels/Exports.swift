// Every module re-exports the layers above it, so `import EncoreModels` is enough for its users.
@_exported import EncoreAutodiff
@_exported import EncoreData
@_exported import EncoreMetrics
@_exported import EncoreTensor
