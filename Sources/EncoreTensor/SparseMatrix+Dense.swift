import EncoreShims

extension SparseMatrix {
    /// Returns `self * dense`, shape `[rows, dense.cols]`.
    /// - Parameters:
    ///   - dense: `[cols, n]`.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Complexity: O(nnz * n), SIMD over 16 dense columns at a time, parallel over column chunks
    ///   or rows (see `SparseDenseKernel`).
    public func multiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        multiply(dense, threads: threads, path: .automatic)
    }

    /// `multiply` with its kernel path chosen by the caller (tests compare the paths).
    func multiply(_ dense: Tensor, threads: Int?, path: SparseDenseKernel.Path) -> Tensor {
        requireShape(
            dense.rows == cols,
            "SparseMatrix.multiply: inner dimensions differ: sparse \(shape) x dense \(dense.shape)")
        var result = Tensor(uninitializedShape: [rows, dense.cols])
        result.withUnsafeMutableBufferPointer { out in
            dense.withUnsafeBufferPointer { d in
                SparseDenseKernel.multiply(
                    self, dense: d.baseAddress!, n: dense.cols, into: out.baseAddress!, threads: threads, path: path)
            }
        }
        return result
    }

    /// Returns `selfᵀ * dense`, shape `[cols, dense.cols]`.
    /// - Parameters:
    ///   - dense: `[rows, n]`.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Complexity: O(nnz + cols) for a transpose, then O(nnz * n) as in `multiply`.
    public func transposedMultiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        requireShape(
            dense.rows == rows,
            "SparseMatrix.transposedMultiply: inner dimensions differ: sparse \(shape)ᵀ x dense \(dense.shape)")
        // Why a transpose per call: it costs O(nnz) and turns the product into the gather form,
        // where each output row is accumulated in registers and written once, deterministically
        // for any thread count. The scatter alternative (per-thread partial outputs of [cols, n],
        // then a sum) writes every output row once per nonzero and needs threads x cols x n extra
        // memory. A cached transpose would need mutable state inside this value type.
        // Measured at the benchmark's shape (84,480 nonzeros, 3,706 columns; stand-alone copies,
        // best of 50): 0.71-0.87 ms, about 8% of one-thread S^T*D, bound by the scattered
        // stores more than by Swift's checks: a copy on raw buffers took 0.64-0.73 ms (inside the
        // noise), and a two-pass version (by groups of 256 columns, then by column) 1.07-1.27 ms.
        return transposed().multiply(dense, threads: threads)
    }
}

/// The CSR x dense kernel.
///
/// Every output element is one chain of fused multiply-adds over its row's nonzeros in stored
/// order, starting from zero, whatever the path, the thread count or the SIMD width that computes
/// it; so results do not depend on any of them.
///
/// Three paths, picked by the shape:
/// - **rows** (the default): each output row is built in registers, 64 columns per pass over the
///   row's nonzeros (four `SIMD16<Float>` accumulators), the dense rows `prefetchDistance`
///   nonzeros ahead prefetched; the last `n % 64` columns take one more pass. Threads take rows.
/// - **packed** (at least `packingRatio` nonzeros per dense row and a dense operand of at least
///   `packingMinimumDense` floats): 32 columns (two 16-column chunks) at a time, the dense columns
///   are first copied into a contiguous, 64-byte-aligned buffer of `cols` x 32 floats (474 KiB at
///   3,706 columns, which stays in L2), so each nonzero reads two aligned cache lines; read in
///   place, the same bytes straddle an extra line on every other 2,400-byte dense row and sit on a
///   different page for every nonzero. Four rows are summed side by side (two chains each), which
///   gives eight independent chains without changing any row's order; an odd last chunk is packed
///   and summed alone. Threads take pairs of chunks, each with its own buffer; with fewer than
///   four pairs per thread they take rows and each packs every pair itself. (Against single
///   16-column chunks, pairs halve the column-index and value loads per line and copy 128
///   contiguous bytes per dense row; `encore bench sparse` S*D, 8 interleaved runs each: one
///   thread 20.0 against 16.4 GFLOP/s (medians, faster in 7 of 8), two threads 23.2 against 15.6
///   (faster in 8 of 8).)
/// - **packed, in row blocks** (a large output from a small dense operand, as in `S^T*D` or a
///   Mult-VAE input layer's backward product): every chunk is packed once up front, two chunks
///   side by side (128 bytes per dense row, the odd last one alone), then blocks of `rowBlock`
///   rows are summed a pair of chunks at a time (two chains per row, four rows side by side), so
///   the output is written block after block instead of one 64-byte piece per row per chunk, and
///   each nonzero's index and value serve two lines. Threads take rows.
enum SparseDenseKernel {
    typealias V = SIMD16<Float>

    /// How many nonzeros ahead the rows path prefetches dense rows. In a stand-alone copy of this
    /// kernel at the benchmark shape (one thread), 16 ran 6-12% faster than no prefetch; 4 and 8
    /// were in between, 24 and 32 no better.
    static let prefetchDistance = 16

    /// The packed path is used when there are at least this many nonzeros per dense row: packing
    /// reads every dense row once per 16 columns, the product then reads `nonzeros` lines from the
    /// buffer instead of from the dense rows.
    static let packingRatio = 16

    /// ... and when the dense operand has at least this many floats (1 MiB): a smaller one stays in
    /// L2 anyway, and the rows path has less overhead per row (CDAE's backward product, a
    /// `[500, 50]` gradient, was 11% slower per epoch on the packed path).
    static let packingMinimumDense = 1 << 18

    /// The packed path packs every chunk up front and walks the rows in blocks of `rowBlock`
    /// (`.packedRowBlocks`) when the output has more than `rowBlockMinimumOutput` floats (8 MiB)
    /// and the packed dense operand at most `rowBlockMaximumDense` floats (3 MiB; S^T*D's is
    /// 1.2 MiB, inside a 2 MiB L2; sizes between 2 and 3 MiB were not measured).
    /// Chunk by chunk, each pass over a large output writes one 64-byte piece per output row,
    /// 2,400 bytes apart at n = 600: at S^T*D's 3,706 x 600 output every pass touches 2,170
    /// pages, more than the second-level TLB holds. In row blocks the output is written block
    /// after block and the block's CSR entries are re-read from L1.
    static let rowBlockMinimumOutput = 1 << 21
    static let rowBlockMaximumDense = 3 << 18
    /// Rows per block of `.packedRowBlocks`: 64 output rows of 600 floats are 150 KiB.
    static let rowBlock = 64

    enum Path { case automatic, rows, packed, packedRowBlocks }

    /// The path `.automatic` takes for a CSR matrix `[rows, cols]` with `nonzeros` entries times a
    /// dense `[cols, n]`.
    static func automaticPath(nonzeros: Int, cols: Int, n: Int, rows: Int = 0) -> Path {
        guard nonzeros >= packingRatio * cols && cols * n >= packingMinimumDense else { return .rows }
        let packedDense = cols * ((n + 15) / 16) * 16
        return rows * n > rowBlockMinimumOutput && packedDense <= rowBlockMaximumDense ? .packedRowBlocks : .packed
    }

    static func multiply(
        _ sparse: SparseMatrix, dense: UnsafePointer<Float>, n: Int, into out: UnsafeMutablePointer<Float>,
        threads: Int?, path: Path = .automatic
    ) {
        let rows = sparse.rows, cols = sparse.cols, nonzeros = sparse.nonzeroCount
        guard rows > 0 && n > 0 else { return }
        guard nonzeros > 0 else {
            out.update(repeating: 0, count: rows * n)
            return
        }
        let chosen = path == .automatic ? automaticPath(nonzeros: nonzeros, cols: cols, n: n, rows: rows) : path
        let packed = chosen == .packed
        sparse.rowPointers.withUnsafeBufferPointer { rp in
            sparse.columnIndices.withUnsafeBufferPointer { ci in
                sparse.values.withUnsafeBufferPointer { v in
                    let operands = Operands(
                        rowPointers: rp.baseAddress!, columns: ci.baseAddress!, values: v.baseAddress!,
                        dense: dense, n: n, cols: cols, out: out)
                    let shared = UncheckedSendableBox(operands)
                    // At least 32 K multiply-adds per thread, or the product stays on one thread.
                    let rowMinimum = max(1, 32_768 / max(1, nonzeros * n / rows))
                    // Pairs of 16-column chunks (an odd last chunk counts as one).
                    let pairs = ((n + 15) / 16 + 1) / 2
                    if chosen == .packedRowBlocks {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            shared.value.packedRowBlocks(rows: range)
                        }
                    } else if !packed {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            let o = shared.value
                            for r in range { o.row(r) }
                        }
                    } else if pairs >= 4 * Parallel.resolve(threads) {
                        let pairMinimum = max(1, 32_768 / max(1, nonzeros * 32))
                        Parallel.forEachChunk(pairs, threads: threads, minimumChunk: pairMinimum) { range in
                            shared.value.packed(pairs: range, rows: 0..<rows)
                        }
                    } else {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            shared.value.packed(pairs: 0..<pairs, rows: range)
                        }
                    }
                }
            }
        }
    }

    /// The raw operands of one product, shared read-only by the threads (each writes its own
    /// output rows or columns).
    struct Operands {
        let rowPointers: UnsafePointer<Int>
        let columns: UnsafePointer<Int32>
        let values: UnsafePointer<Float>
        let dense: UnsafePointer<Float>
        let n: Int
        let cols: Int
        let out: UnsafeMutablePointer<Float>

        // MARK: rows path

        /// `out[r, 0..<n] = sum over entries e of row r of values[e] * dense[columns[e], 0..<n]`.
        @inline(__always)
        func row(_ r: Int) {
            let start = rowPointers[r], end = rowPointers[r + 1], target = out + r * n
            var j = 0
            while j + 64 <= n {
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                for e in start..<end {
                    // Near the row's end nothing is prefetched (clamping to the last entry instead
                    // made rows of ~23 nonzeros 8% slower with repeated hints).
                    if e + prefetchDistance < end {
                        let ahead = UnsafeRawPointer(dense + Int(columns[e + prefetchDistance]) * n + j)
                        encore_prefetch_read(ahead)
                        encore_prefetch_read(ahead + 64)
                        encore_prefetch_read(ahead + 128)
                        encore_prefetch_read(ahead + 192)
                    }
                    let source = UnsafeRawPointer(dense + Int(columns[e]) * n + j)
                    let s = values[e]
                    a0 = a0.addingProduct(s, source.loadUnaligned(as: V.self))
                    a1 = a1.addingProduct(s, source.loadUnaligned(fromByteOffset: 64, as: V.self))
                    a2 = a2.addingProduct(s, source.loadUnaligned(fromByteOffset: 128, as: V.self))
                    a3 = a3.addingProduct(s, source.loadUnaligned(fromByteOffset: 192, as: V.self))
                }
                let t = UnsafeMutableRawPointer(target + j)
                t.storeBytes(of: a0, as: V.self)
                t.storeBytes(of: a1, toByteOffset: 64, as: V.self)
                t.storeBytes(of: a2, toByteOffset: 128, as: V.self)
                t.storeBytes(of: a3, toByteOffset: 192, as: V.self)
                j += 64
            }
            if j < n { remainder(start: start, end: end, from: j, into: target) }
        }

        /// The last `n - first` (< 64) columns of a row in one pass: up to three 16-lane, one 8-lane
        /// and one partly filled 8-lane accumulator.
        @inline(__always)
        func remainder(start: Int, end: Int, from first: Int, into target: UnsafeMutablePointer<Float>) {
            typealias V8 = SIMD8<Float>
            let width = n - first
            let sixteens = width / 16, hasEight = width % 16 >= 8, lanes = width % 8
            let eights = first + sixteens * 16, partial = eights + (hasEight ? 8 : 0)
            var a0 = V(), a1 = V(), a2 = V(), b = V8(), c = V8()
            for e in start..<end {
                let rowStart = dense + Int(columns[e]) * n
                if e + prefetchDistance < end {
                    let ahead = UnsafeRawPointer(dense + Int(columns[e + prefetchDistance]) * n + first)
                    encore_prefetch_read(ahead)
                    if width > 16 { encore_prefetch_read(ahead + (width * 4 - 4)) }
                }
                let s = values[e]
                let source = UnsafeRawPointer(rowStart + first)
                if sixteens > 0 { a0 = a0.addingProduct(s, source.loadUnaligned(as: V.self)) }
                if sixteens > 1 { a1 = a1.addingProduct(s, source.loadUnaligned(fromByteOffset: 64, as: V.self)) }
                if sixteens > 2 { a2 = a2.addingProduct(s, source.loadUnaligned(fromByteOffset: 128, as: V.self)) }
                if hasEight { b = b.addingProduct(s, UnsafeRawPointer(rowStart + eights).loadUnaligned(as: V8.self)) }
                if lanes > 0 {
                    var x = V8()
                    for l in 0..<lanes { x[l] = rowStart[partial + l] }
                    c = c.addingProduct(s, x)
                }
            }
            let t = UnsafeMutableRawPointer(target + first)
            if sixteens > 0 { t.storeBytes(of: a0, as: V.self) }
            if sixteens > 1 { t.storeBytes(of: a1, toByteOffset: 64, as: V.self) }
            if sixteens > 2 { t.storeBytes(of: a2, toByteOffset: 128, as: V.self) }
            if hasEight { UnsafeMutableRawPointer(target + eights).storeBytes(of: b, as: V8.self) }
            for l in 0..<lanes { target[partial + l] = c[l] }
        }

        // MARK: packed path

        /// Output columns `32 * pair ..< 32 * pair + 32` (fewer at the end) of `rows`, for each
        /// pair of chunks in `pairs`: the pair packed side by side (128 bytes per dense row) and
        /// summed two chains per row, as in `packedRowBlocks`; an odd last chunk packed and summed
        /// alone. Pairs rather than single chunks: each nonzero's column index and value serve two
        /// lines, and packing reads 128 contiguous bytes per dense row instead of 64 twice.
        func packed(pairs: Range<Int>, rows: Range<Int>) {
            let chunks = (n + 15) / 16
            let buffer = UnsafeMutableRawPointer.allocate(
                byteCount: max(1, cols) * 2 * MemoryLayout<V>.stride, alignment: 64)
            defer { buffer.deallocate() }
            for pair in pairs {
                if 2 * pair + 1 < chunks {
                    pack(pair: pair, into: buffer)
                    sumPackedPair(rows: rows, pair: pair, buffer: UnsafeRawPointer(buffer))
                } else {
                    pack(chunk: 2 * pair, into: buffer)
                    sumPacked(rows: rows, chunk: 2 * pair, buffer: UnsafeRawPointer(buffer))
                }
            }
        }

        /// All output columns of `rows`: every chunk packed once into one buffer, then the rows in
        /// blocks of `rowBlock`, each block a pair of chunks at a time.
        func packedRowBlocks(rows: Range<Int>) {
            // Chunks in pairs, side by side: 128 bytes per dense row, so each nonzero's column
            // index and value serve two 64-byte lines (S^T*D at one thread went from
            // 9.2-16.8 to 15.1-20.4 GFLOP/s, 6 interleaved runs, faster in each). An odd last
            // chunk is packed and summed alone.
            let chunks = (n + 15) / 16, pairs = chunks / 2
            let lineBytes = MemoryLayout<V>.stride
            let pairBytes = max(1, cols) * 2 * lineBytes, chunkBytes = max(1, cols) * lineBytes
            let buffer = UnsafeMutableRawPointer.allocate(
                byteCount: pairs * pairBytes + chunks % 2 * chunkBytes, alignment: 64)
            defer { buffer.deallocate() }
            for pair in 0..<pairs { pack(pair: pair, into: buffer + pair * pairBytes) }
            let last = buffer + pairs * pairBytes
            if chunks % 2 == 1 { pack(chunk: chunks - 1, into: last) }
            var start = rows.lowerBound
            while start < rows.upperBound {
                let block = start..<min(start + rowBlock, rows.upperBound)
                for pair in 0..<pairs {
                    sumPackedPair(rows: block, pair: pair, buffer: UnsafeRawPointer(buffer + pair * pairBytes))
                }
                if chunks % 2 == 1 { sumPacked(rows: block, chunk: chunks - 1, buffer: UnsafeRawPointer(last)) }
                start = block.upperBound
            }
        }

        /// `sumPacked` for chunks `2 * pair` and `2 * pair + 1` packed side by side (128 bytes per
        /// dense row): two `SIMD16` chains per row, four rows side by side.
        @inline(__always)
        func sumPackedPair(rows: Range<Int>, pair: Int, buffer lines: UnsafeRawPointer) {
            @inline(__always) func low(_ e: Int) -> V {
                lines.load(fromByteOffset: Int(columns[e]) &* (2 * MemoryLayout<V>.stride), as: V.self)
            }
            @inline(__always) func high(_ e: Int) -> V {
                lines.load(fromByteOffset: Int(columns[e]) &* (2 * MemoryLayout<V>.stride) &+ MemoryLayout<V>.stride, as: V.self)
            }
            var r = rows.lowerBound
            while r + 4 <= rows.upperBound {
                var p0 = rowPointers[r], p1 = rowPointers[r + 1], p2 = rowPointers[r + 2], p3 = rowPointers[r + 3]
                let e0 = p1, e1 = p2, e2 = p3, e3 = rowPointers[r + 4]
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                var b0 = V(), b1 = V(), b2 = V(), b3 = V()
                let common = min(min(e0 - p0, e1 - p1), min(e2 - p2, e3 - p3))
                for _ in 0..<common {
                    let s0 = values[p0], s1 = values[p1], s2 = values[p2], s3 = values[p3]
                    a0 = a0.addingProduct(s0, low(p0)); b0 = b0.addingProduct(s0, high(p0))
                    a1 = a1.addingProduct(s1, low(p1)); b1 = b1.addingProduct(s1, high(p1))
                    a2 = a2.addingProduct(s2, low(p2)); b2 = b2.addingProduct(s2, high(p2))
                    a3 = a3.addingProduct(s3, low(p3)); b3 = b3.addingProduct(s3, high(p3))
                    p0 += 1; p1 += 1; p2 += 1; p3 += 1
                }
                while p0 < e0 { a0 = a0.addingProduct(values[p0], low(p0)); b0 = b0.addingProduct(values[p0], high(p0)); p0 += 1 }
                while p1 < e1 { a1 = a1.addingProduct(values[p1], low(p1)); b1 = b1.addingProduct(values[p1], high(p1)); p1 += 1 }
                while p2 < e2 { a2 = a2.addingProduct(values[p2], low(p2)); b2 = b2.addingProduct(values[p2], high(p2)); p2 += 1 }
                while p3 < e3 { a3 = a3.addingProduct(values[p3], low(p3)); b3 = b3.addingProduct(values[p3], high(p3)); p3 += 1 }
                store(a0, row: r, chunk: 2 * pair); store(b0, row: r, chunk: 2 * pair + 1)
                store(a1, row: r + 1, chunk: 2 * pair); store(b1, row: r + 1, chunk: 2 * pair + 1)
                store(a2, row: r + 2, chunk: 2 * pair); store(b2, row: r + 2, chunk: 2 * pair + 1)
                store(a3, row: r + 3, chunk: 2 * pair); store(b3, row: r + 3, chunk: 2 * pair + 1)
                r += 4
            }
            while r < rows.upperBound {
                var a = V(), b = V()
                for e in rowPointers[r]..<rowPointers[r + 1] {
                    a = a.addingProduct(values[e], low(e)); b = b.addingProduct(values[e], high(e))
                }
                store(a, row: r, chunk: 2 * pair); store(b, row: r, chunk: 2 * pair + 1)
                r += 1
            }
        }

        /// Copies the dense columns of chunks `2 * pair` and `2 * pair + 1` (the second may be
        /// partial) into `buffer`, side by side: 128 bytes per dense row, lanes past the last
        /// column zero; a full pair in one pass over the dense rows.
        func pack(pair: Int, into buffer: UnsafeMutableRawPointer) {
            let first = pair * 32, line = MemoryLayout<V>.stride
            guard n - first >= 32 else {
                pack(chunk: 2 * pair, into: buffer, lineBytes: 2 * line)
                pack(chunk: 2 * pair + 1, into: buffer + line, lineBytes: 2 * line)
                return
            }
            for c in 0..<cols {
                let source = UnsafeRawPointer(dense + c * n + first)
                buffer.storeBytes(of: source.loadUnaligned(as: V.self), toByteOffset: 2 * c * line, as: V.self)
                buffer.storeBytes(
                    of: source.loadUnaligned(fromByteOffset: line, as: V.self), toByteOffset: (2 * c + 1) * line, as: V.self)
            }
        }

        /// Copies the dense columns of `chunk` into `buffer`, one 64-byte line per dense row,
        /// `lineBytes` apart (64: one chunk alone; 128: one half of a pair), lanes past the last
        /// column zero.
        func pack(chunk: Int, into buffer: UnsafeMutableRawPointer, lineBytes: Int = MemoryLayout<V>.stride) {
            let first = chunk * 16, width = min(16, n - first)
            if width == 16 {
                for c in 0..<cols {
                    let source = UnsafeRawPointer(dense + c * n + first).loadUnaligned(as: V.self)
                    buffer.storeBytes(of: source, toByteOffset: c * lineBytes, as: V.self)
                }
            } else {
                for c in 0..<cols {
                    var lanes = V()
                    for l in 0..<width { lanes[l] = dense[c * n + first + l] }
                    buffer.storeBytes(of: lanes, toByteOffset: c * lineBytes, as: V.self)
                }
            }
        }

        /// Sums one chunk of `rows` from the packed lines, four rows side by side: each row's chain
        /// runs over its entries in order, and the four chains are independent.
        @inline(__always)
        func sumPacked(rows: Range<Int>, chunk: Int, buffer lines: UnsafeRawPointer) {
            @inline(__always) func line(_ e: Int) -> V {
                lines.load(fromByteOffset: Int(columns[e]) &* MemoryLayout<V>.stride, as: V.self)
            }
            var r = rows.lowerBound
            while r + 4 <= rows.upperBound {
                var p0 = rowPointers[r], p1 = rowPointers[r + 1], p2 = rowPointers[r + 2], p3 = rowPointers[r + 3]
                let e0 = p1, e1 = p2, e2 = p3, e3 = rowPointers[r + 4]
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                let common = min(min(e0 - p0, e1 - p1), min(e2 - p2, e3 - p3))
                for _ in 0..<common {
                    a0 = a0.addingProduct(values[p0], line(p0))
                    a1 = a1.addingProduct(values[p1], line(p1))
                    a2 = a2.addingProduct(values[p2], line(p2))
                    a3 = a3.addingProduct(values[p3], line(p3))
                    p0 += 1; p1 += 1; p2 += 1; p3 += 1
                }
                while p0 < e0 { a0 = a0.addingProduct(values[p0], line(p0)); p0 += 1 }
                while p1 < e1 { a1 = a1.addingProduct(values[p1], line(p1)); p1 += 1 }
                while p2 < e2 { a2 = a2.addingProduct(values[p2], line(p2)); p2 += 1 }
                while p3 < e3 { a3 = a3.addingProduct(values[p3], line(p3)); p3 += 1 }
                store(a0, row: r, chunk: chunk)
                store(a1, row: r + 1, chunk: chunk)
                store(a2, row: r + 2, chunk: chunk)
                store(a3, row: r + 3, chunk: chunk)
                r += 4
            }
            while r < rows.upperBound {
                var a = V()
                for e in rowPointers[r]..<rowPointers[r + 1] { a = a.addingProduct(values[e], line(e)) }
                store(a, row: r, chunk: chunk)
                r += 1
            }
        }

        @inline(__always)
        func store(_ sum: V, row r: Int, chunk: Int) {
            let first = chunk * 16, width = min(16, n - first)
            let target = out + r * n + first
            if width == 16 {
                UnsafeMutableRawPointer(target).storeBytes(of: sum, as: V.self)
            } else {
                for l in 0..<width { target[l] = sum[l] }
            }
        }
    }
}
