import Foundation

/// RecBole atomic `.inter` files: tab-separated, a header of `name:type` fields
/// (`user_id:token	item_id:token	rating:float	timestamp:float`), original IDs. The benchmark
/// files of a split are in `RecBole+Benchmark.swift`.
public enum RecBole {
    /// Which header fields of a `.inter` file hold the user, the item, the rating and the
    /// timestamp. RecBole's own sets name them differently: Yelp's item field is `business_id`,
    /// its rating `stars` and its timestamp `date`.
    public struct Fields: Sendable, Equatable {
        /// The user field (default `user_id`).
        public var user: String
        /// The item field (default `item_id`).
        public var item: String
        /// The rating field, which the header must then have; nil reads a field called `rating`
        /// when the header has one, and otherwise reads the file as implicit (every line is 1).
        public var rating: String?
        /// The timestamp field, which the header must then have; nil reads a field called
        /// `timestamp` when the header has one, and otherwise sets timestamps to 0.
        public var timestamp: String?

        /// Creates a field mapping; the defaults are RecBole's standard names.
        public init(user: String = "user_id", item: String = "item_id", rating: String? = nil, timestamp: String? = nil) {
            self.user = user
            self.item = item
            self.rating = rating
            self.timestamp = timestamp
        }
    }

    /// Reads a `.inter` file. The header must have the user and item fields of `fields`; the
    /// rating and timestamp are optional unless `fields` names them (no rating: implicit data).
    /// Other fields are ignored.
    /// - Throws: `DataError.badFormat` for a header without a named field, `.malformedLine`,
    ///   `.unreadableFile`.
    public static func read(_ url: URL, fields: Fields = Fields(), skipBadLines: Bool = false) throws -> (Dataset, LoadReport) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let headerEnd = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
        let header = String(decoding: data[data.startIndex..<headerEnd], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // `name:type`; a BOM or stray spaces around a name do not count.
        let names = header.split(separator: "\t", omittingEmptySubsequences: false).map { field in
            String(field[..<(field.firstIndex(of: ":") ?? field.endIndex)])
                .trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}")))
        }
        func missing(_ role: String, _ name: String) -> DataError {
            .badFormat(
                file: url.path, line: 1,
                reason: "the header has no \(role) field '\(name)' (its fields: \(names.joined(separator: ", "))); "
                    + "name the fields in the spec's dataset.columns ({\"user\": \"user_id\", \"item\": \"business_id\", \"rating\": \"stars\", ...}) "
                    + "or with --columns USER,ITEM[,RATING[,TIMESTAMP]]")
        }
        guard let user = names.firstIndex(of: fields.user) else { throw missing("user", fields.user) }
        guard let item = names.firstIndex(of: fields.item) else { throw missing("item", fields.item) }
        let rating = names.firstIndex(of: fields.rating ?? "rating")
        if rating == nil, let named = fields.rating { throw missing("rating", named) }
        let timestamp = names.firstIndex(of: fields.timestamp ?? "timestamp")
        if timestamp == nil, let named = fields.timestamp { throw missing("timestamp", named) }
        let used = [user, item, rating, timestamp].compactMap { $0 }
        guard Set(used).count == used.count else {
            throw DataError.badFormat(file: url.path, line: 1, reason: "the user, item, rating and timestamp fields must differ, got \(used.map { names[$0] })")
        }
        let format = DelimitedFormat(separator: "\t", hasHeader: true, userColumn: user, itemColumn: item,
                                     ratingColumn: rating, timestampColumn: timestamp)
        return try DelimitedReader.parse(data, format: format, file: url.path,
                                         name: url.deletingPathExtension().lastPathComponent, skipBadLines: skipBadLines)
    }

    /// Writes `dataset` as a `.inter` file with original IDs (atomically: temp file, then rename):
    /// the header `user_id:token item_id:token rating:float timestamp:float` (no rating field for
    /// implicit data), then one line per interaction in the dataset's order.
    public static func write(_ dataset: Dataset, to url: URL) throws {
        var text = header(for: dataset)
        text.reserveCapacity(dataset.interactions.count * 24)
        for x in dataset.interactions { appendLine(x, of: dataset, to: &text) }
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// The typed header line of `dataset`'s `.inter` files.
    static func header(for dataset: Dataset) -> String {
        "user_id:token\titem_id:token\t" + (dataset.isImplicit ? "" : "rating:float\t") + "timestamp:float\n"
    }

    /// Appends the line of interaction `x` (original IDs; the rating in Swift's shortest
    /// round-trip form).
    static func appendLine(_ x: Interaction, of dataset: Dataset, to text: inout String) {
        text += dataset.userIDs[Int(x.user)]
        text += "\t"
        text += dataset.itemIDs[Int(x.item)]
        text += "\t"
        if !dataset.isImplicit { text += "\(x.rating)\t" }
        text += String(x.timestamp)
        text += "\n"
    }
}

/// Writes files atomically (`FileSupport.writeAtomically`), reporting failures as data errors.
public enum AtomicFile {
    /// Writes `data` to `url` via a temporary file and a rename.
    /// - Throws: `DataError.unreadableFile` when the folder is not writable.
    public static func write(_ data: Data, to url: URL) throws {
        do {
            try FileSupport.writeAtomically(data, to: url)
        } catch {
            throw DataError.unreadableFile(path: error.path, reason: error.reason)
        }
    }
}
