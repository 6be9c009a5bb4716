import Foundation

extension Provenance {
    /// Collects the provenance of this process. Fast: no `swift --version`; the toolchain comes
    /// from compile-time checks, the git commit from `git rev-parse HEAD` (skipped quietly when
    /// git or a checkout is missing).
    /// - Parameters:
    ///   - threads: the worker threads the experiment uses.
    ///   - commandLine: the arguments, program name included.
    ///   - now: the start time.
    public static func collect(threads: Int, commandLine: [String] = CommandLine.arguments, now: Date = Date()) -> Provenance {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return Provenance(
            packageVersion: EncoreCLI.version, gitCommit: gitCommit(), toolchain: toolchain, cpu: cpuModel(),
            threads: threads, os: operatingSystem(), commandLine: commandLine.joined(separator: " "),
            startedAt: formatter.string(from: now))
    }

    /// The compiler version this binary was built with, to the minor version.
    public static var toolchain: String {
        #if compiler(>=6.4)
        return "Swift 6.4 or later"
        #elseif compiler(>=6.3)
        return "Swift 6.3"
        #elseif compiler(>=6.2)
        return "Swift 6.2"
        #elseif compiler(>=6.1)
        return "Swift 6.1"
        #else
        return "Swift 6.0"
        #endif
    }

    /// The CPU model name, or `unknown`.
    public static func cpuModel() -> String {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("model name") || line.hasPrefix("Model") {
                if let colon = line.firstIndex(of: ":") {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        #endif
        return run("/usr/sbin/sysctl", ["-n", "machdep.cpu.brand_string"]) ?? "unknown"
    }

    /// The operating system, e.g. `Linux 6.8.0 (Debian GNU/Linux 13)`.
    public static func operatingSystem() -> String {
        #if os(Linux)
        var name = "Linux"
        var system = utsname()
        if uname(&system) == 0 {
            name += " " + withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
           let line = release.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") }) {
            name += " (" + line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) + ")"
        }
        return name
        #else
        return ProcessInfo.processInfo.operatingSystemVersionString
        #endif
    }

    /// `git rev-parse HEAD` in the current directory, or nil.
    public static func gitCommit() -> String? {
        guard let commit = run("/usr/bin/env", ["git", "rev-parse", "HEAD"]), commit.count == 40 else { return nil }
        return commit
    }

    /// Runs a program and returns its trimmed standard output, or nil on any failure.
    private static func run(_ executable: String, _ arguments: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: executable) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
