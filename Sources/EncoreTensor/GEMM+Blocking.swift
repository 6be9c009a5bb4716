/// One thread's packing buffers in one 64-byte-aligned allocation: packed B first (for the
/// kernel's aligned `SIMD16` loads), packed A after it, then the micro-kernel's scratch on a
/// 16-float boundary. Freed by `deallocate()`.
struct GEMMBuffers {
    let packedB: UnsafeMutablePointer<Float>
    let packedA: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>

    /// Room for `aCount` floats of packed A and `bCount` of packed B (`bCount` a multiple of 16).
    init(aCount: Int, bCount: Int) {
        let count = aCount + bCount + GEMMStore.scratchCount
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
/// micro-kernel sweeps the block: with the 6 x 16 tile, B micro-panels (L1-resident, `kc x 16`)
/// against the A micro-panels; with the 12 x 32 tile, A micro-panels (L1-resident, `kc x 12`)
/// against the B micro-panels of an L2-resident B block (`Tile.keepsAPanelInL1`).
/// The first k-slice applies the caller's `beta`, later slices accumulate with beta 1.
struct GEMMOperands<Tile: GEMMMicroTile>: @unchecked Sendable {
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
    /// The blocking in force: the tile's `kc`, `mc` and `nc` unless a test shrinks them to reach
    /// the multi-block paths on small shapes (`mcLimit` a multiple of `Tile.rows`, `ncLimit`
    /// of `Tile.cols`).
    var kcLimit = Tile.kc, mcLimit = Tile.mc, ncLimit = Tile.nc

    /// Computes the `rows x cols` block of C with this thread's own packing buffers.
    ///
    /// The loops are k-slice, column block, row block. With one column block each A block is
    /// packed just before its sweep (L2-hot). With several, the row blocks of a k-slice are packed
    /// once, at the first column block, into a buffer holding the whole `rows x kc` slice, and
    /// reused by the others. At 3706³ (four column blocks of 1024 on AVX-512) A was otherwise
    /// packed four times, 5% of the product and more for Aᵀ. Each element of C receives its
    /// k-slices in the same order with beta on the first, as in the earlier order with the column
    /// block outside, so the results are the same.
    ///
    /// With `prepackedB` (all of `op(B)` packed by `prepack`, and `cols` all of its columns),
    /// nothing of B is packed here: each (k-slice, column block) reads its block from it.
    func run(rows: Range<Int>, cols: Range<Int>, prepackedB: UnsafePointer<Float>? = nil) {
        guard !rows.isEmpty && !cols.isEmpty else { return }
        let (kc, nc, ncMax) = blocking(columns: cols.count)
        let reusesA = cols.count > nc
        let mcMax = min(mcLimit, roundUp(rows.count, Tile.rows))
        // One allocation per call and thread, reused by every block.
        let buffers = GEMMBuffers(
            aCount: (reusesA ? roundUp(rows.count, Tile.rows) : mcMax) * kc, bCount: prepackedB == nil ? ncMax * kc : 0)
        defer { buffers.deallocate() }
        let (packedA, packedB, scratch) = (buffers.packedA, buffers.packedB, buffers.scratch)

        // k-slice outside, column block inside: with one column block this is the same order as
        // the other way round, and with several it lets the first column block's A packing serve
        // the rest.
        var pc = 0, prepackedOffset = 0
        while pc < k {
            let depth = min(kc, k - pc)
            var jc = cols.lowerBound
            while jc < cols.upperBound {
                let nBlock = min(nc, cols.upperBound - jc)
                let blockB: UnsafePointer<Float>
                if let prepackedB {
                    blockB = prepackedB + prepackedOffset
                    prepackedOffset += depth * roundUp(nBlock, Tile.cols)
                } else {
                    GEMMPacking<Tile>.packB(
                        b, ldb: ldb, transposed: transposeB, depthStart: pc, depth: depth,
                        colStart: jc, cols: nBlock, into: packedB)
                    blockB = UnsafePointer(packedB)
                }
                let aPacking: APacking =
                    !reusesA ? .perBlock : jc == cols.lowerBound ? .packWholeSlice : .reuseWholeSlice
                multiplyRows(
                    rows, column: jc, nBlock: nBlock, slice: pc, depth: depth, beta: pc == 0 ? beta : 1,
                    packedA: packedA, aPacking: aPacking, packedB: blockB, scratch: scratch)
                jc += nBlock
            }
            pc += depth
        }
    }

    /// Packs all of `op(B)` (`[k, n]`) into `out` in the order `run(rows:cols:prepackedB:)` reads
    /// it for `cols = 0..<n`: for each k-slice, for each column block, the block as `packB`
    /// writes it (`depth x roundUp(nBlock, Tile.cols)` floats), and returns the floats written.
    /// With `out` nil, only counts them (the size of the 64-byte-aligned buffer to pass).
    @discardableResult
    static func prepack(
        _ b: UnsafePointer<Float>?, ldb: Int, transposed: Bool, k: Int, n: Int, into out: UnsafeMutablePointer<Float>?
    ) -> Int {
        guard k > 0 && n > 0 else { return 0 }
        let (kc, nc, _) = blocking(k: k, columns: n, kcLimit: Tile.kc, ncLimit: Tile.nc)
        var pc = 0, offset = 0
        while pc < k {
            let depth = min(kc, k - pc)
            var jc = 0
            while jc < n {
                let nBlock = min(nc, n - jc)
                if let b, let out {
                    GEMMPacking<Tile>.packB(
                        b, ldb: ldb, transposed: transposed, depthStart: pc, depth: depth, colStart: jc, cols: nBlock,
                        into: out + offset)
                }
                offset += depth * ((nBlock + Tile.cols - 1) / Tile.cols * Tile.cols)
                jc += nBlock
            }
            pc += depth
        }
        return offset
    }

    /// The k-slice depth, column-block width and widest column block for `columns` columns.
    ///
    /// Equal k-slices (600 -> 2 x 300, not 384 + 216): a thin last slice would pay the full cost
    /// of reading and writing C for little arithmetic. Equal column blocks too (1767 -> 2 x 896,
    /// not 1536 + 231).
    func blocking(columns: Int) -> (kc: Int, nc: Int, ncMax: Int) {
        Self.blocking(k: k, columns: columns, kcLimit: kcLimit, ncLimit: ncLimit)
    }

    static func blocking(k: Int, columns: Int, kcLimit: Int, ncLimit: Int) -> (kc: Int, nc: Int, ncMax: Int) {
        let slices = (k + kcLimit - 1) / kcLimit
        let kc = (k + slices - 1) / slices
        let nc = equalBlockWidth(columns: columns, limit: ncLimit)
        let ncMax = min(nc, (columns + Tile.cols - 1) / Tile.cols * Tile.cols)
        return (kc, nc, ncMax)
    }

    /// The width of equal column blocks of at most `limit` columns (a multiple of the tile width)
    /// covering `columns`, rounded up to whole tiles (see `blocking(columns:)`; also the chunk
    /// width of `runBalancedColumns`).
    func equalBlockWidth(columns: Int, limit: Int) -> Int {
        Self.equalBlockWidth(columns: columns, limit: limit)
    }

    static func equalBlockWidth(columns: Int, limit: Int) -> Int {
        let blocks = (columns + limit - 1) / limit
        let width = (columns + blocks - 1) / blocks
        return (width + Tile.cols - 1) / Tile.cols * Tile.cols
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
                GEMMPacking<Tile>.packA(
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
        if Tile.keepsAPanelInL1 {
        // A micro-panel (kc x 12, 18 KiB at kc 384) stays in L1 while the B micro-panels of the
        // block stream past it from L2 (BLIS's order for this tile): the larger, 32-wide B panel
        // would fill two thirds of the 48 KiB L1 on its own.
        var ir = 0
        while ir < mBlock {
            let validRows = min(Tile.rows, mBlock - ir)
            let aPanel = packedA + ir * depth
            var jr = 0
            while jr < nBlock {
                // The tile the next call writes: one right, or the start of the next row of tiles.
                var nextRow = ir, nextCol = jr + Tile.cols
                if nextCol >= nBlock { nextRow = ir + Tile.rows; nextCol = 0 }
                tile(ir: ir, jr: jr, validRows: validRows, aPanel: aPanel, bPanel: packedB + jr * depth,
                     nextRow: nextRow, nextCol: nextCol)
                jr += Tile.cols
            }
            ir += Tile.rows
        }
        } else {
        // B micro-panel (kc x 16, 24 KiB at kc 384) stays in L1 while the A micro-panels of the
        // block stream past it from L2.
        var jr = 0
        while jr < nBlock {
            let bPanel = packedB + jr * depth
            var ir = 0
            while ir < mBlock {
                // The tile the next call writes: one down, or the top of the next column of tiles.
                var nextRow = ir + Tile.rows, nextCol = jr
                if nextRow >= mBlock { nextRow = 0; nextCol = jr + Tile.cols }
                tile(ir: ir, jr: jr, validRows: min(Tile.rows, mBlock - ir), aPanel: packedA + ir * depth,
                     bPanel: bPanel, nextRow: nextRow, nextCol: nextCol)
                ir += Tile.rows
            }
            jr += Tile.cols
        }
        }

        /// One micro-tile at (`ir`, `jr`) of the block; the next tile's C rows are prefetched.
        @inline(__always)
        func tile(
            ir: Int, jr: Int, validRows: Int, aPanel: UnsafePointer<Float>, bPanel: UnsafePointer<Float>,
            nextRow: Int, nextCol: Int
        ) {
            let nextIsFull = nextRow + Tile.rows <= mBlock && nextCol + Tile.cols <= nBlock
            Tile.run(
                kc: depth, a: aPanel, b: bPanel, c: c + ir * ldc + jr, ldc: ldc,
                validRows: validRows, validCols: min(Tile.cols, nBlock - jr),
                alpha: alpha, beta: beta, scratch: scratch,
                next: nextIsFull ? UnsafePointer(c + nextRow * ldc + nextCol) : UnsafePointer(scratch),
                nextStride: nextIsFull ? ldc : 0)
        }
    }

    func roundUp(_ value: Int, _ multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}
