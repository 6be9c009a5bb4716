extension SpecDecoder {
    static let datasetKeys = [
        "name", "path", "format", "separator", "header", "columns", "data_dir", "mode", "threshold", "dedupe",
        "k_core", "min_user_interactions", "max_user_interactions", "synthetic",
    ]
    static let fileFormats = ["movielens-100k", "movielens-dat", "movielens-csv", "delimited", "recbole-inter"]
    static let syntheticKeys = ["users", "items", "interactions_per_user", "rank", "popularity_skew", "seed"]
    static let columnKeys = ["user", "item", "rating", "timestamp"]

    /// Decodes `dataset` (an object, or a string naming a dataset).
    mutating func dataset(_ value: JSONValue, at path: JSONPath, origin: [String: JSONPath] = [:]) -> DatasetSpec? {
        let value: JSONValue = value.stringValue.map { .object([("name", .string($0))]) } ?? value
        guard let object = ObjectReader(value, at: path, keys: Self.datasetKeys, origin: origin, problems: &problems) else { return nil }
        defer { object.finish(problems: &problems) }
        let name = object.string("name", allowed: SpecDatasetName.all, problems: &problems)
        let file = object.string("path", problems: &problems)
        let modeText = object.string("mode", allowed: DataMode.allCases.map(\.rawValue), problems: &problems)
        let mode = modeText.flatMap(DataMode.init) ?? .explicit
        let modeValid = !object.has("mode") || modeText != nil

        var source: DatasetSpec.Source?
        if !object.has("name") && !object.has("path") {
            problems.add(path, expected: "a \"name\" (\(SpecDatasetName.all.joined(separator: ", "))) or a \"path\" with a \"format\"", found: "neither")
        }
        if name == SpecDatasetName.configurableSynthetic {
            object.forbid("path", because: "for the synthetic dataset", problems: &problems)
            object.forbid("data_dir", because: "for the synthetic dataset", problems: &problems)
            source = synthetic(object.value("synthetic") ?? .object([]), at: object.path("synthetic")).map { .synthetic($0) }
        } else {
            object.forbid("synthetic", because: "unless name is \"synthetic\" (the other built-in synthetic sets have fixed parameters)", problems: &problems)
        }
        if let name, name != SpecDatasetName.configurableSynthetic {
            object.forbid("format", because: "with a named dataset (its format is known)", problems: &problems)
            source = .named(name, path: file)
        } else if name == nil, let file {
            object.forbid("data_dir", because: "with a plain path (data_dir is for named datasets)", problems: &problems)
            source = fileFormat(object).map { .file(path: file, format: $0) }
        }
        let formatText = object.value("format")?.stringValue
        if object.has("name") || formatText.map({ $0 != "delimited" }) == true {
            for key in ["separator", "header"] {
                object.forbid(key, because: "unless format is \"delimited\"", problems: &problems)
            }
        }
        if object.has("name") || formatText.map({ $0 != "delimited" && $0 != "recbole-inter" }) == true {
            object.forbid("columns", because: "unless format is \"delimited\" or \"recbole-inter\"", problems: &problems)
        }

        var threshold: Double?
        if mode == .implicit {
            // Compared with ratings stored as Float.
            let largest = Double(Float.greatestFiniteMagnitude)
            threshold = object.double("threshold", range: -largest...largest, problems: &problems)
        } else if modeValid {
            object.forbid("threshold", because: "in explicit mode (threshold binarizes implicit data)", problems: &problems)
        }
        let dataDirectory = object.string("data_dir", problems: &problems)
        let dedupe = object.bool("dedupe", problems: &problems) ?? true
        let kCore = object.int("k_core", range: 0...Int.max, problems: &problems) ?? 0
        let minimum = object.int("min_user_interactions", range: 0...Int.max, problems: &problems) ?? 0
        let maximum = object.int("max_user_interactions", range: 0...Int.max, problems: &problems) ?? 0
        if maximum > 0 && maximum < minimum {
            problems.add(object.path("max_user_interactions"), expected: "0 (no limit) or at least min_user_interactions (\(minimum))",
                         found: "\(maximum)")
        }
        guard modeValid, let source else { return nil }
        return DatasetSpec(
            source: source, dataDirectory: dataDirectory, mode: mode, threshold: threshold, dedupe: dedupe,
            kCore: kCore, minUserInteractions: minimum, maxUserInteractions: maximum)
    }

    private mutating func fileFormat(_ object: ObjectReader) -> DatasetSpec.FileFormat? {
        guard let format = object.string("format", required: true, allowed: Self.fileFormats, problems: &problems) else { return nil }
        switch format {
        case "movielens-100k": return .movieLens100K
        case "movielens-dat": return .movieLensDat
        case "movielens-csv": return .movieLensCSV
        case "recbole-inter": return interFields(object)
        default:
            let separator = object.string("separator", required: true, problems: &problems)
            if separator == "" { problems.add(object.path("separator"), expected: "a non-empty string", found: "\"\"") }
            let header = object.bool("header", problems: &problems) ?? false
            var columns: (Int, Int, Int?, Int?)? = (0, 1, 2, 3)
            if let value = object.value("columns") {
                columns = nil
                if let reader = ObjectReader(value, at: object.path("columns"), keys: Self.columnKeys, problems: &problems) {
                    reader.finish(problems: &problems)
                    let user = reader.int("user", required: true, range: 0...Int.max, problems: &problems)
                    let item = reader.int("item", required: true, range: 0...Int.max, problems: &problems)
                    let rating = reader.int("rating", range: 0...Int.max, problems: &problems)
                    let time = reader.int("timestamp", range: 0...Int.max, problems: &problems)
                    let given = [user, item, rating, time].compactMap { $0 }
                    if Set(given).count != given.count {
                        problems.add(object.path("columns"), expected: "distinct column indices", found: value)
                    } else if let user, let item, reader.has("rating") == (rating != nil), reader.has("timestamp") == (time != nil) {
                        columns = (user, item, rating, time)
                    }
                }
            }
            guard let separator, !separator.isEmpty, let columns else { return nil }
            return .delimited(separator: separator, header: header, user: columns.0, item: columns.1, rating: columns.2, timestamp: columns.3)
        }
    }

    /// The `.inter` header fields named by `columns` (`{"item": "business_id"}`); the rest keep
    /// RecBole's names. A `:type` suffix is dropped (`"business_id:token"` names `business_id`).
    private mutating func interFields(_ object: ObjectReader) -> DatasetSpec.FileFormat? {
        guard let value = object.value("columns") else { return .recboleInter(fields: RecBole.Fields()) }
        guard let reader = ObjectReader(value, at: object.path("columns"), keys: Self.columnKeys, problems: &problems) else { return nil }
        reader.finish(problems: &problems)
        let before = problems.problems.count
        var names: [String: String] = [:]
        for key in Self.columnKeys {
            guard let text = reader.string(key, problems: &problems) else { continue }
            let name = String(text.prefix { $0 != ":" })
            if name.isEmpty || name.contains(where: \.isWhitespace) {
                problems.add(reader.path(key), expected: "a field name of the .inter header, like \"user_id\"", found: reader.value(key))
            }
            names[key] = name
        }
        let fields = RecBole.Fields(user: names["user"] ?? "user_id", item: names["item"] ?? "item_id",
                                    rating: names["rating"], timestamp: names["timestamp"])
        let used = [fields.user, fields.item] + [fields.rating, fields.timestamp].compactMap { $0 }
        if problems.problems.count == before, Set(used).count != used.count {
            problems.add(object.path("columns"), expected: "distinct fields for user, item, rating and timestamp (user_id and item_id when not given)", found: value)
        }
        guard problems.problems.count == before else { return nil }
        return .recboleInter(fields: fields)
    }

    private mutating func synthetic(_ value: JSONValue, at path: JSONPath) -> SyntheticSpec? {
        guard let object = ObjectReader(value, at: path, keys: Self.syntheticKeys, problems: &problems) else { return nil }
        object.finish(problems: &problems)
        let before = problems.problems.count
        // User and item indices are 32-bit in every interaction matrix.
        let users = object.int("users", range: 2...Int(Int32.max), problems: &problems) ?? 2000
        let items = object.int("items", range: 2...Int(Int32.max), problems: &problems) ?? 1000
        let perUser = object.double("interactions_per_user", range: 1...Double.greatestFiniteMagnitude, problems: &problems) ?? 50
        let rank = object.int("rank", range: 1...Int.max, problems: &problems) ?? 8
        let skew = object.double("popularity_skew", range: 0...10, problems: &problems) ?? 0.8
        let seed = object.int("seed", range: 0...Int.max, problems: &problems) ?? 0
        if perUser > Double(items) { problems.add(object.path("interactions_per_user"), expected: "at most items (\(items))", found: ObjectReader.short(perUser)) }
        guard problems.problems.count == before else { return nil }
        return SyntheticSpec(users: users, items: items, interactionsPerUser: perUser, rank: rank, popularitySkew: skew, seed: seed)
    }
}
