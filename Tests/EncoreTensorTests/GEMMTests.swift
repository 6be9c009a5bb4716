@testable import EncoreTensor
import EncoreTestSupport
import XCTest

final class GEMMTests: XCTestCase {
    private let layouts = [(false, false), (false, true), (true, false), (true, true)]

    /// Runs `body` with each micro-tile this CPU can run (the 12 x 32 AVX-512 tile where CPUID
    /// reports AVX-512), so one build tests every kernel the binary may choose.
    private func eachTile(_ body: (any GEMMMicroTile.Type) -> Void) {
        body(GEMMTile6x16.self)
        #if arch(x86_64)
        if GEMMKernel.available.contains(.avx512) { body(GEMMTile12x32.self) }
        #endif
    }

    /// `Tensor.matmul` in place with the given kernel.
    private func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1,
        beta: Float, into c: inout Tensor, threads: Int? = nil, kernel: GEMMKernel
    ) {
        Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta, into: &c,
                      threads: threads, kernel: kernel)
    }

    /// `Tensor.matmul` with the given kernel.
    private func product(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false, threads: Int? = nil,
        kernel: GEMMKernel
    ) -> Tensor {
        let m = transposeA ? a.cols : a.rows, n = transposeB ? b.rows : b.cols
        var c = Tensor(shape: [m, n])
        matmul(a, b, transposeA: transposeA, transposeB: transposeB, beta: 0, into: &c, threads: threads, kernel: kernel)
        return c
    }

    /// The kernel choice: `auto` and no value take the best available, a named kernel is taken
    /// when available, and an unknown or unavailable one falls back to the best with a warning.
    func testKernelResolution() {
        var warnings: [String] = []
        let both: [GEMMKernel] = [.avx2, .avx512]
        XCTAssertEqual(GEMMKernel.resolve(request: nil, available: both) { warnings.append($0) }, .avx512)
        XCTAssertEqual(GEMMKernel.resolve(request: "auto", available: both) { warnings.append($0) }, .avx512)
        XCTAssertEqual(GEMMKernel.resolve(request: "AVX2", available: both) { warnings.append($0) }, .avx2)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(GEMMKernel.resolve(request: "avx512", available: [.avx2]) { warnings.append($0) }, .avx2)
        XCTAssertEqual(GEMMKernel.resolve(request: "sse", available: both) { warnings.append($0) }, .avx512)
        XCTAssertEqual(warnings.count, 2)
        XCTAssertTrue(warnings[0].contains("lacks AVX-512"), warnings[0])
        XCTAssertTrue(warnings[1].contains("expected avx2, avx512 or auto"), warnings[1])
        XCTAssertEqual(GEMMKernel.available.first, .avx2)
        XCTAssertTrue(GEMMKernel.available.contains(GEMMKernel.active))
    }

    /// Every layout at odd sizes, at the edges of the 6 x 16 (AVX2) and 12 x 32 (AVX-512) tiles,
    /// over several k-slices (k 801) and several column blocks (n 3100 and 1553: blocks of equal
    /// width with a ragged last tile), with every kernel the CPU has: each matches the naive
    /// product, and the kernels agree bit for bit.
    func testAllLayoutsOddSizesAndAlphaBeta() {
        var rng = SeededRNG(seed: 9)
        let shapes = [(1, 1, 1), (7, 33, 65), (6, 16, 5), (5, 15, 17), (13, 17, 257), (33, 7, 1), (65, 1, 3),
                      (12, 32, 300), (7, 40, 801), (13, 3100, 9), (8, 1553, 5), (25, 65, 9), (24, 64, 4)]
        for (m, n, k) in shapes {
            for (transposeA, transposeB) in layouts {
                let a = Tensor.normal(transposeA ? [k, m] : [m, k], rng: &rng)
                let b = Tensor.normal(transposeB ? [n, k] : [k, n], rng: &rng)
                let c0 = Tensor.normal([m, n], rng: &rng)
                var expected = naiveMatmul(a, b, transposeA: transposeA, transposeB: transposeB)
                for i in 0..<expected.count { expected[i] = 0.7 * expected[i] - 1.3 * c0[i] }
                var first: Tensor?
                for kernel in GEMMKernel.available {
                    var c = c0
                    matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 0.7, beta: -1.3, into: &c,
                           kernel: kernel)
                    let label = "\(kernel) m=\(m) n=\(n) k=\(k) tA=\(transposeA) tB=\(transposeB)"
                    assertClose(c, expected, absolute: 1e-4, label)
                    // Same k-slices and the same FMA chain per element: the tile changes no bit.
                    if let first { XCTAssertEqual(c, first, label) } else { first = c }
                }
            }
        }
    }

    /// Several column blocks, row blocks and k-slices at once, with the blocking shrunk so a
    /// small product has them all (kc 32, mc 24, nc 64 on 50 x 200 x 70: 3 k-slices of 24, row
    /// blocks 24 + 24 + 2, 4 column blocks of 64 with a ragged last one): `run` then packs each A
    /// slice once and reuses it across the column blocks. The result must equal, bit for bit,
    /// running each column block on its own (one column block: each A row block packed just
    /// before its sweep, nothing reused), and match the naive product.
    func testReusedASliceAcrossColumnBlocks() {
        eachTile { tile in checkReusedASlice(tile) }
    }

    private func checkReusedASlice<Tile: GEMMMicroTile>(_: Tile.Type) {
        var rng = SeededRNG(seed: 12)
        let (m, n, k) = (50, 200, 70)
        for (transposeA, transposeB) in layouts {
            let a = Tensor.normal(transposeA ? [k, m] : [m, k], rng: &rng)
            let b = Tensor.normal(transposeB ? [n, k] : [k, n], rng: &rng)
            let c0 = Tensor.normal([m, n], rng: &rng)
            var whole = c0, blockwise = c0
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    func operands(_ c: UnsafeMutablePointer<Float>) -> GEMMOperands<Tile> {
                        GEMMOperands<Tile>(
                            transposeA: transposeA, transposeB: transposeB, k: k, alpha: 0.5,
                            a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
                            beta: 2, c: c, ldc: n, kcLimit: 32, mcLimit: 24, ncLimit: 64)
                    }
                    whole.withUnsafeMutableBufferPointer { c in
                        let ops = operands(c.baseAddress!)
                        XCTAssertEqual(ops.blocking(columns: n).kc, 24)
                        XCTAssertEqual(ops.blocking(columns: n).nc, 64)
                        ops.run(rows: 0..<m, cols: 0..<n)
                    }
                    blockwise.withUnsafeMutableBufferPointer { c in
                        let ops = operands(c.baseAddress!)
                        for jc in stride(from: 0, to: n, by: 64) {
                            ops.run(rows: 0..<m, cols: jc..<min(n, jc + 64))
                        }
                    }
                }
            }
            XCTAssertEqual(whole, blockwise, "\(Tile.self) tA=\(transposeA) tB=\(transposeB)")
            var expected = naiveMatmul(a, b, transposeA: transposeA, transposeB: transposeB)
            for i in 0..<expected.count { expected[i] = 0.5 * expected[i] + 2 * c0[i] }
            assertClose(whole, expected, absolute: 1e-3, "tA=\(transposeA) tB=\(transposeB)")
        }
    }

    #if os(Linux)
    /// Workers on threads of their own, all running at once whatever the machine's core count
    /// (the parallel-for runs at most one thread per core, so on two cores a third thread's units
    /// would never overlap the first two's).
    private static let threadWorkers: BalancedWorkers = { count, body in
        final class Job {
            let body: (Int) -> Void, worker: Int
            init(_ body: @escaping (Int) -> Void, _ worker: Int) { (self.body, self.worker) = (body, worker) }
        }
        withoutActuallyEscaping(body) { body in
            // Joined before returning, so that no thread still holds `body` afterwards.
            let threads = (0..<count).map { worker -> pthread_t in
                var thread = pthread_t()
                let created = pthread_create(&thread, nil, { context in
                    let job = Unmanaged<Job>.fromOpaque(context!).takeRetainedValue()
                    job.body(job.worker)
                    return nil
                }, Unmanaged.passRetained(Job(body, worker)).toOpaque())
                precondition(created == 0, "pthread_create failed: \(created)")
                return thread
            }
            for thread in threads { pthread_join(thread, nil) }
        }
    }

    /// `runBalancedRows` and `runBalancedColumns` (threads taking row blocks or column chunks as
    /// they go) must give, bit for bit, one thread's `run` over the whole product, for any thread
    /// count: with the blocking shrunk (kc 32, mc 24, nc 64) so that small products have several
    /// k-slices, row blocks (a ragged last one) and column blocks (the shared A slice) or column
    /// chunks (64 wide, a ragged last one), one column block (each thread packing its own A
    /// blocks), and fewer row blocks or chunks than threads; on the parallel-for's threads (eight
    /// on a machine with fewer cores: chunks that find every unit taken) and on threads of their
    /// own (three and eight at once: a third thread can reach a k-slice two ahead of a slow one).
    func testBalancedSchedulesMatchOneThread() {
        // Slow down the units that others must wait for: the last A row block of every k-slice
        // (a chunk that did not wait for it would read a half-packed slice), the last chunk of the
        // first k-slice (a third thread packing the third slice into the same buffer without
        // waiting would overwrite the A it reads) and every row-block unit of the first step.
        // (The hook exists in debug builds only; `swift test -c release` runs the test without it.)
        #if DEBUG
        GEMMTestHooks.balancedUnitHook = { kind, step, index in
            switch kind {
            case .packA where index == 2: usleep(3_000)
            case .columnChunk where step == 0 && index == 3: usleep(20_000)
            case .rowBlock where step == 0: usleep(1_000)
            default: break
            }
        }
        defer { GEMMTestHooks.balancedUnitHook = nil }
        #endif
        eachTile { tile in checkBalancedSchedules(tile) }
    }

    private func checkBalancedSchedules<Tile: GEMMMicroTile>(_: Tile.Type) {
        var rng = SeededRNG(seed: 21)
        for (m, n, k) in [(50, 200, 70), (61, 40, 70), (5, 30, 10), (97, 130, 33)] {
            for (transposeA, transposeB) in layouts {
                let a = Tensor.normal(transposeA ? [k, m] : [m, k], rng: &rng)
                let b = Tensor.normal(transposeB ? [n, k] : [k, n], rng: &rng)
                let c0 = Tensor.normal([m, n], rng: &rng)
                func product(threads: Int?, columns: Bool = false, ownThreads: Bool = false) -> Tensor {
                    var c = c0
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                let ops = GEMMOperands<Tile>(
                                    transposeA: transposeA, transposeB: transposeB, k: k, alpha: 0.5,
                                    a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
                                    beta: 2, c: pc.baseAddress!, ldc: n, kcLimit: 32, mcLimit: 24, ncLimit: 64)
                                if let threads {
                                    let workers = ownThreads ? Self.threadWorkers : nil
                                    if columns {
                                        ops.runBalancedColumns(m: m, n: n, threads: threads, workers: workers)
                                    } else {
                                        ops.runBalancedRows(m: m, n: n, threads: threads, workers: workers)
                                    }
                                } else {
                                    ops.run(rows: 0..<m, cols: 0..<n)
                                }
                            }
                        }
                    }
                    return c
                }
                let one = product(threads: nil)
                for (threads, ownThreads) in [(1, false), (2, false), (8, false), (3, true), (8, true)] {
                    for repetition in 0..<2 {
                        for columns in [false, true] {
                            XCTAssertEqual(
                                product(threads: threads, columns: columns, ownThreads: ownThreads), one,
                                "\(Tile.self) [\(m), \(n), \(k)] tA=\(transposeA) tB=\(transposeB) threads \(threads) "
                                    + "\(ownThreads ? "(own) " : "")\(columns ? "columns" : "rows") #\(repetition)")
                        }
                    }
                }
                var expected = naiveMatmul(a, b, transposeA: transposeA, transposeB: transposeB)
                for i in 0..<expected.count { expected[i] = 0.5 * expected[i] + 2 * c0[i] }
                assertClose(one, expected, absolute: 1e-3, "[\(m), \(n), \(k)] tA=\(transposeA) tB=\(transposeB)")
            }
        }
    }
    #endif

    /// The blocking constants fit each tile: row blocks hold whole row tiles, column blocks whole
    /// column tiles, and a tile row is whole `SIMD16` vectors (the kernels and the packing of B
    /// assume all three); the scratch holds the largest tile.
    func testBlockingFitsTheTile() {
        func check(_ tile: any GEMMMicroTile.Type) {
            XCTAssertEqual(tile.mc % tile.rows, 0, "\(tile)")
            XCTAssertEqual(tile.nc % tile.cols, 0, "\(tile)")
            XCTAssertEqual(tile.cols % 16, 0, "\(tile)")
            XCTAssertGreaterThanOrEqual(tile.kc, 1, "\(tile)")
            XCTAssertGreaterThanOrEqual(GEMMStore.scratchCount, tile.rows * tile.cols + 16, "\(tile)")
        }
        check(GEMMTile6x16.self)
        #if arch(x86_64)
        check(GEMMTile12x32.self)  // built on every x86-64 machine, whatever its CPU
        #endif
    }

    /// Empty dimensions: k = 0 scales C by beta; m = 0 or n = 0 touch nothing.
    func testEmptyDimensions() {
        var rng = SeededRNG(seed: 1)
        var c = Tensor.normal([5, 6], rng: &rng)
        let c0 = c
        Tensor.matmul(Tensor(shape: [5, 0]), Tensor(shape: [0, 6]), beta: 3, into: &c)
        var expected = c0
        for i in 0..<expected.count { expected[i] *= 3 }
        assertClose(c, expected)
        Tensor.matmul(Tensor(shape: [5, 0]), Tensor(shape: [0, 6]), beta: 0, into: &c)
        XCTAssertEqual(c, Tensor(shape: [5, 6]))
        XCTAssertEqual(Tensor.matmul(Tensor(shape: [0, 3]), Tensor(shape: [3, 4])).shape, [0, 4])
        XCTAssertEqual(Tensor.matmul(Tensor(shape: [2, 3]), Tensor(shape: [3, 0])).shape, [2, 0])
    }

    /// beta = 0 must not read C: NaNs there vanish.
    func testBetaZeroIgnoresNaN() {
        var rng = SeededRNG(seed: 2)
        for (transposeA, transposeB) in layouts {
            let a = Tensor.normal([7, 7], rng: &rng), b = Tensor.normal([7, 19], rng: &rng)
            let bb = transposeB ? b.transposed() : b
            for kernel in GEMMKernel.available {
                var c = Tensor(shape: [7, 19], repeating: .nan)
                matmul(a, bb, transposeA: transposeA, transposeB: transposeB, beta: 0, into: &c, kernel: kernel)
                assertClose(c, naiveMatmul(a, bb, transposeA: transposeA, transposeB: transposeB), absolute: 1e-4)
            }
        }
    }

    /// Leading dimensions: sub-blocks of larger matrices through the raw-pointer API.
    func testLeadingDimensionSubranges() {
        var rng = SeededRNG(seed: 3)
        let big = Tensor.normal([40, 50], rng: &rng)
        var out = Tensor(shape: [30, 45], repeating: 7)
        let (m, n, k) = (9, 23, 11)
        big.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { c in
                // A = big[2..<11, 3..<14], B = big[20..<31, 5..<28], C = out[4..<13, 10..<33].
                GEMM.multiply(
                    transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1,
                    a: p.baseAddress! + 2 * 50 + 3, lda: 50, b: p.baseAddress! + 20 * 50 + 5, ldb: 50,
                    beta: 0, c: c.baseAddress! + 4 * 45 + 10, ldc: 45, threads: 2)
            }
        }
        var a = Tensor(shape: [m, k]), b = Tensor(shape: [k, n])
        for i in 0..<m { for p in 0..<k { a[i, p] = big[2 + i, 3 + p] } }
        for p in 0..<k { for j in 0..<n { b[p, j] = big[20 + p, 5 + j] } }
        let expected = naiveMatmul(a, b, transposeA: false, transposeB: false)
        for i in 0..<30 {
            for j in 0..<45 {
                let inside = (4..<13).contains(i) && (10..<33).contains(j)
                let want = inside ? expected[i - 4, j - 10] : 7
                XCTAssertEqual(out[i, j], want, accuracy: 1e-4, "(\(i), \(j))")
            }
        }
    }

    /// Thread counts 1, 2 and 3 give bit-identical results (the tile grid ignores the split), on
    /// shapes above the one-thread cutoff (96³) that take each parallel path: shared packed B
    /// with rows split (70 x 40 x 400, 200 x 30 x 160, two k-slices in the first), rows split
    /// with private packing (30 x 20 x 1600), columns split (20 x 700 x 80).
    func testThreadCountsAgreeExactly() {
        var rng = SeededRNG(seed: 4)
        for (m, n, k) in [(70, 40, 400), (200, 30, 160), (30, 20, 1600), (20, 700, 80)] {
            XCTAssertGreaterThanOrEqual(m * n * k, 96 * 96 * 96, "below the cutoff: would run on one thread")
            for (transposeA, transposeB) in layouts {
                let a = Tensor.normal(transposeA ? [k, m] : [m, k], rng: &rng)
                let b = Tensor.normal(transposeB ? [n, k] : [k, n], rng: &rng)
                let c0 = Tensor.normal([m, n], rng: &rng)
                var expected = naiveMatmul(a, b, transposeA: transposeA, transposeB: transposeB)
                for i in 0..<expected.count { expected[i] = 0.5 * expected[i] + 2 * c0[i] }
                for kernel in GEMMKernel.available {
                    var one = c0
                    matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 2, into: &one,
                           threads: 1, kernel: kernel)
                    for threads in [2, 3] {
                        var many = c0
                        matmul(a, b, transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 2, into: &many,
                               threads: threads, kernel: kernel)
                        XCTAssertEqual(one, many, "\(kernel) [\(m), \(n), \(k)] threads \(threads)")
                    }
                    assertClose(one, expected, absolute: 2e-3, "\(kernel)")
                }
            }
        }
    }

    /// A packed right operand gives the same bits as the unpacked one on one thread, for each
    /// kernel, with and without a transpose, on shapes with several k-slices (k 800), several
    /// column blocks (n 1100 on both tiles), edge tiles (m 1, 5, 13; n 37) and k = 0.
    func testPackedMatrixMatchesUnpackedProduct() {
        var rng = SeededRNG(seed: 21)
        for (m, n, k) in [(5, 37, 800), (13, 1100, 30), (1, 70, 9), (3, 4, 0)] {
            let a = Tensor.normal([m, k], rng: &rng)
            for transposed in [false, true] {
                let b = Tensor.normal(transposed ? [n, k] : [k, n], rng: &rng)
                for kernel in GEMMKernel.available {
                    let packed = PackedMatrix(b, transposed: transposed, kernel: kernel)
                    XCTAssertEqual(packed.k, k)
                    XCTAssertEqual(packed.n, n)
                    XCTAssertEqual(
                        Tensor.matmul(a, packed), product(a, b, transposeB: transposed, threads: 1, kernel: kernel),
                        "\(kernel) [\(m), \(n), \(k)] transposed \(transposed)")
                }
                assertClose(Tensor.matmul(a, PackedMatrix(b, transposed: transposed)),
                            naiveMatmul(a, b, transposeA: false, transposeB: transposed), absolute: 2e-3)
            }
        }
    }

    /// Tall A·Bᵀ products spanning several row blocks (m > 2 mc): check them against the naive
    /// product with alpha/beta, a strided B, and thread counts.
    func testTallTransposedBPath() {
        for kernel in GEMMKernel.available { checkTallTransposedB(kernel) }
    }

    private func checkTallTransposedB(_ kernel: GEMMKernel) {
        var rng = SeededRNG(seed: 11)
        let (m, n, k) = (199, 37, 45)  // 2 * mc (96) + 7 rows
        for transposeA in [false, true] {
            let a = Tensor.normal(transposeA ? [k, m] : [m, k], rng: &rng)
            let b = Tensor.normal([n, k], rng: &rng)
            let c0 = Tensor.normal([m, n], rng: &rng)
            var c = c0
            matmul(a, b, transposeA: transposeA, transposeB: true, alpha: 0.5, beta: 2, into: &c, threads: 2, kernel: kernel)
            let expected = naiveMatmul(a, b, transposeA: transposeA, transposeB: true).scaled(by: 0.5)
            assertClose(c, Tensor.zipMap(expected, c0) { $0 + 2 * $1 }, absolute: 1e-3, "\(kernel)")
            XCTAssertEqual(
                product(a, b, transposeA: transposeA, transposeB: true, threads: 1, kernel: kernel),
                product(a, b, transposeA: transposeA, transposeB: true, threads: 3, kernel: kernel), "\(kernel)")
        }
        // B as the first k columns of a wider stored matrix (ldb > k).
        let wide = Tensor.normal([n, k + 9], rng: &rng), a = Tensor.normal([m, k], rng: &rng)
        var bDense = Tensor(shape: [n, k])
        for j in 0..<n { for p in 0..<k { bDense[j, p] = wide[j, p] } }
        var out = Tensor(shape: [m, n])
        a.withUnsafeBufferPointer { pa in
            wide.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiply(
                        kernel: kernel, transposeA: false, transposeB: true, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!,
                        lda: k, b: pb.baseAddress!, ldb: k + 9, beta: 0, c: pc.baseAddress!, ldc: n, threads: 2)
                }
            }
        }
        assertClose(out, naiveMatmul(a, bDense, transposeA: false, transposeB: true), absolute: 1e-3, "\(kernel)")
    }
}
