import Foundation

/// `model.json`, the description of a saved model directory: which model with which config,
/// trained on what, what it can score, and the size and SHA-256 of every other file of the
/// directory (docs/outputs.md, "Saved models").
public struct SavedModelManifest: Codable, Sendable, Equatable {
    /// The value of `format`.
    public static let formatName = "encore-model"
    /// The layout version this code writes and reads.
    public static let currentVersion = 1

    /// What the model can score.
    public struct Scoring: Codable, Sendable, Equatable {
        /// The users it was trained on (always true).
        public var knownUsers: Bool
        /// Histories of users it was not trained on (`encore recommend --history`).
        public var newHistories: Bool
        /// Why new histories cannot be scored, when they cannot.
        public var note: String?

        enum CodingKeys: String, CodingKey {
            case knownUsers = "known_users", newHistories = "new_histories", note
        }
    }

    /// The size and SHA-256 of one file of the directory.
    public struct FileRecord: Codable, Sendable, Equatable {
        /// Bytes.
        public var bytes: Int
        /// SHA-256, 64 lowercase hex digits.
        public var sha256: String
    }

    /// `encore-model`.
    public var format: String
    /// The layout version (1).
    public var version: Int
    /// The registered model name (`ease`).
    public var model: String
    /// The spec's label of the model entry.
    public var label: String
    /// `ranking` or `rating`.
    public var task: ModelTask
    /// The full config the model was built with (snake_case keys).
    public var config: JSONValue
    /// The grid point of the run (`{}` without a grid).
    public var gridPoint: JSONValue
    /// The run seed.
    public var seed: Int
    /// The run's ID in the experiment's `results.json`.
    public var runID: String
    /// The experiment's name, spec hash and data hash (`results.json`).
    public var experiment: String
    public var specSHA256: String
    public var dataSHA256: String
    /// Where the data came from and how it was preprocessed.
    public var dataset: JSONValue
    /// The evaluation protocol that split it (the table's footnote).
    public var protocolDescription: String
    /// Items (the lines of `items.txt`), training users (the lines of `users.txt`) and
    /// training interactions.
    public var items: Int
    public var users: Int
    public var interactions: Int
    /// Whether the data is implicit (values 1, no rating scale).
    public var implicit: Bool
    /// The rating scale of explicit data.
    public var ratingRange: [Float]?
    /// What the model can score.
    public var scores: Scoring
    /// The run's validation and test values.
    public var validation: [String: Double]
    public var test: [String: Double]
    /// The encore version that wrote the directory.
    public var encoreVersion: String
    /// Every other file of the directory, by name.
    public var files: [String: FileRecord]

    enum CodingKeys: String, CodingKey {
        case format, version, model, label, task, config, seed, experiment, dataset, items, users, interactions, implicit
        case scores, validation, test, files
        case gridPoint = "grid_point", runID = "run_id", specSHA256 = "spec_sha256", dataSHA256 = "data_sha256"
        case protocolDescription = "protocol", ratingRange = "rating_range", encoreVersion = "encore_version"
    }

    /// Pretty, sorted JSON (non-finite metric values as strings, as in `results.json`).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }

    /// Decodes `model.json`.
    public static func decode(_ data: Data) throws -> SavedModelManifest {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(SavedModelManifest.self, from: data)
    }
}
