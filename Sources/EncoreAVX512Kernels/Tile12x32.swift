// This module is compiled for AVX-512 (`-target-cpu skylake-avx512`, see Package.swift) and holds
// nothing but the 12 x 32 GEMM micro-kernel and the CSR x dense loops (SparseDense.swift), so
// that no other code in the binary uses AVX-512 instructions: EncoreTensor calls them only when
// CPUID reports AVX-512 (`GEMMKernel`). Everything here is non-inlinable public entry points and
// internal helpers they inline, so no generic specialization or shared symbol compiled for
// AVX-512 can be picked by the linker for code that runs on AVX2-only CPUs.
#if arch(x86_64)
import EncoreShims

/// The register-tiled micro-kernel of the packed SGEMM, AVX-512 form.
public enum AVX512Tile {
    /// Rows of C per micro-tile.
    public static let rows = 12
    /// Columns of C per micro-tile (two `SIMD16<Float>`).
    public static let cols = 32

    /// Accumulates one 12 x 32 tile of `A·B` over `kc` from a packed A micro-panel (`kc x 12`,
    /// element `(i, p)` at `p * 12 + i`) and a packed B micro-panel (`kc x 32`, element `(p, j)` at
    /// `p * 32 + j`, 64-byte aligned).
    ///
    /// Twenty-four `SIMD16<Float>` accumulators are 24 of the 32 zmm registers; two hold the B row
    /// and one the broadcast of A: the tile of BLIS's Skylake-X SGEMM (MR 32 x NR 12 in its
    /// column-major terms). Per depth step it issues 24 FMAs for 2 vector and 12 scalar loads.
    ///
    /// With `full`, writes `C = alpha * acc + beta * C` for the whole tile (row stride `ldc`);
    /// otherwise stores the raw accumulators into `scratch` (row stride 32, 64-byte aligned) for the
    /// caller to write the valid part of an edge tile. `next` is the top-left corner of the tile
    /// of C the following call will write: its rows (stride `nextStride`) are prefetched before
    /// the loop, at floats 0, 16 and 31 of each row, since a 128-byte row not aligned to 64 bytes
    /// spans three cache lines. With no such tile, pass `scratch` and stride 0.
    @inline(never)
    public static func run(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, full: Bool,
        alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>,
        nextStride: Int
    ) {
        let s = nextStride
        for row in 0..<rows {
            encore_prefetch_read(next + row * s)
            encore_prefetch_read(next + row * s + 16)
            encore_prefetch_read(next + row * s + 31)
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
        if full {
            GEMMRowStore.store(c0a, c + 0 * ldc, alpha, beta); GEMMRowStore.store(c0b, c + 0 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c1a, c + 1 * ldc, alpha, beta); GEMMRowStore.store(c1b, c + 1 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c2a, c + 2 * ldc, alpha, beta); GEMMRowStore.store(c2b, c + 2 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c3a, c + 3 * ldc, alpha, beta); GEMMRowStore.store(c3b, c + 3 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c4a, c + 4 * ldc, alpha, beta); GEMMRowStore.store(c4b, c + 4 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c5a, c + 5 * ldc, alpha, beta); GEMMRowStore.store(c5b, c + 5 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c6a, c + 6 * ldc, alpha, beta); GEMMRowStore.store(c6b, c + 6 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c7a, c + 7 * ldc, alpha, beta); GEMMRowStore.store(c7b, c + 7 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c8a, c + 8 * ldc, alpha, beta); GEMMRowStore.store(c8b, c + 8 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c9a, c + 9 * ldc, alpha, beta); GEMMRowStore.store(c9b, c + 9 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c10a, c + 10 * ldc, alpha, beta); GEMMRowStore.store(c10b, c + 10 * ldc + 16, alpha, beta)
            GEMMRowStore.store(c11a, c + 11 * ldc, alpha, beta); GEMMRowStore.store(c11b, c + 11 * ldc + 16, alpha, beta)
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
    }
}
#endif
