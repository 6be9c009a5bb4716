#if os(Linux)
import Dispatch
import Glibc
import EncoreShims
import Synchronization

/// The worker threads behind `Parallel.forEachChunk` on Linux: `Parallel.coreCount - 1` threads
/// that, after finishing a job, spin for a while (`spinNanoseconds`, with the CPU's spin-wait
/// hint) waiting for the next one before they block. A job of `c` chunks involves workers
/// `0..<c - 1` only: the rest are neither woken nor kept spinning, so `--threads 2` on a 64-core
/// machine keeps one worker busy, not 63.
///
/// Why not `DispatchQueue.concurrentPerform`: its workers block as soon as a job ends, and on a
/// virtual machine a blocked virtual CPU is halted and handed back to the hypervisor. Waking it
/// for the next job then costs a hypervisor reschedule, which on a busy host can take long enough
/// that two-thread GEMM runs at the speed of one thread (OpenBLAS's threads spin for the same
/// reason). A kernel calls the parallel-for many times per product (twice per k-slice of the
/// GEMM, and the SPD inverse is a few thousand GEMMs), so this cost is paid on every call.
///
/// Chunks are claimed, not assigned: the caller and the workers take chunk indices from one
/// atomic ticket until none is left, so a worker that the hypervisor has descheduled delays
/// nothing (the caller takes its chunk). Each worker blocks on a condition variable of its own,
/// so a job wakes exactly the sleeping workers it involves. Which thread runs a chunk never changes a chunk's range,
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
    /// How many workers take part in the current job (workers `0..<participants`): one fewer
    /// than its chunks, as the caller takes chunks too. The others neither claim nor wake, so a
    /// two-chunk job on a 64-core machine costs one worker, not 63 that then spin.
    private let participants = Atomic<Int>(0)
    /// Chunks of the current job not yet finished.
    private let remaining = Atomic<Int>(0)
    /// Whether a caller holds the pool.
    private let busy = Atomic<Bool>(false)
    /// Workers blocked (or about to block) on their own condition variable.
    private let sleepers = Atomic<Int>(0)
    /// The body of the current job, valid while its chunks run (set before the ticket is
    /// published, read only after a successful claim).
    private var body: UnsafeRawPointer?
    /// Worker `i`'s mutex, condition variable and whether it waits on it (guarded by the mutex).
    private let mutexes: UnsafeMutablePointer<pthread_mutex_t>
    private let wakeUps: UnsafeMutablePointer<pthread_cond_t>
    private let waiting: UnsafeMutablePointer<Bool>
    /// The number of worker threads.
    let workerCount: Int
    /// Chunks run by each worker since the pool started (a worker writes only its own entry, one
    /// 64-byte line apart, so the counts share no cache line): what the tests read to check that
    /// only the job's participants take part.
    private let chunksRun: UnsafeMutablePointer<Int>

    private typealias Body = (Int) -> Void
    /// Ints per worker in `chunksRun`: one cache line.
    private static let counterStride = 8

    /// Starts `workers` threads (tests make small pools of their own; kernels use `shared`).
    init(workers: Int) {
        workerCount = workers
        mutexes = .allocate(capacity: max(1, workers))
        wakeUps = .allocate(capacity: max(1, workers))
        waiting = .allocate(capacity: max(1, workers))
        waiting.initialize(repeating: false, count: max(1, workers))
        chunksRun = .allocate(capacity: max(1, workers) * Self.counterStride)
        chunksRun.initialize(repeating: 0, count: max(1, workers) * Self.counterStride)
        for index in 0..<workers {
            pthread_mutex_init(mutexes + index, nil)
            pthread_cond_init(wakeUps + index, nil)
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: index)).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                let worker = Unmanaged<WorkerContext>.fromOpaque(context!).takeRetainedValue()
                worker.pool.work(index: worker.index)
            }, context)
            precondition(created == 0, "SpinningPool: pthread_create failed with \(created)")
            pthread_detach(thread)
        }
    }

    /// What a worker thread starts with.
    private final class WorkerContext {
        let pool: SpinningPool
        let index: Int
        init(pool: SpinningPool, index: Int) { (self.pool, self.index) = (pool, index) }
    }

    /// Chunks worker `index` has run so far (exact once the jobs that ran them have returned:
    /// a worker counts a chunk before reporting it finished).
    func chunksRun(byWorker index: Int) -> Int {
        precondition(index >= 0 && index < workerCount, "SpinningPool: no worker \(index)")
        return chunksRun[index * Self.counterStride]
    }

    /// Runs `body(i)` for every `i` in `0..<chunks` on the caller and at most `chunks - 1`
    /// workers, and returns once all have finished; `false` (nothing run) when the pool is busy or
    /// `chunks` is too large.
    @usableFromInline func run(chunks: Int, _ body: (Int) -> Void) -> Bool {
        guard chunks < 1 << 16, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        defer { busy.store(false, ordering: .releasing) }
        let helpers = min(workerCount, max(0, chunks - 1))
        withoutActuallyEscaping(body) { escapable in
            var job: Body = escapable
            withUnsafePointer(to: &job) { pointer in
                self.body = UnsafeRawPointer(pointer)
                remaining.store(chunks, ordering: .relaxed)
                participants.store(helpers, ordering: .relaxed)
                // 1...Int32.max, then 1 again: the word stays positive, so `>> 32` gives it back.
                let generation = (ticket.load(ordering: .relaxed) >> 32) % Int(Int32.max) + 1
                // Sequentially consistent with a sleeper's count and its check of the ticket: either
                // the caller sees the sleeper here or the sleeper sees the new job before waiting.
                ticket.store(generation << 32 | chunks << 16, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    for index in 0..<helpers {
                        pthread_mutex_lock(mutexes + index)
                        if waiting[index] { pthread_cond_signal(wakeUps + index) }
                        pthread_mutex_unlock(mutexes + index)
                    }
                }
                claimChunks(generation: generation, worker: nil)
                while remaining.load(ordering: .acquiring) > 0 { encore_cpu_relax() }
                self.body = nil
            }
            job = { _ in }
        }
        return true
    }

    /// Claims and runs chunks of job `generation` until none is left.
    private func claimChunks(generation: Int, worker: Int?) {
        var current = ticket.load(ordering: .acquiring)
        while current >> 32 == generation {
            let next = current & 0xFFFF, count = (current >> 16) & 0xFFFF
            guard next < count else { return }
            let (exchanged, seen) = ticket.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                Self.runChunk(body!, next)
                if let worker { chunksRun[worker * Self.counterStride] += 1 }
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

    /// Whether worker `index` has a job to join: a generation it has not seen, with it among the
    /// participants. (A participant count read for a newer job than the generation only makes the
    /// worker join or skip a job whose chunks the caller takes anyway.)
    private func hasWork(index: Int, seen: Int) -> Bool {
        ticket.load(ordering: .sequentiallyConsistent) >> 32 != seen && index < participants.load(ordering: .relaxed)
    }

    /// Worker `index`'s loop, which never ends: wait for a job it takes part in (spinning for
    /// `spinNanoseconds` after the last one it ran, then blocked on its own condition variable),
    /// claim its chunks. Jobs for fewer workers pass it by without waking it or restarting its spin.
    private func work(index: Int) -> Never {
        var seen = 0
        var idleSince = DispatchTime.now().uptimeNanoseconds
        while true {
            var spins = 0
            while !hasWork(index: index, seen: seen) {
                encore_cpu_relax()
                spins &+= 1
                if spins & 1023 == 0 && DispatchTime.now().uptimeNanoseconds &- idleSince > Self.spinNanoseconds {
                    pthread_mutex_lock(mutexes + index)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while !hasWork(index: index, seen: seen) {
                        waiting[index] = true
                        pthread_cond_wait(wakeUps + index, mutexes + index)
                        waiting[index] = false
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutexes + index)
                }
            }
            let current = ticket.load(ordering: .acquiring) >> 32
            seen = current
            claimChunks(generation: current, worker: index)
            idleSince = DispatchTime.now().uptimeNanoseconds
        }
    }
}

#endif
