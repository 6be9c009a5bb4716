/// SHA-256 of spec text, from EncoreData's implementation, and the experiment identity built on it.
enum SpecSHA256 {
    /// The digest of `text`'s UTF-8 bytes, 64 lowercase hex digits.
    static func hex(of text: String) -> String { SHA256.hex(Array(text.utf8)) }

    /// Top-level keys that say where or how an experiment runs and what it writes, not what it
    /// is: thread count, output directory and formats, saved recommendations, prose.
    static let runtimeKeys: Set<String> = ["threads", "output", "save_recommendations", "description"]
    /// Keys of a `dataset` object (top level or a model entry's) that say where the data lives.
    static let locationKeys: Set<String> = ["data_dir", "path"]

    /// The experiment's identity: the digest of the spec's canonical text without `runtimeKeys`
    /// at the top and `locationKeys` in every `dataset` object. The same experiment run on two
    /// machines, with other data paths or thread counts, or in shards, has one identity; the
    /// data actually used is identified apart, by `data_sha256` (`ResultsFile`).
    static func identity(of root: JSONValue) -> String {
        hex(of: meaning(of: root).canonicalText)
    }

    /// `root` without the keys `identity` leaves out.
    static func meaning(of root: JSONValue) -> JSONValue {
        guard let pairs = root.objectPairs else { return root }
        func withoutLocation(_ dataset: JSONValue) -> JSONValue {
            guard let pairs = dataset.objectPairs else { return dataset }
            return .object(pairs.filter { !locationKeys.contains($0.key) })
        }
        return .object(pairs.compactMap { pair in
            switch pair.key {
            case _ where runtimeKeys.contains(pair.key): return nil
            case "dataset": return (pair.key, withoutLocation(pair.value))
            case "models":
                guard let items = pair.value.arrayValue else { return pair }
                return (pair.key, .array(items.map { item in
                    guard let fields = item.objectPairs else { return item }
                    // An entry's dataset patch that only said where the data lives is no patch.
                    return .object(fields.compactMap { field in
                        guard field.key == "dataset" else { return field }
                        let patch = withoutLocation(field.value)
                        return patch.objectPairs?.isEmpty == true ? nil : (field.key, patch)
                    })
                }))
            default: return pair
            }
        })
    }
}
