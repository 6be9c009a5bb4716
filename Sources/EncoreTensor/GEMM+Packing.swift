/// Packing of A and B blocks into the contiguous, zero-padded micro-panels the kernel streams.
///
/// The packing routines absorb the layouts: NN, NT (`A·Bᵀ`) and TN (`Aᵀ·B`) differ only in how
/// `op(A)` and `op(B)` are read here, so one micro-kernel serves all of them.
enum GEMMPacking<Tile: GEMMMicroTile> {
    /// Packs `op(A)[rowStart ..< rowStart + rows, depthStart ..< depthStart + depth]` into
    /// micro-panels of `mr = Tile.rows` rows: panel `q` holds element `(i, p)` at
    /// `q * depth * mr + p * mr + i`; rows past the end are zero.
    static func packA(
        _ a: UnsafePointer<Float>, lda: Int, transposed: Bool,
        rowStart: Int, rows: Int, depthStart: Int, depth: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let mr = Tile.rows
        if transposed {
            // op(A)(i, p) = A[p, i]: walk each stored row once, left to right, dropping `mr`-float
            // pieces into the panels (one sequential read stream; panel by panel re-read every
            // row once per panel, 16 times for a 96-row block of 6-row panels).
            let full = rows / mr, rest = rows - full * mr
            for p in 0..<depth {
                let source = a + (depthStart + p) * lda + rowStart
                for q in 0..<full {
                    copyPiece(source + q * mr, to: out + q * mr * depth + p * mr)
                }
                if rest > 0 {
                    let piece = source + full * mr, row = out + full * mr * depth + p * mr
                    for i in 0..<rest { row[i] = piece[i] }
                    for i in rest..<mr { row[i] = 0 }
                }
            }
            return
        }
        var panel = 0
        while panel < rows {
            let valid = min(mr, rows - panel)
            let target = out + panel * depth
            if valid == mr {
                packFullPanel(a + (rowStart + panel) * lda + depthStart, lda: lda, depth: depth, into: target)
            } else {
                packPartialPanel(a + (rowStart + panel) * lda + depthStart, stride: lda, lanes: valid,
                                 width: mr, depth: depth, into: target)
            }
            panel += mr
        }
    }

    /// Copies the `mr` floats of one A piece (`op(A)` transposed: `mr` consecutive stored floats).
    @inline(__always)
    private static func copyPiece(_ piece: UnsafePointer<Float>, to row: UnsafeMutablePointer<Float>) {
        if Tile.rows == 12 {
            let source = UnsafeRawPointer(piece), target = UnsafeMutableRawPointer(row)
            target.storeBytes(of: source.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            target.storeBytes(
                of: source.loadUnaligned(fromByteOffset: 32, as: SIMD4<Float>.self), toByteOffset: 32, as: SIMD4<Float>.self)
        } else if Tile.rows == 6 {
            row[0] = piece[0]; row[1] = piece[1]; row[2] = piece[2]
            row[3] = piece[3]; row[4] = piece[4]; row[5] = piece[5]
        } else {
            for i in 0..<Tile.rows { row[i] = piece[i] }
        }
    }

    /// One full `mr`-row panel of A as stored: `out[p * mr + i] = first[i * lda + p]`. Six rows go
    /// as six sequential read streams and one contiguous write stream (the hardware prefetcher
    /// follows six streams; stride-6 write passes it did not); twelve as 4 x 4 transposes.
    @inline(__always)
    private static func packFullPanel(
        _ first: UnsafePointer<Float>, lda: Int, depth: Int, into out: UnsafeMutablePointer<Float>
    ) {
        if Tile.rows == 6 {
            let r0 = first, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda
            var row = out
            for p in 0..<depth {
                row[0] = r0[p]; row[1] = r1[p]; row[2] = r2[p]
                row[3] = r3[p]; row[4] = r4[p]; row[5] = r5[p]
                row += 6
            }
        } else {
            transposeRows(first, stride: lda, width: Tile.rows, depth: depth, into: out)
        }
    }

    /// `out[p * width + i] = first[i * stride + p]` for `i < width` (a multiple of 4), `p < depth`:
    /// stored rows become panel lanes (full A panels as stored, full Bᵀ panels).
    ///
    /// Four depth steps at a time, as `width / 4` 4 x 4 transposes in registers (four 16-byte
    /// loads from four rows, four 16-byte stores each). Written element by element, LLVM
    /// vectorised the A loop over the depth with `vscatterdps` stores, which made packing 12% of a
    /// 3706³ product; the Bᵀ panels were built from 16 scalar loads per vector.
    @inline(__always)
    static func transposeRows(
        _ first: UnsafePointer<Float>, stride: Int, width: Int, depth: Int, into out: UnsafeMutablePointer<Float>
    ) {
        typealias Q = SIMD4<Float>
        let target = UnsafeMutableRawPointer(out)
        let step = width * 4  // bytes per depth step in `out`
        var p = 0
        while p + 4 <= depth {
            for group in 0..<(width / 4) {
                let r = UnsafeRawPointer(first + 4 * group * stride + p)
                let v0 = r.loadUnaligned(as: Q.self)
                let v1 = (r + 4 * stride).loadUnaligned(as: Q.self)
                let v2 = (r + 8 * stride).loadUnaligned(as: Q.self)
                let v3 = (r + 12 * stride).loadUnaligned(as: Q.self)
                let base = p * step + group * 16
                target.storeBytes(of: Q(v0[0], v1[0], v2[0], v3[0]), toByteOffset: base, as: Q.self)
                target.storeBytes(of: Q(v0[1], v1[1], v2[1], v3[1]), toByteOffset: base + step, as: Q.self)
                target.storeBytes(of: Q(v0[2], v1[2], v2[2], v3[2]), toByteOffset: base + 2 * step, as: Q.self)
                target.storeBytes(of: Q(v0[3], v1[3], v2[3], v3[3]), toByteOffset: base + 3 * step, as: Q.self)
            }
            p += 4
        }
        while p < depth {
            for i in 0..<width { out[p * width + i] = first[i * stride + p] }
            p += 1
        }
    }

    /// Packs `op(B)[depthStart ..< depthStart + depth, colStart ..< colStart + cols]` into
    /// micro-panels of `nr = Tile.cols` columns (a multiple of 16): panel `q` holds `(p, j)` at
    /// `q * depth * nr + p * nr + j`; columns past the end are zero.
    static func packB(
        _ b: UnsafePointer<Float>, ldb: Int, transposed: Bool,
        depthStart: Int, depth: Int, colStart: Int, cols: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let nr = Tile.cols
        if transposed {
            // op(B)(p, j) = B[j, p].
            var panel = 0
            while panel < cols {
                let valid = min(nr, cols - panel)
                let target = out + panel * depth
                if valid == nr {
                    if Tile.cols != 16 {
                        transposeRows(b + (colStart + panel) * ldb + depthStart, stride: ldb, width: nr, depth: depth,
                                      into: target)
                        panel += nr
                        continue
                    }
                    // Sixteen sequential read streams (one per stored row), one contiguous
                    // 64-byte write per depth step.
                    let base = b + (colStart + panel) * ldb + depthStart
                    let raw = UnsafeMutableRawPointer(target)
                    for p in 0..<depth {
                        let s = base + p
                        let v = SIMD16<Float>(
                            s[0], s[ldb], s[2 * ldb], s[3 * ldb], s[4 * ldb], s[5 * ldb], s[6 * ldb], s[7 * ldb],
                            s[8 * ldb], s[9 * ldb], s[10 * ldb], s[11 * ldb], s[12 * ldb], s[13 * ldb],
                            s[14 * ldb], s[15 * ldb])
                        raw.storeBytes(of: v, toByteOffset: p * 64, as: SIMD16<Float>.self)
                    }
                    panel += nr
                    continue
                }
                packPartialPanel(b + (colStart + panel) * ldb + depthStart, stride: ldb, lanes: valid,
                                 width: nr, depth: depth, into: target)
                panel += nr
            }
            return
        }
        // op(B)(p, j) = B[p, j]: walk each stored row once, left to right, dropping `nr`-float
        // pieces into the panels (sequential reads; a panel-by-panel walk jumped a row per load).
        let full = cols / nr
        let raw = UnsafeMutableRawPointer(out)
        for p in 0..<depth {
            let source = b + (depthStart + p) * ldb + colStart
            for q in 0..<full {
                for half in 0..<(nr / 16) {
                    let v = UnsafeRawPointer(source + q * nr + 16 * half).loadUnaligned(as: SIMD16<Float>.self)
                    raw.storeBytes(of: v, toByteOffset: (q * depth + p) * nr * 4 + half * 64, as: SIMD16<Float>.self)
                }
            }
            if full * nr < cols {
                let row = out + full * nr * depth + p * nr
                let valid = cols - full * nr
                for j in 0..<valid { row[j] = source[full * nr + j] }
                for j in valid..<nr { row[j] = 0 }
            }
        }
    }

    /// The last, partial panel of either packing whose panel lanes are stored rows (A as stored,
    /// Bᵀ): lane `i < lanes` of element `p` is `source[i * stride + p]`, at `p * width + i`; lanes
    /// `lanes ..< width` are zero.
    private static func packPartialPanel(
        _ source: UnsafePointer<Float>, stride: Int, lanes: Int, width: Int, depth: Int,
        into target: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<lanes {
            let row = source + i * stride
            for p in 0..<depth { target[p * width + i] = row[p] }
        }
        for i in lanes..<width { for p in 0..<depth { target[p * width + i] = 0 } }
    }
}
