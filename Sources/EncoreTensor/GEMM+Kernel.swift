import EncoreShims
import Foundation
#if arch(x86_64)
internal import EncoreAVX512Kernels
#endif

/// A register tile of the packed SGEMM: its size, the cache blocking that suits it, and its
/// micro-kernel. The driver (`GEMMOperands`) is generic over it, so each tile gets its own
/// specialised copy of the packing and blocking code, with the tile's sizes as constants.
protocol GEMMMicroTile: SendableMetatype {
    /// Rows of C per micro-tile.
    static var rows: Int { get }
    /// Columns of C per micro-tile (a multiple of 16).
    static var cols: Int { get }
    /// Depth of a packed k-slice.
    static var kc: Int { get }
    /// Rows of a packed A block (a multiple of `rows`).
    static var mc: Int { get }
    /// Widest packed B block (a multiple of `cols`).
    static var nc: Int { get }
    /// Whether threads share packed B blocks (`runSharingB`) when there are enough rows.
    static var sharePackedB: Bool { get }
    /// The sweep order over a packed block: an A micro-panel kept in L1 while the B micro-panels
    /// stream past it (true), or the other way round.
    static var keepsAPanelInL1: Bool { get }

    /// Accumulates the tile over `kc` from packed micro-panels and writes `C = alpha * acc +
    /// beta * C` for the first `validRows x validCols` entries (edges go through `scratch`, at
    /// least `rows * cols` floats, 64-byte aligned). `next` is the top-left corner of the tile of
    /// C the following call will write, whose rows are prefetched; with none, pass `scratch` and
    /// stride 0 (a prefetch never faults, but an address inside the process keeps the hint
    /// meaningful).
    static func run(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, validRows: Int, validCols: Int,
        alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>,
        nextStride: Int)
}

/// The GEMM micro-kernels a binary has, and the one in use.
///
/// x86-64 builds are compiled for AVX2 + FMA and carry both tiles; the 12 x 32 AVX-512 tile is
/// chosen when CPUID reports AVX-512 (F, DQ, CD, BW, VL), the way OpenBLAS's `DYNAMIC_ARCH`
/// chooses. `ENCORE_GEMM_KERNEL=avx2` (or `avx512`, `auto`) overrides the choice at start-up; an
/// unknown value, or `avx512` on a CPU without it, is reported on standard error and ignored.
/// Both tiles cut k into the same slices and compute each element of C as one fused multiply-add
/// chain per slice, so the kernel changes the speed, not the numbers: products are bit-identical.
public enum GEMMKernel: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The 6 x 16 tile (AVX2 + FMA on x86-64, NEON on arm64).
    case avx2
    /// The 12 x 32 tile in zmm registers (x86-64 CPUs with AVX-512).
    case avx512

    /// The kernel `GEMM.multiply` and `Tensor.matmul` use in this process.
    public static let active: GEMMKernel = resolve(
        request: ProcessInfo.processInfo.environment["ENCORE_GEMM_KERNEL"], available: available,
        warn: { FileHandle.standardError.write(Data("encore: warning: \($0)\n".utf8)) })

    /// The kernels this CPU can run, the portable one first.
    public static let available: [GEMMKernel] = encore_cpu_has_avx512() != 0 ? [.avx2, .avx512] : [.avx2]

    /// The kernel for an `ENCORE_GEMM_KERNEL` value: the best available for `nil`, empty or
    /// `auto`; the named one if available; otherwise the best available, after a warning.
    static func resolve(request: String?, available: [GEMMKernel], warn: (String) -> Void) -> GEMMKernel {
        let best = available.last ?? .avx2
        guard let request = request?.lowercased(), !request.isEmpty, request != "auto" else { return best }
        guard let named = GEMMKernel(rawValue: request) else {
            warn("ENCORE_GEMM_KERNEL=\(request) is not a kernel (expected avx2, avx512 or auto); using \(best)")
            return best
        }
        guard available.contains(named) else {
            warn("ENCORE_GEMM_KERNEL=\(request): this CPU lacks \(named.instructionSet); using \(best)")
            return best
        }
        return named
    }

    /// The instruction set and tile, as benchmarks print it (`avx2 6x16`, `neon 6x16`, `avx512 12x32`).
    public var description: String {
        switch self {
        case .avx2:
            #if arch(x86_64)
            return "avx2 6x16"
            #else
            return "neon 6x16"
            #endif
        case .avx512: return "avx512 12x32"
        }
    }

    var instructionSet: String { self == .avx2 ? "AVX2 and FMA" : "AVX-512 (F, DQ, CD, BW, VL)" }
}

#if arch(x86_64)
/// The 12 x 32 register tile (AVX-512): the micro-kernel is `AVX512Tile.run` in the module built
/// for AVX-512; edge tiles come back in `scratch` and are written here.
enum GEMMTile12x32: GEMMMicroTile {
    static let rows = AVX512Tile.rows
    static let cols = AVX512Tile.cols
    /// Depth of a packed slice: a `kc x 12` A micro-panel stays in L1 (18 KiB of a 48 KiB L1d at
    /// 384) while `kc x 32` B micro-panels stream from L2.
    static let kc = 384
    /// Rows of a packed A block (a multiple of 12).
    static let mc = 96
    /// Widest packed B block (a multiple of 32): `kc x nc` floats = 1.5 MiB, which stays in a
    /// 2 MiB L2 next to the A block. Other blockings near these are no faster at the benchmark
    /// shapes; a wider block (1536) is slower at 3706³.
    static let nc = 1024
    /// Each thread streams the whole L2-resident B block for every A micro-panel, so splitting the
    /// output (each thread packing its own B) is faster than sharing one B block.
    static let sharePackedB = false
    /// A micro-panel in L1 while the B micro-panels of the block stream past it from L2 (BLIS's
    /// order for this tile): the 32-wide B panel would fill two thirds of the L1 on its own.
    static let keepsAPanelInL1 = true

    @inline(__always)
    static func run(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, validRows: Int, validCols: Int,
        alpha: Float, beta: Float, scratch: UnsafeMutablePointer<Float>, next: UnsafePointer<Float>,
        nextStride: Int
    ) {
        let full = validRows == rows && validCols == cols
        AVX512Tile.run(
            kc: kc, a: a, b: b, c: c, ldc: ldc, full: full, alpha: alpha, beta: beta, scratch: scratch,
            next: next, nextStride: nextStride)
        if !full {
            GEMMStore.storeEdge(
                from: scratch, cols: cols, c: c, ldc: ldc, validRows: validRows, validCols: validCols,
                alpha: alpha, beta: beta)
        }
    }
}
#endif

/// The 6 x 16 register tile of the packed SGEMM: AVX2 + FMA on x86-64 (and the tile of every
/// x86-64 CPU without AVX-512), NEON through the same SIMD types on arm64.
///
/// One call computes a `rows x cols` (6 x 16) block of `C` from a packed A
/// micro-panel (`kc x 6`, element `(i, p)` at `p * 6 + i`) and a packed B micro-panel (`kc x 16`,
/// element `(p, j)` at `p * 16 + j`, 64-byte aligned). Six `SIMD16<Float>` accumulators are twelve
/// 256-bit registers on AVX2; with two for B and one broadcast of A the kernel uses 15 of the 16
/// ymm registers, the classic Haswell/Zen tile (a 12x32 or 8x32 tile fits only with AVX-512).
enum GEMMTile6x16: GEMMMicroTile {
    /// Rows of C per micro-tile.
    static let rows = 6
    /// Columns of C per micro-tile (one `SIMD16<Float>`).
    static let cols = 16
    /// Depth of a packed slice: a `kc x 16` B micro-panel is 24 KiB of a 32 KiB L1d. Deeper
    /// slices mean fewer read-modify-write passes over C (k 3706: 10 instead of 15); OpenBLAS's
    /// Haswell/Zen depth is 384 too.
    static let kc = 384
    /// Rows of a packed A block (a multiple of 6): `mc x kc` floats = 144 KiB of a 512 KiB L2.
    static let mc = 96
    /// Widest packed B block (a multiple of 16): `kc x nc` floats = 2.25 MiB of L3 (larger blocks
    /// fall out of it). Wider operands are cut into blocks of equal width.
    static let nc = 1536
    /// Threads share packed B blocks (`runSharingB`) when there are enough rows: each A micro-panel
    /// meets an L1-resident B micro-panel, so one shared B block serves both threads well.
    static let sharePackedB = true
    /// B micro-panel (24 KiB at kc 384) in L1, A micro-panels streaming from L2.
    static let keepsAPanelInL1 = false

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
        for row in 0..<rows {
            encore_prefetch_read(next + row * s)
            encore_prefetch_read(next + row * s + 15)
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
            GEMMRowStore.store(c0, c, alpha, beta)
            GEMMRowStore.store(c1, c + ldc, alpha, beta)
            GEMMRowStore.store(c2, c + 2 * ldc, alpha, beta)
            GEMMRowStore.store(c3, c + 3 * ldc, alpha, beta)
            GEMMRowStore.store(c4, c + 4 * ldc, alpha, beta)
            GEMMRowStore.store(c5, c + 5 * ldc, alpha, beta)
            return
        }
        let raw = UnsafeMutableRawPointer(scratch)
        raw.storeBytes(of: c0, as: SIMD16<Float>.self)
        raw.storeBytes(of: c1, toByteOffset: 64, as: SIMD16<Float>.self)
        raw.storeBytes(of: c2, toByteOffset: 128, as: SIMD16<Float>.self)
        raw.storeBytes(of: c3, toByteOffset: 192, as: SIMD16<Float>.self)
        raw.storeBytes(of: c4, toByteOffset: 256, as: SIMD16<Float>.self)
        raw.storeBytes(of: c5, toByteOffset: 320, as: SIMD16<Float>.self)
        GEMMStore.storeEdge(from: scratch, cols: cols, c: c, ldc: ldc, validRows: validRows, validCols: validCols, alpha: alpha, beta: beta)
    }
}
/// Writing accumulated tiles into C.
enum GEMMStore {
    /// Floats to allocate for a micro-kernel's `scratch`: the largest tile (12 x 32) plus room to
    /// align it to 64 bytes.
    static let scratchCount = 12 * 32 + 32

    /// Writes the first `validRows x validCols` entries of a tile held in `scratch` (row stride
    /// `cols`) as `C = alpha * acc + beta * C`: the edge tiles of C. Each entry is rounded as in
    /// `store` (one FMA onto `beta * C`), so an element's value does not depend on whether it fell
    /// in a full or an edge tile, and the two tile sizes give the same bits.
    @inline(never)
    static func storeEdge(
        from scratch: UnsafeMutablePointer<Float>, cols: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        validRows: Int, validCols: Int, alpha: Float, beta: Float
    ) {
        for i in 0..<validRows {
            let row = c + i * ldc
            let source = scratch + i * cols
            if beta == 0 {
                for j in 0..<validCols { row[j] = alpha * source[j] }
            } else if beta == 1 {
                for j in 0..<validCols { row[j] = row[j].addingProduct(alpha, source[j]) }
            } else {
                for j in 0..<validCols { row[j] = (row[j] * beta).addingProduct(alpha, source[j]) }
            }
        }
    }
}
