// Linux only: the schedules need the Synchronization module's atomics, which on macOS need
// macOS 15 (the package supports 13); there `GEMM.multiply` keeps fixed splits.
#if os(Linux)
import Glibc
import Synchronization

extension GEMMOperands {
    /// The whole product on `threads` threads that take row blocks as they go, instead of one
    /// fixed half of the rows each.
    ///
    /// Why: on a shared virtual machine one virtual CPU is often slower than the other for a
    /// while (another tenant on its physical core). With a fixed split the product waits for the
    /// slower thread, often by a sixth of the product or more.
    ///
    /// How: the work is a sequence of units `(step, row block)`, where a step is one (k-slice,
    /// column block) pair in the order `run(rows:cols:)` uses (k-slice outside) and a row block is
    /// `mcLimit` rows. One atomic ticket hands the units out in that order. Each thread packs its
    /// own copy of a step's B block when it takes its first unit of that step (a copy it then
    /// streams from its own L2, as in the fixed split; sharing one copy is slower), waits
    /// until the row block has finished the previous step (`progress`), and computes the unit.
    /// With several column blocks, a k-slice's A row blocks are packed once, into one buffer the
    /// threads share, by whichever thread computes the slice's first column block; the others
    /// reuse them.
    ///
    /// The row blocks start at multiples of `mcLimit` (a multiple of the tile height) and each
    /// element of C receives its k-slices in order with beta on the first, so the result is the
    /// same, bit for bit, as one thread's `run(rows: 0..<m, cols: 0..<n)` for any thread count
    /// and any interleaving.
    ///
    /// No unit waits on a unit that has not been taken: tickets are taken in order and a unit
    /// waits only on an earlier step of its own row block, so a thread that takes every unit
    /// (the other never started) finishes alone. No more workers start than there are units.
    /// `workers` replaces the parallel-for (tests).
    func runBalancedRows(m: Int, n: Int, threads: Int, workers: BalancedWorkers? = nil) {
        let (kc, nc, ncMax) = blocking(columns: n)
        let columnBlocks = (n + nc - 1) / nc
        let slices = (k + kc - 1) / kc
        let rowBlocks = (m + mcLimit - 1) / mcLimit
        let units = slices * columnBlocks * rowBlocks
        let reusesA = columnBlocks > 1
        let schedule = BalancedSchedule(lanes: rowBlocks)
        // The shared whole-slice A buffer when A is reused. Row block r sits at r * mcLimit * kc,
        // not * depth: a shorter last k-slice would otherwise move row block r's region onto the
        // end of row block r - 1's, which another thread may still be reading.
        let sharedACount = reusesA ? roundUp(m, Tile.rows) * kc : 0
        let sharedA = GEMMBuffers(aCount: sharedACount, bCount: 0)
        defer { sharedA.deallocate() }
        let sharedABox = UncheckedSendableBox(sharedA.packedA)

        (workers ?? Self.poolWorkers)(min(threads, units)) { _ in
            // This thread's B block, A block (when A is not shared) and kernel scratch.
            let buffers = GEMMBuffers(
                aCount: reusesA ? 0 : min(mcLimit, roundUp(m, Tile.rows)) * kc, bCount: ncMax * kc)
            defer { buffers.deallocate() }
            let (ownA, packedB, scratch) = (buffers.packedA, buffers.packedB, buffers.scratch)

            var packedStep = -1
            while true {
                let unit = schedule.ticket.add(1, ordering: .relaxed).oldValue
                guard unit < units else { break }
                let step = unit / rowBlocks, rowBlock = unit % rowBlocks
                let pc = step / columnBlocks * kc, columnBlock = step % columnBlocks
                let depth = min(kc, k - pc)
                let jc = columnBlock * nc, nBlock = min(nc, n - jc)
                if step != packedStep {
                    GEMMPacking<Tile>.packB(
                        b, ldb: ldb, transposed: transposeB, depthStart: pc, depth: depth,
                        colStart: jc, cols: nBlock, into: packedB)
                    packedStep = step
                }
                schedule.waitUntil(lane: rowBlock, hasFinished: step)
                #if DEBUG
                GEMMTestHooks.balancedUnitHook?(.rowBlock, step, rowBlock)
                #endif
                let ic = rowBlock * mcLimit
                let aPacking: APacking = !reusesA ? .perBlock : columnBlock == 0 ? .packWholeSlice : .reuseWholeSlice
                multiplyRows(
                    ic..<min(m, ic + mcLimit), column: jc, nBlock: nBlock, slice: pc, depth: depth,
                    beta: pc == 0 ? beta : 1, packedA: reusesA ? sharedABox.value + ic * kc : ownA,
                    aPacking: aPacking, packedB: packedB, scratch: scratch)
                schedule.finish(lane: rowBlock, step: step)
            }
        }
    }
}

extension GEMMOperands {
    /// Widest column chunk of `runBalancedColumns`: 8 micro-panels of 32 columns (12 x 32 tile) or
    /// 16 of 16 (6 x 16 tile). Small enough that a 512 x 600 product has 3 chunks per k-slice to share out
    /// (and 3706 columns 15), wide enough that each A micro-panel loaded into L1 serves 8 tiles.
    static var balancedChunkColumns: Int { 256 }

    /// The whole product on `threads` threads that take column chunks as they go, with one copy
    /// of each A slice that the threads pack together: the counterpart of `runBalancedRows` for
    /// products with fewer rows than columns.
    ///
    /// Each k-slice is a run of units in ticket order: first one per `mcLimit`-row block of A
    /// (pack it into the slice's shared buffer), then one per column chunk (pack the chunk's B
    /// into the thread's own buffer, then multiply all rows of the chunk against the shared A).
    /// A chunk unit waits until every A block of its slice is packed and its chunk has finished
    /// the previous slice; an A block unit waits until the slice two earlier, whose buffer it
    /// reuses (two alternate), has finished all its chunks. Each unit waits only on units with
    /// earlier tickets, which have been taken by running threads, so the schedule cannot
    /// deadlock, and one thread that takes every unit finishes alone.
    ///
    /// Why shared A: with each thread packing all of A (as a fixed column split does), packing A
    /// was 10.4% of the samples at 512 x 600 x 3706 on two threads; with one shared copy, 6.5%
    /// (`perf record -e cpu-clock`, the three layouts). Sharing costs little here because each A
    /// micro-panel is read into L1 once per 8 tiles, unlike B in `runSharingB`, which the
    /// AVX-512 sweep streams for every A micro-panel.
    ///
    /// Chunk edges are multiples of the tile width and the k-slices are `run`'s, so the result is
    /// the same, bit for bit, as one thread's `run(rows: 0..<m, cols: 0..<n)`. No more workers
    /// start than there are units; `workers` replaces the parallel-for (tests).
    func runBalancedColumns(m: Int, n: Int, threads: Int, workers: BalancedWorkers? = nil) {
        let (kc, _, _) = blocking(columns: n)
        let slices = (k + kc - 1) / kc
        let width = equalBlockWidth(columns: n, limit: min(ncLimit, Self.balancedChunkColumns))
        let lanes = (n + width - 1) / width
        let rowBlocks = (m + mcLimit - 1) / mcLimit
        let perSlice = rowBlocks + lanes
        let units = slices * perSlice
        let schedule = BalancedSchedule(lanes: lanes, slices: slices)
        // Two whole-slice A buffers (row block r at r * mcLimit * depth), alternating by slice.
        let sliceCount = roundUp(m, Tile.rows) * kc
        let buffers = min(2, slices)
        let sharedA = GEMMBuffers(aCount: buffers * sliceCount, bCount: 0)
        defer { sharedA.deallocate() }
        let sharedABox = UncheckedSendableBox(sharedA.packedA)

        (workers ?? Self.poolWorkers)(min(threads, units)) { _ in
            // This thread's B chunk and kernel scratch.
            let own = GEMMBuffers(aCount: 0, bCount: width * kc)
            defer { own.deallocate() }
            let (packedB, scratch) = (own.packedB, own.scratch)

            while true {
                let unit = schedule.ticket.add(1, ordering: .relaxed).oldValue
                guard unit < units else { break }
                let slice = unit / perSlice, index = unit % perSlice
                let pc = slice * kc, depth = min(kc, k - pc)
                let packedA = sharedABox.value + (slice % buffers) * sliceCount
                if index < rowBlocks {
                    if slice >= buffers { schedule.waitUntil(slice: slice - buffers, hasComputed: lanes) }
                    #if DEBUG
                    GEMMTestHooks.balancedUnitHook?(.packA, slice, index)
                    #endif
                    let ic = index * mcLimit
                    GEMMPacking<Tile>.packA(
                        a, lda: lda, transposed: transposeA, rowStart: ic, rows: min(mcLimit, m - ic),
                        depthStart: pc, depth: depth, into: packedA + ic * depth)
                    schedule.finishPacking(slice: slice)
                } else {
                    let lane = index - rowBlocks
                    let jc = lane * width, nBlock = min(width, n - jc)
                    GEMMPacking<Tile>.packB(
                        b, ldb: ldb, transposed: transposeB, depthStart: pc, depth: depth,
                        colStart: jc, cols: nBlock, into: packedB)
                    schedule.waitUntil(slice: slice, hasPacked: rowBlocks)
                    schedule.waitUntil(lane: lane, hasFinished: slice)
                    #if DEBUG
                    GEMMTestHooks.balancedUnitHook?(.columnChunk, slice, lane)
                    #endif
                    multiplyRows(
                        0..<m, column: jc, nBlock: nBlock, slice: pc, depth: depth, beta: pc == 0 ? beta : 1,
                        packedA: packedA, aPacking: .reuseWholeSlice, packedB: packedB, scratch: scratch)
                    schedule.finish(lane: lane, step: slice)
                    schedule.finishComputing(slice: slice)
                }
            }
        }
    }
}

#if DEBUG
/// The kinds of unit of the balanced schedules, for `GEMMTestHooks.balancedUnitHook`.
enum BalancedUnitKind: Sendable {
    /// `runBalancedRows`: a (step, row block) unit.
    case rowBlock
    /// `runBalancedColumns`: packing one A row block of a k-slice.
    case packA
    /// `runBalancedColumns`: one column chunk of a k-slice.
    case columnChunk
}

/// Hooks for tests of the GEMM drivers.
enum GEMMTestHooks {
    /// Tests only (debug builds): called at the start of each unit's work, after its waits, with
    /// the unit's kind, step or k-slice, and row block or chunk. A test slows chosen units down
    /// with it, so that a missing wait shows as a wrong result every time, not now and then.
    nonisolated(unsafe) static var balancedUnitHook: ((BalancedUnitKind, Int, Int) -> Void)?
}
#endif

/// Runs `body(worker)` for the workers `0..<count`, concurrently, and returns when all have
/// finished. The balanced schedules use the parallel-for's (`GEMMOperands.poolWorkers`); a test
/// passes its own to run more threads at once than the machine has cores.
typealias BalancedWorkers = @Sendable (_ count: Int, _ body: (Int) -> Void) -> Void

extension GEMMOperands {
    /// The balanced schedules' workers: one chunk of `Parallel.forEachChunk` each.
    @Sendable static func poolWorkers(_ count: Int, _ body: (Int) -> Void) {
        Parallel.forEachChunk(count, threads: count) { range in
            for worker in range { body(worker) }
        }
    }
}

/// The shared state of the balanced schedules: the next unit to hand out, and for each lane (a
/// row block of `runBalancedRows`, a column chunk of `runBalancedColumns`) the number of steps it
/// has finished. A lane's steps must run in order: each reads the C block the previous wrote.
private final class BalancedSchedule: @unchecked Sendable {
    let ticket = Atomic<Int>(0)
    /// `progress[lane]`: steps the lane has finished (its C block is final for those steps).
    private let progress: UnsafeMutablePointer<Atomic<Int>>
    private let lanes: Int

    /// Per k-slice of `runBalancedColumns`: A row blocks packed (`sliceCounts[2 s]`) and column
    /// chunks computed (`[2 s + 1]`).
    private let sliceCounts: UnsafeMutablePointer<Atomic<Int>>
    private let slices: Int

    init(lanes: Int, slices: Int = 0) {
        self.lanes = lanes
        self.slices = slices
        progress = .allocate(capacity: lanes)
        for lane in 0..<lanes { (progress + lane).initialize(to: Atomic<Int>(0)) }
        sliceCounts = .allocate(capacity: 2 * slices)
        for i in 0..<(2 * slices) { (sliceCounts + i).initialize(to: Atomic<Int>(0)) }
    }

    deinit {
        progress.deinitialize(count: lanes)
        progress.deallocate()
        sliceCounts.deinitialize(count: 2 * slices)
        sliceCounts.deallocate()
    }

    /// Spins until `count` A row blocks of k-slice `slice` are packed.
    func waitUntil(slice: Int, hasPacked count: Int) {
        Self.spin { sliceCounts[2 * slice].load(ordering: .acquiring) >= count }
    }

    /// Spins until `count` column chunks of k-slice `slice` are computed.
    func waitUntil(slice: Int, hasComputed count: Int) {
        Self.spin { sliceCounts[2 * slice + 1].load(ordering: .acquiring) >= count }
    }

    /// Records one more A row block of `slice` packed.
    func finishPacking(slice: Int) { sliceCounts[2 * slice].add(1, ordering: .releasing) }

    /// Records one more column chunk of `slice` computed.
    func finishComputing(slice: Int) { sliceCounts[2 * slice + 1].add(1, ordering: .releasing) }

    /// Spins until `done()`; yields the CPU now and then, in case the thread it waits for has
    /// been descheduled. The wait is normally short or none: the awaited unit was taken earlier.
    @inline(__always)
    private static func spin(until done: () -> Bool) {
        var spins = 0
        while !done() {
            spins &+= 1
            if spins & 255 == 0 { sched_yield() }
        }
    }

    /// Spins until `lane` has finished `step` steps (at once in the usual case: the thread that
    /// took the previous step's unit finished it long ago).
    func waitUntil(lane: Int, hasFinished step: Int) {
        Self.spin { progress[lane].load(ordering: .acquiring) >= step }
    }

    /// Records that `lane` has finished `step` (its C block written), releasing it to the thread
    /// that takes the lane's next step.
    func finish(lane: Int, step: Int) {
        progress[lane].store(step + 1, ordering: .releasing)
    }
}
#endif
