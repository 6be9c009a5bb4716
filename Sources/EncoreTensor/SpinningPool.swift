#if os(Linux)
import Dispatch
import Glibc
import Synchronization

/// The worker threads behind `Parallel.forEachChunk` on Linux: `Parallel.coreCount - 1` threads
/// that, after finishing a job, spin for a while (`spinNanoseconds`) waiting for the next one
/// before they block.
///
/// Why not `DispatchQueue.concurrentPerform`: its workers block as soon as a job ends, and on a
/// virtual machine a blocked virtual CPU is halted and handed back to the hypervisor. Waking it
/// for the next job then costs a hypervisor reschedule, which on a busy host can take long enough
/// that two-thread GEMM runs at the speed of one thread (OpenBLAS's threads spin for the same
/// reason). A kernel calls the parallel-for many times per product (twice per k-slice of the
/// GEMM, once per block column of the Cholesky), so this cost is paid on every call.
///
/// Chunks are claimed, not assigned: the caller and the workers take chunk indices from one
/// atomic ticket until none is left, so a worker that the hypervisor has descheduled delays
/// nothing (the caller takes its chunk). Which thread runs a chunk never changes a chunk's range,
/// so results stay independent of scheduling.
///
/// One job runs at a time. A second caller (another thread, or a parallel-for nested inside a
/// chunk) finds the pool busy and gets `false` from `run`; `Parallel` then uses Dispatch.
@usableFromInline
final class SpinningPool: @unchecked Sendable {
    /// How long an idle worker spins before it blocks: long enough to bridge the serial work
    /// between two parallel kernels of a training step, short enough that an idle process stops
    /// using CPU almost at once.
    static let spinNanoseconds: UInt64 = 2_000_000

    /// The process-wide pool (created on first use), or nil on a single core.
    @usableFromInline static let shared: SpinningPool? = Parallel.coreCount > 1 ? SpinningPool(workers: Parallel.coreCount - 1) : nil

    /// The current job: generation (bits 32...), chunk count (bits 16..<32) and next unclaimed
    /// chunk (bits 0..<16). A claim is a compare-and-swap on the whole word, so a stale worker
    /// can never claim a chunk of a newer job by mistake.
    private let ticket = Atomic<Int>(0)
    /// Chunks of the current job not yet finished.
    private let remaining = Atomic<Int>(0)
    /// Whether a caller holds the pool.
    private let busy = Atomic<Bool>(false)
    /// The body of the current job, valid while its chunks run (set before the ticket is
    /// published, read only after a successful claim).
    private var body: UnsafeRawPointer?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wakeUp: UnsafeMutablePointer<pthread_cond_t>
    /// Workers blocked on `wakeUp` (guarded by `mutex`).
    private var sleepers = 0

    private typealias Body = (Int) -> Void

    private init(workers: Int) {
        mutex = .allocate(capacity: 1)
        wakeUp = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeUp, nil)
        for _ in 0..<workers {
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                Unmanaged<SpinningPool>.fromOpaque(context!).takeRetainedValue().work()
            }, Unmanaged.passRetained(self).toOpaque())
            precondition(created == 0, "SpinningPool: pthread_create failed with \(created)")
            pthread_detach(thread)
        }
    }

    /// Runs `body(i)` for every `i` in `0..<chunks` on the caller and the workers, and returns
    /// once all have finished; `false` (nothing run) when the pool is busy or `chunks` is too large.
    @usableFromInline func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard chunks < 1 << 16, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { escapable in
            var job: Body = escapable
            withUnsafePointer(to: &job) { pointer in
                self.body = UnsafeRawPointer(pointer)
                remaining.store(chunks, ordering: .relaxed)
                let generation = (ticket.load(ordering: .relaxed) >> 32) &+ 1
                ticket.store(generation << 32 | chunks << 16, ordering: .releasing)
                pthread_mutex_lock(mutex)
                if sleepers > 0 { pthread_cond_broadcast(wakeUp) }
                pthread_mutex_unlock(mutex)
                claimChunks(generation: generation)
                while remaining.load(ordering: .acquiring) > 0 {}
                self.body = nil
            }
            job = { _ in }
        }
        return true
    }

    /// Claims and runs chunks of job `generation` until none is left.
    private func claimChunks(generation: Int) {
        var current = ticket.load(ordering: .acquiring)
        while current >> 32 == generation {
            let next = current & 0xFFFF, count = (current >> 16) & 0xFFFF
            guard next < count else { return }
            let (exchanged, seen) = ticket.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                Self.runChunk(body!, next)
                remaining.subtract(1, ordering: .releasing)
                current = ticket.load(ordering: .acquiring)
            } else {
                current = seen
            }
        }
    }

    /// Calls the job's body; not inlined, so the copy of the closure it loads is released before
    /// the chunk is reported finished (the caller's `withoutActuallyEscaping` checks that).
    @inline(never)
    private static func runChunk(_ body: UnsafeRawPointer, _ index: Int) {
        body.assumingMemoryBound(to: Body.self).pointee(index)
    }

    /// A worker's loop, which never ends: wait for a new generation (spinning, then blocked),
    /// claim its chunks.
    private func work() -> Never {
        var seen = 0
        while true {
            var current = ticket.load(ordering: .acquiring) >> 32
            if current == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while current == seen {
                    spins &+= 1
                    if spins & 1023 == 0 && DispatchTime.now().uptimeNanoseconds &- start > Self.spinNanoseconds {
                        pthread_mutex_lock(mutex)
                        while ticket.load(ordering: .acquiring) >> 32 == seen {
                            sleepers += 1
                            pthread_cond_wait(wakeUp, mutex)
                            sleepers -= 1
                        }
                        pthread_mutex_unlock(mutex)
                    }
                    current = ticket.load(ordering: .acquiring) >> 32
                }
            }
            seen = current
            claimChunks(generation: current)
        }
    }
}

#endif
