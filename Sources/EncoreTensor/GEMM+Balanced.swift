#if os(Linux)
import Glibc
import Synchronization
#endif

extension GEMMOperands {
    #if os(Linux)
    /// Whether `GEMM.multiply` uses the balanced schedules below: on Linux, where the
    /// `Synchronization` module's atomics are available (on macOS they need macOS 15, and the
    /// package supports 13).
    static let balancedSchedules = true
    #else
    /// Whether `GEMM.multiply` uses the balanced schedules: not here (they need the
    /// `Synchronization` module's atomics, which need macOS 15; the package supports 13).
    static let balancedSchedules = false
    #endif
}

#if os(Linux)
extension GEMMOperands {
    /// The whole product on `threads` threads that take row blocks as they go, instead of one
    /// fixed half of the rows each.
    ///
    /// Why: on a shared virtual machine one virtual CPU is often slower than the other for a
    /// while (another tenant on its physical core). With a fixed split the product waits for the
    /// slower thread: at 3706³ on two threads, timing each thread's half showed the later one
    /// finishing 0-48% after the earlier one (median about 15%, 54 products).
    ///
    /// How: the work is a sequence of units `(step, row block)`, where a step is one (k-slice,
    /// column block) pair in the order `run(rows:cols:)` uses (k-slice outside) and a row block is
    /// `mcLimit` rows. One atomic ticket hands the units out in that order. Each thread packs its
    /// own copy of a step's B block when it takes its first unit of that step (a copy it then
    /// streams from its own L2, as in the fixed split; sharing one copy measured slower), waits
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
    /// (the other never started) finishes alone.
    func runBalancedRows(m: Int, n: Int, threads: Int) {
        let (kc, nc, ncMax) = blocking(columns: n)
        let columnBlocks = (n + nc - 1) / nc
        let slices = (k + kc - 1) / kc
        let rowBlocks = (m + mcLimit - 1) / mcLimit
        let units = slices * columnBlocks * rowBlocks
        let reusesA = columnBlocks > 1
        let schedule = BalancedSchedule(lanes: rowBlocks)
        // The shared whole-slice A buffer (row block r at r * mcLimit * depth) when A is reused.
        let sharedACount = reusesA ? roundUp(m, GEMMTile.rows) * kc : 0
        let sharedA = UnsafeMutablePointer<Float>.allocate(capacity: max(1, sharedACount))
        defer { sharedA.deallocate() }
        let sharedABox = UncheckedSendableBox(sharedA)

        Parallel.forEachChunk(threads, threads: threads) { _ in
            // This thread's B block, A block (when A is not shared) and kernel scratch.
            let aCount = reusesA ? 0 : min(mcLimit, roundUp(m, GEMMTile.rows)) * kc, bCount = ncMax * kc
            let scratchCount = GEMMTile.scratchCount
            let raw = UnsafeMutableRawPointer.allocate(
                byteCount: (aCount + bCount + scratchCount) * MemoryLayout<Float>.stride, alignment: 64)
            defer { raw.deallocate() }
            let packedB = raw.bindMemory(to: Float.self, capacity: aCount + bCount + scratchCount)
            let ownA = packedB + bCount
            let scratch = ownA + aCount + 16 - (aCount % 16)

            var packedStep = -1
            while true {
                let unit = schedule.ticket.add(1, ordering: .relaxed).oldValue
                guard unit < units else { break }
                let step = unit / rowBlocks, rowBlock = unit % rowBlocks
                let pc = step / columnBlocks * kc, columnBlock = step % columnBlocks
                let depth = min(kc, k - pc)
                let jc = columnBlock * nc, nBlock = min(nc, n - jc)
                if step != packedStep {
                    GEMMPacking.packB(
                        b, ldb: ldb, transposed: transposeB, depthStart: pc, depth: depth,
                        colStart: jc, cols: nBlock, into: packedB)
                    packedStep = step
                }
                schedule.waitUntil(lane: rowBlock, hasFinished: step)
                let ic = rowBlock * mcLimit
                let aPacking: APacking = !reusesA ? .perBlock : columnBlock == 0 ? .packWholeSlice : .reuseWholeSlice
                multiplyRows(
                    ic..<min(m, ic + mcLimit), column: jc, nBlock: nBlock, slice: pc, depth: depth,
                    beta: pc == 0 ? beta : 1, packedA: reusesA ? sharedABox.value + ic * depth : ownA,
                    aPacking: aPacking, packedB: packedB, scratch: scratch)
                schedule.finish(lane: rowBlock, step: step)
            }
        }
    }
}

extension GEMMOperands {
    /// Widest column chunk of `runBalancedColumns`: 8 micro-panels of 32 columns (AVX-512) or 16
    /// of 16 (AVX2), small enough that a 512-row product at k 600 has 30 chunks to share out, wide
    /// enough that each A micro-panel loaded into L1 serves several tiles.
    static let balancedChunkColumns = 256

    /// The whole product on `threads` threads that take column chunks as they go: the
    /// counterpart of `runBalancedRows` for products with fewer rows than columns, where a fixed
    /// split divides the columns.
    ///
    /// The units are `(k-slice, column chunk)` in that order, a chunk being
    /// `balancedChunkColumns` columns (or fewer, at equal width, for narrower products). Each
    /// thread packs the whole `rows x kc` A slice into its own buffer, during its first unit of
    /// the slice, and reuses it for the slice's other units (as each thread of the fixed split
    /// packs all of A); each unit packs its own chunk of B. A unit waits until its chunk has
    /// finished the previous k-slice. Chunk edges are multiples of the tile width and the
    /// k-slices are `run`'s, so the result is the same, bit for bit, as one thread's `run`.
    func runBalancedColumns(m: Int, n: Int, threads: Int) {
        let (kc, _, _) = blocking(columns: n)
        let slices = (k + kc - 1) / kc
        let chunkLimit = min(ncLimit, Self.balancedChunkColumns)
        let chunks = (n + chunkLimit - 1) / chunkLimit
        let width = roundUp((n + chunks - 1) / chunks, GEMMTile.cols)
        let lanes = (n + width - 1) / width
        let units = slices * lanes
        let schedule = BalancedSchedule(lanes: lanes)

        Parallel.forEachChunk(threads, threads: threads) { _ in
            let aCount = roundUp(m, GEMMTile.rows) * kc, bCount = width * kc
            let scratchCount = GEMMTile.scratchCount
            let raw = UnsafeMutableRawPointer.allocate(
                byteCount: (aCount + bCount + scratchCount) * MemoryLayout<Float>.stride, alignment: 64)
            defer { raw.deallocate() }
            let packedB = raw.bindMemory(to: Float.self, capacity: aCount + bCount + scratchCount)
            let packedA = packedB + bCount
            let scratch = packedA + aCount + 16 - (aCount % 16)

            var packedSlice = -1
            while true {
                let unit = schedule.ticket.add(1, ordering: .relaxed).oldValue
                guard unit < units else { break }
                let slice = unit / lanes, lane = unit % lanes
                let pc = slice * kc, depth = min(kc, k - pc)
                let jc = lane * width, nBlock = min(width, n - jc)
                schedule.waitUntil(lane: lane, hasFinished: slice)
                GEMMPacking.packB(
                    b, ldb: ldb, transposed: transposeB, depthStart: pc, depth: depth,
                    colStart: jc, cols: nBlock, into: packedB)
                multiplyRows(
                    0..<m, column: jc, nBlock: nBlock, slice: pc, depth: depth, beta: pc == 0 ? beta : 1,
                    packedA: packedA, aPacking: packedSlice == slice ? .reuseWholeSlice : .packWholeSlice,
                    packedB: packedB, scratch: scratch)
                packedSlice = slice
                schedule.finish(lane: lane, step: slice)
            }
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

    init(lanes: Int) {
        self.lanes = lanes
        progress = .allocate(capacity: lanes)
        for lane in 0..<lanes { (progress + lane).initialize(to: Atomic<Int>(0)) }
    }

    deinit {
        progress.deinitialize(count: lanes)
        progress.deallocate()
    }

    /// Spins until `lane` has finished `step` steps (at once in the usual case: the thread that
    /// took the previous step's unit finished it long ago); yields the CPU now and then, in case
    /// that thread has been descheduled.
    func waitUntil(lane: Int, hasFinished step: Int) {
        var spins = 0
        while progress[lane].load(ordering: .acquiring) < step {
            spins &+= 1
            if spins & 255 == 0 { sched_yield() }
        }
    }

    /// Records that `lane` has finished `step` (its C block written), releasing it to the thread
    /// that takes the lane's next step.
    func finish(lane: Int, step: Int) {
        progress[lane].store(step + 1, ordering: .releasing)
    }
}
#endif
