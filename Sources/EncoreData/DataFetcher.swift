import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads, verifies and unpacks the published MovieLens archives into the cache, or installs
/// them from a local copy of the archive on machines without internet.
public enum DataFetcher {
    /// Makes `name` available locally and returns its ratings file.
    ///
    /// A copy of the ratings file in a data directory or the cache is used as is. Otherwise the
    /// archive is `archive` when given, else a file with the archive's official name
    /// (`ml-100k.zip`) in a data directory or the cache, else a download to a temporary name in
    /// the cache. Its size and SHA-256 are checked against the published values before anything
    /// is unpacked: on a mismatch a download is deleted, a local archive is left as it is, and
    /// nothing is installed. Files are unpacked each to a temporary name, then renamed, so the
    /// cache never holds a bad or partial file.
    /// - Parameter archive: a local copy of the official archive to install from, without network.
    /// - Throws: `DataError.unknownDataset`, `.notFound` (no published archive), `.network`,
    ///   `.checksumMismatch` (a download), `.archiveMismatch` (a local archive),
    ///   `.unverifiableArchive`, `.badArchive`, `.unreadableFile`.
    public static func fetch(
        _ name: String, locations: DataLocations, archive: URL? = nil, log: (String) -> Void = { _ in }
    ) throws -> URL {
        guard let source = DataCatalog.source(named: name) else {
            throw DataError.unknownDataset(name: name, known: DataCatalog.sources.filter { $0.archive != nil }.map(\.name))
        }
        return try fetch(source, locations: locations, archive: archive, log: log)
    }

    /// `fetch` for any source, so tests can give a source whose published size and SHA-256 are
    /// those of an archive they build.
    static func fetch(_ source: DatasetSource, locations: DataLocations, archive localArchive: URL?, log: (String) -> Void) throws -> URL {
        let name = source.name
        if let local = try? locations.ratingsFile(of: source) {
            log("\(name): already present at \(local.path)" + (localArchive.map { "; \($0.path) was not needed" } ?? ""))
            return local
        }
        guard let published = source.archive else {
            if let localArchive {
                throw DataError.unverifiableArchive(file: localArchive.path, name: name, ratingsPath: source.ratingsPath)
            }
            throw DataError.notFound(name: name, searched: (locations.dataDirectories + [locations.cacheDirectory]).map { $0.appendingPathComponent(source.ratingsPath).path })
        }
        let cache = locations.cacheDirectory
        do { try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true) } catch {
            throw DataError.unreadableFile(path: cache.path, reason: error.localizedDescription)
        }
        if let file = localArchive ?? localCopy(of: published, locations: locations) {
            log("\(name): installing from \(file.path) (no download)")
            let bytes: [UInt8]
            do { bytes = [UInt8](try Data(contentsOf: file)) } catch {
                throw DataError.unreadableFile(path: file.path, reason: error.localizedDescription)
            }
            // The bytes checked are the bytes unpacked: the file is read once.
            try check(bytes, against: published, file: file.path)
            log("\(name): size and SHA-256 verified")
            try unpack(try ZipArchive(bytes: bytes, file: file.path), into: cache, log: log)
        } else {
            let temporary = cache.appendingPathComponent(".\(name).zip.partial-\(ProcessInfo.processInfo.processIdentifier)")
            defer { try? FileManager.default.removeItem(at: temporary) }
            log("\(name): downloading \(published.url) (\(published.size) bytes)")
            try download(published.url, to: temporary)
            try verify(temporary, size: published.size, sha256: published.sha256, label: published.url)
            log("\(name): size and SHA-256 verified")
            try unpack(temporary, into: cache, log: log)
        }
        do { return try locations.ratingsFile(of: source) } catch {
            throw DataError.badArchive(file: localArchive?.path ?? published.fileName, reason: "it holds no \(source.ratingsPath)")
        }
    }

    /// The first readable file named like the official archive in a data directory or the cache.
    static func localCopy(of archive: DatasetSource.Archive, locations: DataLocations) -> URL? {
        (locations.dataDirectories + [locations.cacheDirectory])
            .map { $0.appendingPathComponent(archive.fileName) }
            .first { FileManager.default.isReadableFile(atPath: $0.path) }
    }

    /// Checks `bytes` (the contents of `file`) against the published size and SHA-256.
    /// - Throws: `DataError.archiveMismatch` naming the file, both sizes and both hashes.
    static func check(_ bytes: [UInt8], against archive: DatasetSource.Archive, file: String) throws {
        let digest = SHA256.hex(bytes)
        guard bytes.count == archive.size, digest == archive.sha256 else {
            throw DataError.archiveMismatch(
                file: file, url: archive.url, expected: "\(archive.size) bytes, SHA-256 \(archive.sha256)",
                found: "\(bytes.count) bytes, SHA-256 \(digest)")
        }
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
        try unpack(try ZipArchive(contentsOf: archive), into: folder, log: log)
    }

    /// Unpacks every file of `zip` under `folder`, each atomically; an entry with an unsafe path
    /// (absolute, or with `..`) is refused before anything is written.
    public static func unpack(_ zip: ZipArchive, into folder: URL, log: (String) -> Void = { _ in }) throws {
        if let unsafe = zip.entries.first(where: { $0.path.hasPrefix("/") || $0.path.split(separator: "/").contains("..") }) {
            throw DataError.badArchive(file: zip.file, reason: "unsafe path '\(unsafe.path)'")
        }
        for entry in zip.entries where !entry.isDirectory {
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
