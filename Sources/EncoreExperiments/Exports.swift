@_exported import EncoreAutodiff
@_exported import EncoreData
@_exported import EncoreMetrics
@_exported import EncoreModels
@_exported import EncoreTensor
