import Foundation

/// RecBole atomic `.inter` files: tab-separated, a header of `name:type` fields
/// (`user_id:token	item_id:token	rating:float	timestamp:float`).
public enum RecBole {
    /// Reads a `.inter` file. The header must name `user_id` and `item_id`; `rating` and
    /// `timestamp` are optional (no rating column: implicit data).
    /// - Throws: `DataError.badFormat` for a bad header, `.malformedLine`, `.unreadableFile`.
    public static func read(_ url: URL, skipBadLines: Bool = false) throws -> (Dataset, LoadReport) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        let headerEnd = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
        let header = String(decoding: data[data.startIndex..<headerEnd], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let names = header.split(separator: "\t").map { String($0.split(separator: ":").first ?? "") }
        guard let user = names.firstIndex(of: "user_id"), let item = names.firstIndex(of: "item_id") else {
            throw DataError.badFormat(file: url.path, line: 1, reason: "a .inter header needs user_id:token and item_id:token fields, found '\(header)'")
        }
        let format = DelimitedFormat(separator: "\t", hasHeader: true, userColumn: user, itemColumn: item,
                                     ratingColumn: names.firstIndex(of: "rating"), timestampColumn: names.firstIndex(of: "timestamp"))
        return try DelimitedReader.parse(data, format: format, file: url.path,
                                         name: url.deletingPathExtension().lastPathComponent, skipBadLines: skipBadLines)
    }

    /// Writes `dataset` as a `.inter` file with original IDs (atomically: temp file, then rename).
    public static func write(_ dataset: Dataset, to url: URL) throws {
        var text = "user_id:token\titem_id:token\t" + (dataset.isImplicit ? "" : "rating:float\t") + "timestamp:float\n"
        text.reserveCapacity(dataset.interactions.count * 24)
        for x in dataset.interactions {
            text += dataset.userIDs[Int(x.user)]
            text += "\t"
            text += dataset.itemIDs[Int(x.item)]
            text += "\t"
            if !dataset.isImplicit { text += "\(x.rating)\t" }
            text += String(x.timestamp)
            text += "\n"
        }
        try AtomicFile.write(Data(text.utf8), to: url)
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
