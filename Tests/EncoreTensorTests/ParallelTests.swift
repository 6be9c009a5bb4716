import Dispatch
import EncoreTensor
import XCTest

/// `Parallel.forEachChunk`: every item is visited exactly once, with the documented split, whatever
/// runs it (the spinning worker pool on Linux, Dispatch when the pool is busy).
final class ParallelTests: XCTestCase {
    /// Counts visits per item in raw memory; chunks write disjoint slots, so no synchronisation is
    /// needed (and no array is mutated from two threads).
    private final class Visits: @unchecked Sendable {
        let counts: UnsafeMutableBufferPointer<Int>
        init(_ n: Int) { counts = .allocate(capacity: n); counts.initialize(repeating: 0) }
        deinit { counts.deallocate() }
        var array: [Int] { Array(counts) }
    }

    /// A cgroup v2 `cpu.max` line becomes a CPU count rounded up; "max" and junk mean no quota.
    func testCgroupQuotaAndDefaultThreadCount() {
        XCTAssertEqual(Parallel.cgroupCPUQuota(cpuMax: "200000 100000\n"), 2)
        XCTAssertEqual(Parallel.cgroupCPUQuota(cpuMax: "150000 100000"), 2)
        XCTAssertEqual(Parallel.cgroupCPUQuota(cpuMax: "50000 100000"), 1)
        XCTAssertNil(Parallel.cgroupCPUQuota(cpuMax: "max 100000\n"))
        XCTAssertNil(Parallel.cgroupCPUQuota(cpuMax: "junk"))
        XCTAssertNil(Parallel.cgroupCPUQuota(cpuMax: nil))
        XCTAssertGreaterThanOrEqual(Parallel.coreCount, 1)
        XCTAssertLessThanOrEqual(Parallel.coreCount, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(Parallel.resolve(nil), Parallel.coreCount)
    }

    func testEveryItemOnceWithTheDocumentedSplit() {
        for threads in [1, 2, 3, 7] {
            for count in [1, 2, 5, 64, 1001] {
                let visits = Visits(count)
                let chunks = min(threads, count)
                let upperBounds = Visits(count + 1)  // lower bound -> upper bound + 1 of the chunk seen
                Parallel.forEachChunk(count, threads: threads) { range in
                    for i in range { visits.counts[i] += 1 }
                    upperBounds.counts[range.lowerBound] = range.upperBound + 1
                }
                XCTAssertEqual(visits.array, Array(repeating: 1, count: count), "threads \(threads) count \(count)")
                for t in 0..<chunks {
                    XCTAssertEqual(upperBounds.counts[t * count / chunks], (t + 1) * count / chunks + 1)
                }
            }
        }
    }

    /// Thousands of short jobs back to back: a worker that claimed a chunk of an old job must never
    /// run a chunk of the next one, and no job may return before all its chunks are done.
    func testManyShortJobsInARow() {
        let visits = Visits(4 * 3000)
        for job in 0..<3000 {
            Parallel.forEachChunk(4, threads: 4) { range in
                for i in range { visits.counts[4 * job + i] += 1 }
            }
            XCTAssertEqual((4 * job ..< 4 * job + 4).reduce(0) { $0 + visits.counts[$1] }, 4, "job \(job)")
        }
        XCTAssertEqual(visits.array, Array(repeating: 1, count: 4 * 3000))
    }

    /// A parallel-for inside a chunk (the pool is busy then) and parallel-fors started from
    /// several threads at once both complete and cover every item once.
    func testNestedAndConcurrentCallers() {
        let outer = 6, inner = 50
        let nested = Visits(outer * inner)
        Parallel.forEachChunk(outer, threads: 3) { range in
            for o in range {
                Parallel.forEachChunk(inner, threads: 2) { innerRange in
                    for i in innerRange { nested.counts[o * inner + i] += 1 }
                }
            }
        }
        XCTAssertEqual(nested.array, Array(repeating: 1, count: outer * inner))

        let concurrent = Visits(8 * 200)
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<20 {
                Parallel.forEachChunk(200, threads: 2) { range in
                    for i in range { concurrent.counts[caller * 200 + i] += 1 }
                }
            }
        }
        XCTAssertEqual(concurrent.array, Array(repeating: 20, count: 8 * 200))
    }
}
