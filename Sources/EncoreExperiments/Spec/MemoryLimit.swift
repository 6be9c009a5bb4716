import EncoreModels
import Foundation

/// The most memory one run may be estimated to need. Spec validation refuses a model entry or
/// grid point whose estimate (`Recommender.memoryEstimate` plus the evaluation buffers) exceeds
/// it, naming the JSON path and the estimate, before anything is allocated.
///
/// The default is `defaultShare` (75%) of the physical memory, or of the cgroup limit of the
/// process when that is lower (a Slurm job or a container); `--memory-limit SIZE` or the
/// environment variable `ENCORE_MEMORY_LIMIT` set another (`16G`, `512M`, `1.5T`, bytes, or a
/// share of physical memory such as `90%`).
public struct MemoryLimit: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The limit in bytes.
    public var bytes: Int
    /// Where it came from, for messages (`75% of physical memory`, `--memory-limit 16G`).
    public var origin: String

    /// Creates a limit.
    public init(bytes: Int, origin: String) {
        self.bytes = bytes
        self.origin = origin
    }

    /// The share of physical memory used when nothing sets a limit.
    public static let defaultShare = 0.75
    /// The environment variable read when `--memory-limit` is not given.
    public static let environmentVariable = "ENCORE_MEMORY_LIMIT"

    /// `defaultShare` of `physicalMemory`.
    public static let machineDefault = MemoryLimit(
        bytes: Int(Double(physicalMemory) * defaultShare), origin: "\(Int(defaultShare * 100))% of physical memory")

    /// The memory this process can use: the physical memory, or the cgroup limit (v2
    /// `memory.max`, v1 `memory.limit_in_bytes`) when that is lower.
    public static let physicalMemory: Int = {
        var bytes = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        #if os(Linux)
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                  let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0 else { continue }
            bytes = min(bytes, limit)
        }
        #endif
        return bytes
    }()

    /// Parses a size: a number with an optional binary unit (`K`, `M`, `G`, `T`, optionally
    /// followed by `B` or `iB`; `16G` is 16 x 2^30 bytes), a plain byte count, or a percentage of
    /// `physicalMemory` (`90%`).
    /// - Parameter origin: where the text came from, kept for messages.
    /// - Throws: `UsageError` for anything else, or a size that is not positive.
    public init(parsing text: String, origin: String) throws(UsageError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let invalid = UsageError("\(origin): expected a memory size such as 16G, 512M, 2000000000 or 80%, got '\(text)'")
        var number = trimmed
        var scale = 1.0
        if trimmed.hasSuffix("%") {
            number = String(trimmed.dropLast())
            scale = Double(Self.physicalMemory) / 100
        } else {
            let units: [(suffix: String, scale: Double)] = [("T", 0x1p40), ("G", 0x1p30), ("M", 0x1p20), ("K", 0x1p10)]
            var upper = trimmed.uppercased()
            for ending in ["IB", "B"] where upper.hasSuffix(ending) && upper.count > ending.count {
                upper = String(upper.dropLast(ending.count))
                break
            }
            number = upper
            if let unit = units.first(where: { upper.hasSuffix($0.suffix) }) {
                number = String(upper.dropLast())
                scale = unit.scale
            }
        }
        guard let value = Double(number), value.isFinite, value > 0, value * scale >= 1, value * scale < 0x1p63 else { throw invalid }
        self.init(bytes: Int(value * scale), origin: origin)
    }

    /// The limit in force: `--memory-limit` when given, else `ENCORE_MEMORY_LIMIT` when set,
    /// else `machineDefault`.
    /// - Throws: `UsageError` when the option or the variable is not a valid size.
    public static func resolve(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(UsageError) -> MemoryLimit {
        if let option { return try MemoryLimit(parsing: option, origin: "--memory-limit \(option)") }
        if let value = environment[environmentVariable], !value.isEmpty {
            return try MemoryLimit(parsing: value, origin: "\(environmentVariable)=\(value)")
        }
        return machineDefault
    }

    /// `17.2 GiB (75% of physical memory)`.
    public var description: String { "\(MemoryEstimate.format(bytes)) (\(origin))" }
}

extension MemoryLimit {
    /// Checks a config of `entry`'s model for commands that build a model without a spec
    /// (`bench model`): its problems, then its memory estimate (with the evaluation buffers) for
    /// data of `dimensions` against this limit.
    /// - Throws: `UsageError` (exit 64) listing the problems, or naming the estimate.
    func check(_ entry: ModelRegistry.Entry, configJSON: Data, dimensions: DataDimensions, maxK: Int) throws(UsageError) {
        guard let checks = entry.description.checks else { return }
        let problems = checks.problems(configJSON)
        if !problems.isEmpty {
            throw UsageError("--config: " + problems.map(\.description).joined(separator: "; "))
        }
        guard var estimate = checks.memory(configJSON, dimensions) else { return }
        estimate.add(ModelEvaluation.memoryEstimate(task: entry.description.task, dimensions: dimensions, maxK: maxK))
        if estimate.bytes > bytes {
            throw UsageError("\(entry.description.name) needs an estimated \(estimate) for \(dimensions), over the memory limit, \(self)")
        }
    }
}
