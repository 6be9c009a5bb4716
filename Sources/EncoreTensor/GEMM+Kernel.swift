import EncoreCacheHints

#if ENCORE_AVX512
/// The register-tiled micro-kernel of the packed SGEMM, AVX-512 form (built when the target CPU
/// has AVX-512F; Package.swift defines `ENCORE_AVX512`).
///
/// One call computes a `GEMMTile.rows x GEMMTile.cols` (12 x 32) block of `C` from a packed A
/// micro-panel (`kc x 12`, element `(i, p)` at `p * 12 + i`) and a packed B micro-panel (`kc x 32`,
/// element `(p, j)` at `p * 32 + j`, 64-byte aligned). Twenty-four `SIMD16<Float>` accumulators
/// are 24 of the 32 zmm registers; two hold the B row and one the broadcast of A: the tile of
/// BLIS's Skylake-X SGEMM (MR 32 x NR 12 in its column-major terms). Per depth step it issues
/// 24 FMAs for 2 vector and 12 scalar loads, against 12 FMAs for 2 and 6 in the AVX2 tile.
enum GEMMTile {
    /// Rows of C per micro-tile.
    static let rows = 12
    /// Columns of C per micro-tile (two `SIMD16<Float>`).
    static let cols = 32

    /// Accumulates the tile over `kc` and writes `C = alpha * acc + beta * C` for the first
    /// `validRows x validCols` entries (edges go through `scratch`, `rows * cols` floats). `next`
    /// is the top-left corner of the tile of C the following call will write: its rows are
    /// prefetched before the loop (see the AVX2 form), at floats 0, 16 and 31 of each row, since a
    /// 128-byte row not aligned to 64 bytes (3,706 columns) spans three cache lines. With no such
    /// tile, pass `scratch` and stride 0.
    @inline(__always)
    static func run(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, validRows: Int, validCols: Int,
        alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>,
        nextStride: Int
    ) {
        let s = nextStride
        for row in 0..<GEMMTile.rows {
            CacheHint.prefetchForRead(UnsafeRawPointer(next + row * s))
            CacheHint.prefetchForRead(UnsafeRawPointer(next + row * s + 16))
            CacheHint.prefetchForRead(UnsafeRawPointer(next + row * s + 31))
        }
        typealias V = SIMD16<Float>
        var c0a = V(), c0b = V()
        var c1a = V(), c1b = V()
        var c2a = V(), c2b = V()
        var c3a = V(), c3b = V()
        var c4a = V(), c4b = V()
        var c5a = V(), c5b = V()
        var c6a = V(), c6b = V()
        var c7a = V(), c7b = V()
        var c8a = V(), c8b = V()
        var c9a = V(), c9b = V()
        var c10a = V(), c10b = V()
        var c11a = V(), c11b = V()
        var ap = a
        var bp = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = bp.load(as: V.self)
            let b1 = bp.load(fromByteOffset: 64, as: V.self)
            var s = V(repeating: ap[0])
            c0a = c0a.addingProduct(s, b0); c0b = c0b.addingProduct(s, b1)
            s = V(repeating: ap[1])
            c1a = c1a.addingProduct(s, b0); c1b = c1b.addingProduct(s, b1)
            s = V(repeating: ap[2])
            c2a = c2a.addingProduct(s, b0); c2b = c2b.addingProduct(s, b1)
            s = V(repeating: ap[3])
            c3a = c3a.addingProduct(s, b0); c3b = c3b.addingProduct(s, b1)
            s = V(repeating: ap[4])
            c4a = c4a.addingProduct(s, b0); c4b = c4b.addingProduct(s, b1)
            s = V(repeating: ap[5])
            c5a = c5a.addingProduct(s, b0); c5b = c5b.addingProduct(s, b1)
            s = V(repeating: ap[6])
            c6a = c6a.addingProduct(s, b0); c6b = c6b.addingProduct(s, b1)
            s = V(repeating: ap[7])
            c7a = c7a.addingProduct(s, b0); c7b = c7b.addingProduct(s, b1)
            s = V(repeating: ap[8])
            c8a = c8a.addingProduct(s, b0); c8b = c8b.addingProduct(s, b1)
            s = V(repeating: ap[9])
            c9a = c9a.addingProduct(s, b0); c9b = c9b.addingProduct(s, b1)
            s = V(repeating: ap[10])
            c10a = c10a.addingProduct(s, b0); c10b = c10b.addingProduct(s, b1)
            s = V(repeating: ap[11])
            c11a = c11a.addingProduct(s, b0); c11b = c11b.addingProduct(s, b1)
            ap += 12
            bp += 128
        }
        if validRows == 12 && validCols == 32 {
            store(c0a, c + 0 * ldc, alpha, beta); store(c0b, c + 0 * ldc + 16, alpha, beta)
            store(c1a, c + 1 * ldc, alpha, beta); store(c1b, c + 1 * ldc + 16, alpha, beta)
            store(c2a, c + 2 * ldc, alpha, beta); store(c2b, c + 2 * ldc + 16, alpha, beta)
            store(c3a, c + 3 * ldc, alpha, beta); store(c3b, c + 3 * ldc + 16, alpha, beta)
            store(c4a, c + 4 * ldc, alpha, beta); store(c4b, c + 4 * ldc + 16, alpha, beta)
            store(c5a, c + 5 * ldc, alpha, beta); store(c5b, c + 5 * ldc + 16, alpha, beta)
            store(c6a, c + 6 * ldc, alpha, beta); store(c6b, c + 6 * ldc + 16, alpha, beta)
            store(c7a, c + 7 * ldc, alpha, beta); store(c7b, c + 7 * ldc + 16, alpha, beta)
            store(c8a, c + 8 * ldc, alpha, beta); store(c8b, c + 8 * ldc + 16, alpha, beta)
            store(c9a, c + 9 * ldc, alpha, beta); store(c9b, c + 9 * ldc + 16, alpha, beta)
            store(c10a, c + 10 * ldc, alpha, beta); store(c10b, c + 10 * ldc + 16, alpha, beta)
            store(c11a, c + 11 * ldc, alpha, beta); store(c11b, c + 11 * ldc + 16, alpha, beta)
            return
        }
        let raw = UnsafeMutableRawPointer(scratch)
        raw.storeBytes(of: c0a, toByteOffset: 0, as: V.self)
        raw.storeBytes(of: c0b, toByteOffset: 64, as: V.self)
        raw.storeBytes(of: c1a, toByteOffset: 128, as: V.self)
        raw.storeBytes(of: c1b, toByteOffset: 192, as: V.self)
        raw.storeBytes(of: c2a, toByteOffset: 256, as: V.self)
        raw.storeBytes(of: c2b, toByteOffset: 320, as: V.self)
        raw.storeBytes(of: c3a, toByteOffset: 384, as: V.self)
        raw.storeBytes(of: c3b, toByteOffset: 448, as: V.self)
        raw.storeBytes(of: c4a, toByteOffset: 512, as: V.self)
        raw.storeBytes(of: c4b, toByteOffset: 576, as: V.self)
        raw.storeBytes(of: c5a, toByteOffset: 640, as: V.self)
        raw.storeBytes(of: c5b, toByteOffset: 704, as: V.self)
        raw.storeBytes(of: c6a, toByteOffset: 768, as: V.self)
        raw.storeBytes(of: c6b, toByteOffset: 832, as: V.self)
        raw.storeBytes(of: c7a, toByteOffset: 896, as: V.self)
        raw.storeBytes(of: c7b, toByteOffset: 960, as: V.self)
        raw.storeBytes(of: c8a, toByteOffset: 1024, as: V.self)
        raw.storeBytes(of: c8b, toByteOffset: 1088, as: V.self)
        raw.storeBytes(of: c9a, toByteOffset: 1152, as: V.self)
        raw.storeBytes(of: c9b, toByteOffset: 1216, as: V.self)
        raw.storeBytes(of: c10a, toByteOffset: 1280, as: V.self)
        raw.storeBytes(of: c10b, toByteOffset: 1344, as: V.self)
        raw.storeBytes(of: c11a, toByteOffset: 1408, as: V.self)
        raw.storeBytes(of: c11b, toByteOffset: 1472, as: V.self)
        storeEdge(from: scratch, c: c, ldc: ldc, validRows: validRows, validCols: validCols, alpha: alpha, beta: beta)
    }
}
#else
/// The register-tiled micro-kernel of the packed SGEMM.
///
/// One call computes a `GEMMTile.rows x GEMMTile.cols` (6 x 16) block of `C` from a packed A
/// micro-panel (`kc x 6`, element `(i, p)` at `p * 6 + i`) and a packed B micro-panel (`kc x 16`,
/// element `(p, j)` at `p * 16 + j`, 64-byte aligned). Six `SIMD16<Float>` accumulators are twelve
/// 256-bit registers on AVX2; with two for B and one broadcast of A the kernel uses 15 of the 16
/// ymm registers, the classic Haswell/Zen tile (a 12x32 or 8x32 tile fits only with AVX-512).
enum GEMMTile {
    /// Rows of C per micro-tile.
    static let rows = 6
    /// Columns of C per micro-tile (one `SIMD16<Float>`).
    static let cols = 16

    /// Accumulates the tile over `kc` and writes `C = alpha * acc + beta * C` for the first
    /// `validRows x validCols` entries (edges go through `scratch`, 96 floats). `next` is the
    /// top-left corner of the tile of C the following call will write: its six rows are
    /// prefetched before the loop, so their cache misses overlap this tile's arithmetic instead of
    /// stalling the next tile's update of C. With no such tile, pass `scratch` and stride 0 (a
    /// prefetch never faults, but an address inside the process keeps the hint meaningful).
    @inline(__always)
    static func run(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, validRows: Int, validCols: Int,
        alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>,
        nextStride: Int
    ) {
        // Prefetch the C tile of the next call (both cache lines of each of its six rows): C's
        // rows are a page or more apart, so the hardware prefetchers never fetch them, and the
        // miss would otherwise stall the store phase below.
        let s = nextStride
        for row in 0..<GEMMTile.rows {
            CacheHint.prefetchForRead(UnsafeRawPointer(next + row * s))
            CacheHint.prefetchForRead(UnsafeRawPointer(next + row * s + 15))
        }
        // Twelve SIMD8 halves rather than six SIMD16: LLVM then keeps every accumulator in its
        // own ymm register (with SIMD16 it rotated registers and spilled one per iteration).
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var ap = a
        var bp = UnsafeRawPointer(b)
        for _ in 0..<kc {
            let b0 = bp.load(as: SIMD8<Float>.self)
            let b1 = bp.load(fromByteOffset: 32, as: SIMD8<Float>.self)
            var s = SIMD8<Float>(repeating: ap[0])
            c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = SIMD8<Float>(repeating: ap[1])
            c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = SIMD8<Float>(repeating: ap[2])
            c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = SIMD8<Float>(repeating: ap[3])
            c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = SIMD8<Float>(repeating: ap[4])
            c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = SIMD8<Float>(repeating: ap[5])
            c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            ap += 6
            bp += 64
        }
        let c0 = SIMD16(lowHalf: c00, highHalf: c01), c1 = SIMD16(lowHalf: c10, highHalf: c11)
        let c2 = SIMD16(lowHalf: c20, highHalf: c21), c3 = SIMD16(lowHalf: c30, highHalf: c31)
        let c4 = SIMD16(lowHalf: c40, highHalf: c41), c5 = SIMD16(lowHalf: c50, highHalf: c51)
        if validRows == 6 && validCols == 16 {
            store(c0, c, alpha, beta)
            store(c1, c + ldc, alpha, beta)
            store(c2, c + 2 * ldc, alpha, beta)
            store(c3, c + 3 * ldc, alpha, beta)
            store(c4, c + 4 * ldc, alpha, beta)
            store(c5, c + 5 * ldc, alpha, beta)
            return
        }
        let raw = UnsafeMutableRawPointer(scratch)
        raw.storeBytes(of: c0, as: SIMD16<Float>.self)
        raw.storeBytes(of: c1, toByteOffset: 64, as: SIMD16<Float>.self)
        raw.storeBytes(of: c2, toByteOffset: 128, as: SIMD16<Float>.self)
        raw.storeBytes(of: c3, toByteOffset: 192, as: SIMD16<Float>.self)
        raw.storeBytes(of: c4, toByteOffset: 256, as: SIMD16<Float>.self)
        raw.storeBytes(of: c5, toByteOffset: 320, as: SIMD16<Float>.self)
        storeEdge(from: scratch, c: c, ldc: ldc, validRows: validRows, validCols: validCols, alpha: alpha, beta: beta)
    }
}
#endif

extension GEMMTile {
    /// Floats to allocate for `scratch`: one tile plus room to align it to 64 bytes.
    static let scratchCount = rows * cols + 32

    /// Writes the first `validRows x validCols` entries of a tile held in `scratch` (row stride
    /// `cols`) as `C = alpha * acc + beta * C`: the edge tiles of C.
    @inline(never)
    static func storeEdge(
        from scratch: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
        validRows: Int, validCols: Int, alpha: Float, beta: Float
    ) {
        for i in 0..<validRows {
            let row = c + i * ldc
            let source = scratch + i * cols
            if beta == 0 {
                for j in 0..<validCols { row[j] = alpha * source[j] }
            } else {
                for j in 0..<validCols { row[j] = alpha * source[j] + beta * row[j] }
            }
        }
    }

    /// `C[0..<16] = alpha * acc + beta * C`; beta 0 never reads C (so NaNs there vanish).
    @inline(__always)
    static func store(_ acc: SIMD16<Float>, _ c: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float) {
        let raw = UnsafeMutableRawPointer(c)
        if beta == 0 {
            raw.storeBytes(of: acc * alpha, as: SIMD16<Float>.self)
        } else if beta == 1 {
            let old = UnsafeRawPointer(c).loadUnaligned(as: SIMD16<Float>.self)
            raw.storeBytes(of: old.addingProduct(alpha, acc), as: SIMD16<Float>.self)
        } else {
            let old = UnsafeRawPointer(c).loadUnaligned(as: SIMD16<Float>.self)
            raw.storeBytes(of: (old * beta).addingProduct(alpha, acc), as: SIMD16<Float>.self)
        }
    }
}
