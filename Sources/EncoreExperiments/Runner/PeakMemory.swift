import Foundation

/// The process's peak resident memory, resettable per run on Linux.
///
/// Linux keeps the high-water mark in `/proc/self/status` (`VmHWM`); writing `5` to
/// `/proc/self/clear_refs` resets it, so each run reports its own peak. Elsewhere the figure is
/// the process peak from `getrusage` (never reset), which the table footnote states.
enum PeakMemory {
    /// Resets the high-water mark (Linux only; a no-op where unsupported).
    static func reset() {
        #if os(Linux)
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
        #endif
    }

    /// The peak resident set in bytes since the last reset, or nil when unknown.
    static func bytes() -> Int? {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            if let kilobytes = digits.first { return kilobytes * 1024 }
        }
        return nil
        #else
        var usage = rusage()
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
        return Int(usage.ru_maxrss)  // bytes on macOS
        #endif
    }
}
