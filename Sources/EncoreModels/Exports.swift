// Every module re-exports the layers above it, so `import EncoreModels` is enough for its users.
@_exported import EncoreTensor
