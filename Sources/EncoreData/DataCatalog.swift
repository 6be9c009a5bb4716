import Foundation

/// A dataset the package knows by name: where its ratings file lies in a data directory, how it
/// is formatted, and (when published) the archive to download with its size and SHA-256.
public struct DatasetSource: Sendable, Equatable {
    /// The key, e.g. `ml-1m`.
    public var name: String
    /// The ratings file relative to a data directory, as the archive unpacks (`ml-1m/ratings.dat`).
    public var ratingsPath: String
    /// The file format.
    public var format: DelimitedFormat
    /// The preprocessing mode the data is meant for (`ml-1m-implicit`: implicit at >= 4).
    public var defaultMode: Preprocessing.Mode?
    /// The official archive, if the package can download it.
    public var archive: Archive?

    /// A downloadable archive with its published size and SHA-256.
    public struct Archive: Sendable, Equatable {
        /// The download URL.
        public var url: String
        /// Size in bytes.
        public var size: Int
        /// Lowercase hex SHA-256.
        public var sha256: String

        /// The archive's official file name, the last component of `url` (`ml-100k.zip`): the
        /// name under which a copy in the cache or a data directory is installed without download.
        public var fileName: String { url.split(separator: "/").last.map(String.init) ?? url }
    }
}

/// The built-in datasets.
public enum DataCatalog {
    private static let base = "https://files.grouplens.org/datasets/movielens/"

    /// Every known dataset, in the order `encore data` lists them.
    public static let sources: [DatasetSource] = [
        DatasetSource(name: "ml-100k", ratingsPath: "ml-100k/u.data", format: .movieLens100K, defaultMode: nil,
                      archive: .init(url: base + "ml-100k.zip", size: 4_924_029, sha256: "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229")),
        DatasetSource(name: "ml-1m", ratingsPath: "ml-1m/ratings.dat", format: .movieLensDat, defaultMode: nil,
                      archive: .init(url: base + "ml-1m.zip", size: 5_917_549, sha256: "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20")),
        DatasetSource(name: "ml-1m-implicit", ratingsPath: "ml-1m-implicit/ratings.dat", format: .movieLensDat,
                      defaultMode: .implicit(threshold: 4), archive: nil),
        DatasetSource(name: "ml-10m", ratingsPath: "ml-10M100K/ratings.dat", format: .movieLensDat, defaultMode: nil, archive: nil),
        DatasetSource(name: "ml-20m", ratingsPath: "ml-20m/ratings.csv", format: .movieLensCSV, defaultMode: nil,
                      archive: .init(url: base + "ml-20m.zip", size: 198_702_078, sha256: "96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3")),
        DatasetSource(name: "ml-25m", ratingsPath: "ml-25m/ratings.csv", format: .movieLensCSV, defaultMode: nil,
                      archive: .init(url: base + "ml-25m.zip", size: 261_978_986, sha256: "8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa")),
        DatasetSource(name: "ml-latest-small", ratingsPath: "ml-latest-small/ratings.csv", format: .movieLensCSV, defaultMode: nil,
                      archive: .init(url: base + "ml-latest-small.zip", size: 978_202, sha256: "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436")),
        DatasetSource(name: "ml-latest", ratingsPath: "ml-latest/ratings.csv", format: .movieLensCSV, defaultMode: nil, archive: nil),
    ]

    /// The source called `name`, if any.
    public static func source(named name: String) -> DatasetSource? { sources.first { $0.name == name } }

    /// Every name `DataLoader.load` accepts besides paths.
    public static var names: [String] { sources.map(\.name) + SyntheticData.builtInNames }

    /// The format implied by a file name: `.inter` RecBole, `u.data`/`.data`/`.tsv` tab,
    /// `.dat` `::`, `.csv` comma with header; nil when unknown.
    public static func format(forPath path: String) -> DelimitedFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".data") || lower.hasSuffix(".tsv") || lower.hasSuffix(".base") || lower.hasSuffix(".test") { return .movieLens100K }
        if lower.hasSuffix(".dat") { return .movieLensDat }
        if lower.hasSuffix(".csv") { return .movieLensCSV }
        return nil
    }
}

/// Where datasets are looked for: `--data-dir`, then `$ENCORE_DATA_DIR`, then the cache.
public struct DataLocations: Sendable {
    /// Data directories to search, in order.
    public var dataDirectories: [URL]
    /// The download cache (`$XDG_CACHE_HOME/encore`, default `~/.cache/encore`).
    public var cacheDirectory: URL

    /// Resolves the locations from an explicit `--data-dir` and the environment.
    public init(dataDirectory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        var directories: [URL] = []
        if let dataDirectory { directories.append(URL(fileURLWithPath: dataDirectory)) }
        if let fromEnvironment = environment["ENCORE_DATA_DIR"], !fromEnvironment.isEmpty {
            directories.append(URL(fileURLWithPath: fromEnvironment))
        }
        dataDirectories = directories
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            cacheDirectory = URL(fileURLWithPath: xdg).appendingPathComponent("encore")
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            cacheDirectory = URL(fileURLWithPath: home).appendingPathComponent(".cache/encore")
        }
    }

    /// The local ratings file of `source`, searching data directories before the cache.
    /// - Throws: `DataError.notFound` listing the places searched.
    public func ratingsFile(of source: DatasetSource) throws -> URL {
        let candidates = (dataDirectories + [cacheDirectory]).map { $0.appendingPathComponent(source.ratingsPath) }
        if let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) { return found }
        throw DataError.notFound(name: source.name, searched: candidates.map(\.path))
    }
}
