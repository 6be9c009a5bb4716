import Foundation

/// Loads datasets by name (built-in, MovieLens, synthetic) or by path.
public enum DataLoader {
    /// Loads `nameOrPath`.
    ///
    /// Names: the MovieLens keys of `DataCatalog` (found via `locations`) and the synthetic
    /// names (generated with `seed`). Anything else is a path: `.inter` files are read as RecBole,
    /// other files by `format` or the format their name implies.
    /// - Parameter interFields: the header fields a `.inter` file's users, items, ratings and
    ///   timestamps are read from (default: RecBole's `user_id`, `item_id`, `rating`, `timestamp`).
    /// - Throws: `DataError` (unknown name, not found, unreadable, malformed line, empty).
    public static func load(
        _ nameOrPath: String, locations: DataLocations = DataLocations(), format: DelimitedFormat? = nil,
        interFields: RecBole.Fields = RecBole.Fields(), skipBadLines: Bool = false, seed: UInt64 = 0
    ) throws -> (Dataset, LoadReport) {
        if let synthetic = SyntheticData.builtIn(nameOrPath, seed: seed) {
            var report = LoadReport()
            report.lines = synthetic.interactions.count
            return (synthetic, report)
        }
        if let source = DataCatalog.source(named: nameOrPath) {
            let file = try locations.ratingsFile(of: source)
            return try DelimitedReader.read(file, format: format ?? source.format, name: source.name, skipBadLines: skipBadLines)
        }
        let url = URL(fileURLWithPath: nameOrPath)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DataError.unknownDataset(name: nameOrPath, known: DataCatalog.names)
        }
        if url.pathExtension == "inter" { return try RecBole.read(url, fields: interFields, skipBadLines: skipBadLines) }
        guard let chosen = format ?? DataCatalog.format(forPath: url.path) else {
            throw DataError.unknownDataset(name: nameOrPath, known: DataCatalog.names + ["a .data/.tsv, .dat, .csv or .inter file"])
        }
        return try DelimitedReader.read(url, format: chosen, skipBadLines: skipBadLines)
    }

    /// The preprocessing a named dataset is meant for (`ml-1m-implicit`: implicit at >= 4).
    public static func defaultMode(for name: String) -> Preprocessing.Mode? {
        DataCatalog.source(named: name)?.defaultMode
    }
}
