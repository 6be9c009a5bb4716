/// One thread's packing buffers in one 64-byte-aligned allocation: packed B first (for the
/// kernel's aligned `SIMD16` loads), packed A after it, then the micro-kernel's scratch on a
/// 16-float boundary. Freed by `deallocate()`.
struct GEMMBuffers {
    let packedB: UnsafeMutablePointer<Float>
    let packedA: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>

    /// Room for `aCount` floats of packed A and `bCount` of packed B (`bCount` a multiple of 16).
    init(aCount: Int, bCount: Int) {
        let count = aCount + bCount + GEMMTile.scratchCount
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        packedB = raw.bindMemory(to: Float.self, capacity: count)
        packedA = packedB + bCount
        scratch = packedA + aCount + 16 - (aCount % 16)
    }

    func deallocate() { UnsafeMutableRawPointer(packedB).deallocate() }
}

/// The cache-blocked driver of the packed SGEMM (the BLIS loop order).
///
/// For each `nc`-wide column block and `kc`-deep slice, `op(B)` is packed once (L3-resident,
/// `kc x nc`); for each `mc`-tall row block `op(A)` is packed (L2-resident, `mc x kc`); then the
/// micro-kernel sweeps the block: with the AVX2 tile, B micro-panels (L1-resident, `kc x 16`)
/// against the A micro-panels; with the AVX-512 tile, A micro-panels (L1-resident, `kc x 12`)
/// against the B micro-panels of an L2-resident B block.
/// The first k-slice applies the caller's `beta`, later slices accumulate with beta 1.
struct GEMMOperands: @unchecked Sendable {
    #if ENCORE_AVX512
    /// Depth of a packed slice. The AVX-512 sweep keeps a `kc x 12` A micro-panel in L1 (18 KiB of
    /// a 48 KiB L1d at 384) and streams `kc x 32` B micro-panels from L2.
    static let kc = 384
    /// Rows of a packed A block (a multiple of 12).
    static let mc = 96
    /// Widest packed B block (a multiple of 32): `kc x nc` floats = 1.5 MiB, which stays in a
    /// 2 MiB L2 next to the A block. On Sapphire Rapids (2 MiB L2, 48 KiB L1d), kc 256/320/384,
    /// mc 48/96/192 and nc 768-1536 measured within the machine's noise of each other (+-15%) at
    /// 1024³ and the 512-row shapes; at 3706³ (one thread, medians of 4 interleaved runs) nc 1024
    /// gave 94-97 GFLOP/s, 768 gave 93-94 and 1536 gave 88-90.
    static let nc = 1024
    #else
    /// Depth of a packed slice: a `kc x 16` B micro-panel is 24 KiB of Zen 3's 32 KiB L1d. Deeper
    /// slices mean fewer read-modify-write passes over C (k 3706: 10 instead of 15); 384 measured
    /// faster than 256 at 1024³ and 3706³ on one thread (OpenBLAS's Haswell/Zen depth is 384 too).
    static let kc = 384
    /// Rows of a packed A block (a multiple of 6): `mc x kc` floats = 144 KiB of the 512 KiB L2.
    static let mc = 96
    /// Widest packed B block (a multiple of 16): `kc x nc` floats = 2.25 MiB of L3 (larger blocks
    /// measured slower at n = 3706). Wider operands are cut into blocks of equal width.
    static let nc = 1536
    #endif

    let transposeA: Bool
    let transposeB: Bool
    let k: Int
    let alpha: Float
    let a: UnsafePointer<Float>
    let lda: Int
    let b: UnsafePointer<Float>
    let ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
    /// The blocking in force: the build's `kc`, `mc` and `nc` unless a test shrinks them to reach
    /// the multi-block paths on small shapes (`mcLimit` a multiple of `GEMMTile.rows`, `ncLimit`
    /// of `GEMMTile.cols`).
    var kcLimit = GEMMOperands.kc, mcLimit = GEMMOperands.mc, ncLimit = GEMMOperands.nc

    /// Computes the `rows x cols` block of C with this thread's own packing buffers.
    ///
    /// The loops are k-slice, column block, row block. With one column block each A block is
    /// packed just before its sweep (L2-hot). With several, the row blocks of a k-slice are packed
    /// once, at the first column block, into a buffer holding the whole `rows x kc` slice, and
    /// reused by the others. At 3706³ (four column blocks of 1024 on AVX-512) A was otherwise
    /// packed four times, 5% of the product and more for Aᵀ. Each element of C receives its
    /// k-slices in the same order with beta on the first, as in the earlier order with the column
    /// block outside, so the results are the same.
    func run(rows: Range<Int>, cols: Range<Int>) {
        guard !rows.isEmpty && !cols.isEmpty else { return }
        let (kc, nc, ncMax) = blocking(columns: cols.count)
        let reusesA = cols.count > nc
        let mcMax = min(mcLimit, roundUp(rows.count, GEMMTile.rows))
        // One allocation per call and thread, reused by every block.
        let buffers = GEMMBuffers(aCount: (reusesA ? roundUp(rows.count, GEMMTile.rows) : mcMax) * kc, bCount: ncMax * kc)
        defer { buffers.deallocate() }
        let (packedA, packedB, scratch) = (buffers.packedA, buffers.packedB, buffers.scratch)

        // k-slice outside, column block inside: with one column block this is the same order as
        // the other way round, and with several it lets the first column block's A packing serve
        // the rest.
        var pc = 0
        while pc < k {
            let depth = min(kc, k - pc)
            var jc = cols.lowerBound
            while jc < cols.upperBound {
                let nBlock = min(nc, cols.upperBound - jc)
                GEMMPacking.packB(
                    b, ldb: ldb, transposed: transposeB, depthStart: pc, depth: depth,
                    colStart: jc, cols: nBlock, into: packedB)
                let aPacking: APacking =
                    !reusesA ? .perBlock : jc == cols.lowerBound ? .packWholeSlice : .reuseWholeSlice
                multiplyRows(
                    rows, column: jc, nBlock: nBlock, slice: pc, depth: depth, beta: pc == 0 ? beta : 1,
                    packedA: packedA, aPacking: aPacking, packedB: packedB, scratch: scratch)
                jc += nBlock
            }
            pc += depth
        }
    }

    /// The k-slice depth, column-block width and widest column block for `columns` columns.
    ///
    /// Equal k-slices (600 -> 2 x 300, not 384 + 216): a thin last slice would pay the full cost
    /// of reading and writing C for little arithmetic. Equal column blocks too (1767 -> 2 x 896,
    /// not 1536 + 231).
    func blocking(columns: Int) -> (kc: Int, nc: Int, ncMax: Int) {
        let slices = (k + kcLimit - 1) / kcLimit
        let kc = (k + slices - 1) / slices
        let nc = equalBlockWidth(columns: columns, limit: ncLimit)
        return (kc, nc, min(nc, roundUp(columns, GEMMTile.cols)))
    }

    /// The width of equal column blocks of at most `limit` columns (a multiple of the tile width)
    /// covering `columns`, rounded up to whole tiles (see `blocking(columns:)`; also the chunk
    /// width of `runBalancedColumns`).
    func equalBlockWidth(columns: Int, limit: Int) -> Int {
        let blocks = (columns + limit - 1) / limit
        return roundUp((columns + blocks - 1) / blocks, GEMMTile.cols)
    }

    /// How `multiplyRows` uses its A buffer.
    enum APacking {
        /// A one-block buffer (`mc x depth`): every row block is packed into it just before its sweep.
        case perBlock
        /// A whole-slice buffer (`rows x depth`): row block `ic` is packed at offset
        /// `(ic - rows.lowerBound) * depth` and kept for the slice's later column blocks.
        case packWholeSlice
        /// The whole-slice buffer a `packWholeSlice` call filled: nothing is packed.
        case reuseWholeSlice
    }

    /// Rows `rows` of one (column block, k-slice): packs (or reuses, see `APacking`) each
    /// `mc`-row block of `op(A)` and sweeps it against the packed B block. The first k-slice
    /// applies `beta`.
    func multiplyRows(
        _ rows: Range<Int>, column: Int, nBlock: Int, slice: Int, depth: Int, beta: Float,
        packedA: UnsafeMutablePointer<Float>, aPacking: APacking = .perBlock, packedB: UnsafePointer<Float>,
        scratch: UnsafeMutablePointer<Float>
    ) {
        var ic = rows.lowerBound
        while ic < rows.upperBound {
            let mBlock = min(mcLimit, rows.upperBound - ic)
            let block = aPacking == .perBlock ? packedA : packedA + (ic - rows.lowerBound) * depth
            if aPacking != .reuseWholeSlice {
                GEMMPacking.packA(
                    a, lda: lda, transposed: transposeA, rowStart: ic, rows: mBlock,
                    depthStart: slice, depth: depth, into: block)
            }
            sweep(
                mBlock: mBlock, nBlock: nBlock, depth: depth, packedA: block, packedB: packedB,
                c: c + ic * ldc + column, beta: beta, scratch: scratch)
            ic += mBlock
        }
    }

    /// Runs the micro-kernel over one packed `mBlock x nBlock` block.
    @inline(__always)
    private func sweep(
        mBlock: Int, nBlock: Int, depth: Int, packedA: UnsafePointer<Float>, packedB: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, beta: Float, scratch: UnsafeMutablePointer<Float>
    ) {
        #if ENCORE_AVX512
        // A micro-panel (kc x 12, 18 KiB at kc 384) stays in L1 while the B micro-panels of the
        // block stream past it from L2 (BLIS's order for this tile): the larger, 32-wide B panel
        // would fill two thirds of the 48 KiB L1 on its own.
        var ir = 0
        while ir < mBlock {
            let validRows = min(GEMMTile.rows, mBlock - ir)
            let aPanel = packedA + ir * depth
            var jr = 0
            while jr < nBlock {
                // The tile the next call writes: one right, or the start of the next row of tiles.
                var nextRow = ir, nextCol = jr + GEMMTile.cols
                if nextCol >= nBlock { nextRow = ir + GEMMTile.rows; nextCol = 0 }
                tile(ir: ir, jr: jr, validRows: validRows, aPanel: aPanel, bPanel: packedB + jr * depth,
                     nextRow: nextRow, nextCol: nextCol)
                jr += GEMMTile.cols
            }
            ir += GEMMTile.rows
        }
        #else
        // B micro-panel (kc x 16, 24 KiB at kc 384) stays in L1 while the A micro-panels of the
        // block stream past it from L2.
        var jr = 0
        while jr < nBlock {
            let bPanel = packedB + jr * depth
            var ir = 0
            while ir < mBlock {
                // The tile the next call writes: one down, or the top of the next column of tiles.
                var nextRow = ir + GEMMTile.rows, nextCol = jr
                if nextRow >= mBlock { nextRow = 0; nextCol = jr + GEMMTile.cols }
                tile(ir: ir, jr: jr, validRows: min(GEMMTile.rows, mBlock - ir), aPanel: packedA + ir * depth,
                     bPanel: bPanel, nextRow: nextRow, nextCol: nextCol)
                ir += GEMMTile.rows
            }
            jr += GEMMTile.cols
        }
        #endif

        /// One micro-tile at (`ir`, `jr`) of the block; the next tile's C rows are prefetched.
        @inline(__always)
        func tile(
            ir: Int, jr: Int, validRows: Int, aPanel: UnsafePointer<Float>, bPanel: UnsafePointer<Float>,
            nextRow: Int, nextCol: Int
        ) {
            let nextIsFull = nextRow + GEMMTile.rows <= mBlock && nextCol + GEMMTile.cols <= nBlock
            GEMMTile.run(
                kc: depth, a: aPanel, b: bPanel, c: c + ir * ldc + jr, ldc: ldc,
                validRows: validRows, validCols: min(GEMMTile.cols, nBlock - jr),
                alpha: alpha, beta: beta, scratch: scratch,
                next: nextIsFull ? UnsafePointer(c + nextRow * ldc + nextCol) : UnsafePointer(scratch),
                nextStride: nextIsFull ? ldc : 0)
        }
    }

    func roundUp(_ value: Int, _ multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}
