/// An error reading, fetching or preparing data. `isIOError` tells the CLI which exit code to use
/// (74 for I/O and network failures, 65 for bad or empty data).
public enum DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line that does not parse: file, 1-based line number, the offending text and why.
    case malformedLine(file: String, line: Int, text: String, reason: String)
    /// A dataset name that is neither built in nor a readable path.
    case unknownDataset(name: String, known: [String])
    /// A file that could not be read or written.
    case unreadableFile(path: String, reason: String)
    /// A dataset that is not present locally (and was not fetched).
    case notFound(name: String, searched: [String])
    /// A download that failed or did not verify.
    case network(url: String, reason: String)
    /// A downloaded archive whose size or SHA-256 does not match the published value.
    case checksumMismatch(file: String, expected: String, found: String)
    /// A local archive (`--archive`, or one found under its official name) whose size or SHA-256
    /// is not the published one: `expected` and `found` give both. The file is left as it is and
    /// nothing is installed.
    case archiveMismatch(file: String, url: String, expected: String, found: String)
    /// A local archive given for a dataset that has no published size and SHA-256 to check it
    /// against.
    case unverifiableArchive(file: String, name: String, ratingsPath: String)
    /// A zip archive that cannot be unpacked.
    case badArchive(file: String, reason: String)
    /// No interactions left (after filtering, or in the file).
    case empty(what: String)
    /// A split that cannot be made from this data (e.g. more held-out users than users).
    case invalidSplit(reason: String)
    /// A split or `.inter` file whose contents do not follow the documented format.
    case badFormat(file: String, line: Int, reason: String)

    /// True for I/O and network failures (exit code 74); false for bad data (exit code 65).
    public var isIOError: Bool {
        switch self {
        case .unreadableFile, .network, .notFound: return true
        case .malformedLine, .unknownDataset, .checksumMismatch, .archiveMismatch, .unverifiableArchive, .badArchive, .empty,
             .invalidSplit, .badFormat:
            return false
        }
    }

    /// A message that says what went wrong and what to do.
    public var description: String {
        switch self {
        case let .malformedLine(file, line, text, reason):
            let shown = text.count > 120 ? String(text.prefix(120)) + "..." : text
            return "\(file):\(line): \(reason): '\(shown)'; fix the line, or pass --skip-bad-lines to skip malformed lines"
        case let .unknownDataset(name, known):
            return "unknown dataset '\(name)'; use one of \(known.joined(separator: ", ")), or a path to a ratings file"
        case let .unreadableFile(path, reason):
            return "cannot read or write '\(path)': \(reason); check that the path exists and is accessible"
        case let .notFound(name, searched):
            return "dataset '\(name)' not found (looked in \(searched.joined(separator: ", "))); run 'encore data fetch \(name)', or pass --data-dir DIR / set ENCORE_DATA_DIR to a folder that holds it"
        case let .network(url, reason):
            return "download of \(url) failed: \(reason); check the network connection, or download the archive yourself and pass --data-dir"
        case let .checksumMismatch(file, expected, found):
            return "\(file): expected \(expected), found \(found); the download was deleted, run 'encore data fetch' again"
        case let .archiveMismatch(file, url, expected, found):
            return "\(file): not the published archive (expected \(expected); found \(found)); it is damaged, incomplete or another version, so nothing was installed and the file was left as it is; replace it with a fresh download of \(url)"
        case let .unverifiableArchive(file, name, ratingsPath):
            return "\(file): '\(name)' has no published size and SHA-256 to check an archive against, so nothing was installed; unpack it yourself so that DIR/\(ratingsPath) exists, and pass --data-dir DIR"
        case let .badArchive(file, reason):
            return "\(file): not a usable zip archive: \(reason); delete it and fetch again"
        case let .empty(what):
            return "no interactions left: \(what); loosen the filters (k-core, minimum interactions, threshold) or check the file"
        case let .invalidSplit(reason):
            return "cannot make the split: \(reason)"
        case let .badFormat(file, line, reason):
            return "\(file):\(line): \(reason)"
        }
    }
}
