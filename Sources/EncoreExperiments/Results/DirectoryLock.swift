import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory, exclusive lock on a result directory, held by one `ResultStore` for its lifetime
/// (`flock` on `<directory>/.encore-lock`): a second `encore run` writing the same directory stops
/// at once with `ResultStoreError.locked` instead of both rewriting `results.json` and losing
/// each other's runs. The lock file holds the holder's process ID, host, start time and command
/// line for that message; the operating system releases the lock when the process ends, however
/// it ends, so a stale file never blocks.
final class DirectoryLock: @unchecked Sendable {
    /// The lock file's name inside the directory.
    static let fileName = ".encore-lock"

    private let descriptor: Int32

    /// Creates `directory` if needed and takes its lock.
    /// - Throws: `ResultStoreError.locked` when another process (or another store in this
    ///   process) holds it, naming the holder; `.io` when the lock file cannot be opened.
    init(directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ResultStoreError.io(path: directory.path, reason: "cannot create the directory: \(error.localizedDescription)")
        }
        let path = directory.appendingPathComponent(Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ResultStoreError.io(path: path, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            throw ResultStoreError.locked(path: directory.path, holder: holder?.isEmpty == false ? holder! : "unknown process")
        }
        descriptor = fd
        let host = ProcessInfo.processInfo.hostName
        let started = ISO8601DateFormatter().string(from: Date())
        let text = "pid \(getpid()) on \(host) since \(started): \(CommandLine.arguments.joined(separator: " "))\n"
        _ = ftruncate(fd, 0)
        _ = text.utf8CString.withUnsafeBufferPointer { pwrite(fd, $0.baseAddress, $0.count - 1, 0) }
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }
}
