import EncoreShims

/// The raw operands of one CSR x dense product and the loops of its three paths
/// (`SparseDenseKernel` picks the path and splits the work among threads; each thread writes its
/// own output rows or columns).
///
/// This file is compiled twice: here for the baseline CPU (AVX2 + FMA on x86-64) and, through a
/// symbolic link, in EncoreAVX512Kernels for AVX-512, where `AVX512SparseDense` exposes the same
/// loops; `SparseDenseKernel` calls that copy when the active kernel is `.avx512`. One source, so
/// both give the same result bit for bit (each output element is the same chain of fused
/// multiply-adds; only the register width differs). It may use only the standard library and
/// EncoreShims.
struct SparseDenseOperands {
    typealias V = SIMD16<Float>

    /// How many nonzeros ahead the rows path prefetches dense rows: far enough to hide a miss to
    /// memory at the benchmark shape, near enough that short rows still get hints.
    static let prefetchDistance = 16

    /// Rows per block of `packedRowBlocks`: 64 output rows of 600 floats are 150 KiB.
    static let rowBlock = 64

    let rowPointers: UnsafePointer<Int>
    let columns: UnsafePointer<Int32>
    let values: UnsafePointer<Float>
    let dense: UnsafePointer<Float>
    let n: Int
    let cols: Int
    let out: UnsafeMutablePointer<Float>

    // MARK: rows path

    /// The rows path for `rows`.
    func rows(_ rows: Range<Int>) {
        for r in rows { row(r) }
    }

    /// `out[r, 0..<n] = sum over entries e of row r of values[e] * dense[columns[e], 0..<n]`.
    @inline(__always)
    func row(_ r: Int) {
        let start = rowPointers[r], end = rowPointers[r + 1], target = out + r * n
        var j = 0
        while j + 64 <= n {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            for e in start..<end {
                // Near the row's end nothing is prefetched (clamping to the last entry instead
                // repeats hints, which slows short rows).
                if e + Self.prefetchDistance < end {
                    let ahead = UnsafeRawPointer(dense + Int(columns[e + Self.prefetchDistance]) * n + j)
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
            if e + Self.prefetchDistance < end {
                let ahead = UnsafeRawPointer(dense + Int(columns[e + Self.prefetchDistance]) * n + first)
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
        // index and value serve two 64-byte lines. An odd last chunk is packed and summed alone.
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
            let block = start..<min(start + Self.rowBlock, rows.upperBound)
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
