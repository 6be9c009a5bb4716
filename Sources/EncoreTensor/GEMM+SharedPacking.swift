extension GEMMOperands {
    /// The whole product on `threads` threads sharing one packed copy of each `op(B)` block.
    ///
    /// For each column block and k-slice, the threads first pack the block's B micro-panels
    /// together (each a disjoint range of panels), then each computes its own range of rows of
    /// C against the shared copy, packing only its own A blocks. Splitting the output instead
    /// (as `run(rows:cols:)` on each thread does) makes every thread pack the whole shared
    /// operand: at 512 x 600 x 3706 both threads packed all of A, 13% of the call. The tile grid
    /// and k-slices are the ones `run` uses, so every element of C sees the same operations in
    /// the same order for any thread count.
    func runSharingB(m: Int, n: Int, threads: Int) {
        let (kc, nc, ncMax) = blocking(columns: n)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: ncMax * kc * MemoryLayout<Float>.stride, alignment: 64)
        defer { raw.deallocate() }
        let packedB = raw.bindMemory(to: Float.self, capacity: ncMax * kc)
        let shared = UncheckedSendableBox(packedB)
        let rowTiles = (m + Tile.rows - 1) / Tile.rows

        var jc = 0
        while jc < n {
            let nBlock = min(nc, n - jc)
            let panels = (nBlock + Tile.cols - 1) / Tile.cols
            var pc = 0
            while pc < k {
                let depth = min(kc, k - pc)
                let blockBeta = pc == 0 ? beta : 1
                let (column, slice) = (jc, pc)
                Parallel.forEachChunk(panels, threads: threads) { range in
                    let first = range.lowerBound * Tile.cols
                    let last = min(nBlock, range.upperBound * Tile.cols)
                    GEMMPacking<Tile>.packB(
                        b, ldb: ldb, transposed: transposeB, depthStart: slice, depth: depth,
                        colStart: column + first, cols: last - first, into: shared.value + first * depth)
                }
                Parallel.forEachChunk(rowTiles, threads: threads) { range in
                    let rows = (range.lowerBound * Tile.rows)..<min(m, range.upperBound * Tile.rows)
                    computeRows(rows, column: column, nBlock: nBlock, slice: slice, depth: depth,
                                beta: blockBeta, packedB: shared.value)
                }
                pc += depth
            }
            jc += nBlock
        }
    }

    /// One thread's rows of one (column block, k-slice) against the shared packed B block.
    private func computeRows(
        _ rows: Range<Int>, column: Int, nBlock: Int, slice: Int, depth: Int, beta: Float,
        packedB: UnsafeMutablePointer<Float>
    ) {
        guard !rows.isEmpty else { return }
        let mcMax = min(mcLimit, roundUp(rows.count, Tile.rows))
        let buffers = GEMMBuffers(aCount: mcMax * depth, bCount: 0)
        defer { buffers.deallocate() }
        multiplyRows(
            rows, column: column, nBlock: nBlock, slice: slice, depth: depth, beta: beta,
            packedA: buffers.packedA, packedB: packedB, scratch: buffers.scratch)
    }
}
