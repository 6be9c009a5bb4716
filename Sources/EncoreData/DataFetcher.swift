import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads, verifies and unpacks the published MovieLens archives into the cache.
public enum DataFetcher {
    /// Makes `name` available locally and returns its ratings file.
    ///
    /// A copy in a data directory or the cache is used as is. Otherwise the archive is downloaded
    /// to a temporary name in the cache, its size and SHA-256 are checked (a mismatch deletes it
    /// and throws), and its files are unpacked (each to a temporary name, then renamed), so the
    /// cache never holds a bad or partial file.
    /// - Throws: `DataError.unknownDataset`, `.notFound` (no published archive), `.network`,
    ///   `.checksumMismatch`, `.badArchive`, `.unreadableFile`.
    public static func fetch(_ name: String, locations: DataLocations, log: (String) -> Void = { _ in }) throws -> URL {
        guard let source = DataCatalog.source(named: name) else {
            throw DataError.unknownDataset(name: name, known: DataCatalog.sources.filter { $0.archive != nil }.map(\.name))
        }
        if let local = try? locations.ratingsFile(of: source) {
            log("\(name): already present at \(local.path)")
            return local
        }
        guard let archive = source.archive else {
            throw DataError.notFound(name: name, searched: (locations.dataDirectories + [locations.cacheDirectory]).map { $0.appendingPathComponent(source.ratingsPath).path })
        }
        let cache = locations.cacheDirectory
        do { try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true) } catch {
            throw DataError.unreadableFile(path: cache.path, reason: error.localizedDescription)
        }
        let temporary = cache.appendingPathComponent(".\(name).zip.partial-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: temporary) }
        log("\(name): downloading \(archive.url) (\(archive.size) bytes)")
        try download(archive.url, to: temporary)
        try verify(temporary, size: archive.size, sha256: archive.sha256, label: archive.url)
        log("\(name): size and SHA-256 verified")
        try unpack(temporary, into: cache, log: log)
        return try locations.ratingsFile(of: source)
    }

    /// Checks the size and SHA-256 of `file`; on mismatch deletes it and throws.
    public static func verify(_ file: URL, size: Int, sha256: String, label: String) throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        let actualSize = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        guard actualSize == size else {
            try? FileManager.default.removeItem(at: file)
            throw DataError.checksumMismatch(file: label, expected: "\(size) bytes", found: "\(actualSize) bytes")
        }
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw DataError.unreadableFile(path: file.path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hash = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hash.update(chunk)
        }
        let digest = hash.finalizeHex()
        guard digest == sha256 else {
            try? FileManager.default.removeItem(at: file)
            throw DataError.checksumMismatch(file: label, expected: "SHA-256 \(sha256)", found: "SHA-256 \(digest)")
        }
    }

    /// Unpacks every file of the zip at `archive` under `folder`, each atomically.
    public static func unpack(_ archive: URL, into folder: URL, log: (String) -> Void = { _ in }) throws {
        let zip = try ZipArchive(contentsOf: archive)
        for entry in zip.entries where !entry.isDirectory {
            guard !entry.path.hasPrefix("/"), !entry.path.split(separator: "/").contains("..") else {
                throw DataError.badArchive(file: archive.path, reason: "unsafe path '\(entry.path)'")
            }
            let bytes = try zip.extract(entry)
            try AtomicFile.write(Data(bytes), to: folder.appendingPathComponent(entry.path))
            log("  \(entry.path) (\(bytes.count) bytes)")
        }
    }

    /// Downloads `url` to `destination` synchronously.
    static func download(_ url: String, to destination: URL) throws {
        guard let remote = URL(string: url) else { throw DataError.network(url: url, reason: "invalid URL") }
        final class Outcome: @unchecked Sendable {
            var error: DataError?
            let done = DispatchSemaphore(value: 0)
        }
        let outcome = Outcome()
        let task = URLSession.shared.downloadTask(with: remote) { location, response, error in
            defer { outcome.done.signal() }
            if let error { outcome.error = .network(url: url, reason: error.localizedDescription); return }
            if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                outcome.error = .network(url: url, reason: "HTTP status \(http.statusCode)"); return
            }
            guard let location else { outcome.error = .network(url: url, reason: "no file received"); return }
            do {
                try? FileManager.default.removeItem(at: destination)
                try FileManager.default.moveItem(at: location, to: destination)
            } catch {
                outcome.error = .unreadableFile(path: destination.path, reason: error.localizedDescription)
            }
        }
        task.resume()
        outcome.done.wait()
        if let error = outcome.error { throw error }
    }
}
