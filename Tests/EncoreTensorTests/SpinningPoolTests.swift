#if os(Linux)
import Glibc
@testable import EncoreTensor
import XCTest

/// The worker pool behind `Parallel.forEachChunk` on Linux: a job of `c` chunks involves workers
/// `0..<c - 1` only, whether they spin or sleep, and every chunk runs exactly once.
final class SpinningPoolTests: XCTestCase {
    private final class Visits: @unchecked Sendable {
        let counts: UnsafeMutableBufferPointer<Int>
        init(_ n: Int) { counts = .allocate(capacity: n); counts.initialize(repeating: 0) }
        var array: [Int] { Array(counts) }
        deinit { counts.deallocate() }
    }

    /// Many back-to-back two-chunk jobs on a five-worker pool: only worker 0 may help.
    func testTwoChunkJobsInvolveOneWorker() {
        let pool = SpinningPool(workers: 5)
        let jobs = 2000
        let visits = Visits(2 * jobs)
        for job in 0..<jobs {
            XCTAssertTrue(pool.run(chunks: 2) { chunk in visits.counts[2 * job + chunk] += 1 })
        }
        XCTAssertEqual(visits.array, Array(repeating: 1, count: 2 * jobs))
        for worker in 1..<5 { XCTAssertEqual(pool.chunksRun(byWorker: worker), 0, "worker \(worker)") }
    }

    /// Jobs after the workers have gone to sleep (pauses longer than the 2 ms spin): the job's
    /// participants are woken and help (each chunk sleeps, so the caller alone would take all
    /// four chunks' time), the others stay asleep.
    func testSleepingParticipantsAreWokenAndOthersAreNot() {
        let pool = SpinningPool(workers: 5)
        let jobs = 30
        let visits = Visits(4 * jobs)
        for job in 0..<jobs {
            usleep(5_000)
            XCTAssertTrue(pool.run(chunks: 4) { chunk in
                usleep(2_000)
                visits.counts[4 * job + chunk] += 1
            })
        }
        XCTAssertEqual(visits.array, Array(repeating: 1, count: 4 * jobs))
        let helped = (0..<3).reduce(0) { $0 + pool.chunksRun(byWorker: $1) }
        XCTAssertGreaterThan(helped, 0, "the woken participants ran chunks")
        for worker in 3..<5 { XCTAssertEqual(pool.chunksRun(byWorker: worker), 0, "worker \(worker)") }
    }

    /// Wider jobs after narrow ones: workers passed over by the narrow jobs still join.
    func testWorkersPassedOverJoinLaterJobs() {
        let pool = SpinningPool(workers: 3)
        let visits = Visits(2 * 100 + 4 * 100)
        for job in 0..<100 {
            XCTAssertTrue(pool.run(chunks: 2) { chunk in visits.counts[2 * job + chunk] += 1 })
        }
        for job in 0..<100 {
            XCTAssertTrue(pool.run(chunks: 4) { chunk in
                usleep(500)
                visits.counts[200 + 4 * job + chunk] += 1
            })
        }
        XCTAssertEqual(visits.array, Array(repeating: 1, count: 600))
        XCTAssertGreaterThan(pool.chunksRun(byWorker: 1) + pool.chunksRun(byWorker: 2), 0)
    }
}
#endif
