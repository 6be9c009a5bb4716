import Dispatch
import EncoreShims
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one parallel-for every kernel uses.
///
/// Work is split into at most `threads` contiguous chunks; chunk `t` of `parallelFor(n, threads:)`
/// is `t * n / chunks ..< (t + 1) * n / chunks`, so the split is deterministic for a given thread
/// count (results that reduce across chunks are bit-identical run to run).
public enum Parallel {
    /// The CPUs this process may use, the default thread count: on Linux the smallest of the
    /// online CPUs, the CPUs of its affinity mask (`taskset`, a cpuset, a Slurm allocation) and
    /// the CPU quota of `/sys/fs/cgroup/cpu.max` (rounded up; that file is the process's own
    /// cgroup inside a container with its own cgroup namespace; quotas on parent cgroups are not
    /// read), so a batch job or a container does not start more threads than it has CPUs;
    /// elsewhere the active processors.
    public static let coreCount: Int = {
        #if canImport(Glibc)
        var count = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let affinity = Int(encore_affinity_cpu_count())
        if affinity > 0 { count = min(count, affinity) }
        if let quota = cgroupCPUQuota(cpuMax: try? String(contentsOfFile: "/sys/fs/cgroup/cpu.max", encoding: .utf8)) {
            count = min(count, quota)
        }
        return max(1, count)
        #else
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
        #endif
    }()

    /// The CPUs a cgroup v2 `cpu.max` line allows ("QUOTA PERIOD" in microseconds, rounded up;
    /// nil for "max", a missing file or anything unreadable).
    public static func cgroupCPUQuota(cpuMax: String?) -> Int? {
        guard let fields = cpuMax?.split(whereSeparator: { $0 == " " || $0 == "\n" }), fields.count >= 2,
              let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    /// Resolves a caller's thread request: `nil` or values < 1 mean all cores.
    @inlinable
    public static func resolve(_ threads: Int?) -> Int {
        guard let threads, threads >= 1 else { return coreCount }
        return threads
    }

    /// Runs `body` over `0..<count` split into contiguous chunks, one per thread.
    /// - Parameters:
    ///   - count: the number of work items.
    ///   - threads: the most threads to use (`nil`: all cores).
    ///   - minimumChunk: chunks smaller than this are merged, so tiny loops stay on one thread.
    ///   - body: called once per chunk with its range; must be safe to run concurrently.
    @inlinable
    public static func forEachChunk(
        _ count: Int, threads: Int? = nil, minimumChunk: Int = 1,
        _ body: (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let chunks = max(1, min(resolve(threads), count / max(1, minimumChunk)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        #if os(Linux)
        if let pool = SpinningPool.shared,
            pool.run(chunks: chunks, { t in body((t * count / chunks)..<((t + 1) * count / chunks)) })
        {
            return
        }
        #endif
        withoutActuallyEscaping(body) { body in
            // The contract above makes `body` safe to call concurrently; the box tells the compiler.
            let shared = UncheckedSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { t in
                shared.value((t * count / chunks)..<((t + 1) * count / chunks))
            }
        }
    }
}

/// Carries a value the caller guarantees is safe to share across threads: a kernel closure over
/// disjoint output ranges, or buffers that parallel chunks write at disjoint indices. The one
/// such wrapper of the package.
public struct UncheckedSendableBox<Value>: @unchecked Sendable {
    /// The shared value.
    public let value: Value
    /// Wraps `value`; the caller vouches that concurrent uses of it do not race.
    @inlinable public init(_ value: Value) { self.value = value }
}
