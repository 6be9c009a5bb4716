import EncoreCacheHints

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
        for i in 0..<validRows {
            let row = c + i * ldc
            let source = scratch + i * 16
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
