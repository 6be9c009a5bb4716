import Foundation

/// The process's peak resident memory, for `RunRecord.peakMemoryBytes`.
///
/// On Linux this is `VmHWM` from `/proc/self/status`; `reset()` writes `5` to
/// `/proc/self/clear_refs` so the next run measures its own peak. On macOS it is `ru_maxrss`
/// (not resettable: the peak covers the whole process so far).
///
/// A run's child process (`ChildRun`) reports its whole life's peak, so the figure is the run's
/// own. Runs sharing a process (`RunIsolation.inProcess`) reset the peak before each run, but
/// memory the allocator keeps after an earlier run still counts as resident.
public enum PeakMemory {
    /// The peak resident set size in bytes since start or the last successful `reset()`; nil when unknown.
    public static func bytes() -> Int? {
        #if os(Linux)
        return statusBytes("VmHWM:")
        #else
        var usage = rusage()
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
        return Int(usage.ru_maxrss)
        #endif
    }

    /// The resident set size now (`VmRSS` on Linux), nil where unknown.
    public static func residentBytes() -> Int? {
        #if os(Linux)
        return statusBytes("VmRSS:")
        #else
        return nil
        #endif
    }

    #if os(Linux)
    /// A `kB` field of `/proc/self/status` (`VmHWM:`, `VmRSS:`) in bytes; nil when unreadable.
    private static func statusBytes(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return nil }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
        return kilobytes * 1024
    }
    #endif

    /// Resets the peak to the current resident size (Linux); returns whether it worked.
    @discardableResult
    public static func reset() -> Bool {
        #if os(Linux)
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
        #else
        return false
        #endif
    }
}
