/// Packing of A and B blocks into the contiguous, zero-padded micro-panels the kernel streams.
///
/// The packing routines absorb the layouts: NN, NT (`A·Bᵀ`) and TN (`Aᵀ·B`) differ only in how
/// `op(A)` and `op(B)` are read here, so one micro-kernel serves all of them.
enum GEMMPacking {
    /// Packs `op(A)[rowStart ..< rowStart + rows, depthStart ..< depthStart + depth]` into
    /// micro-panels of 6 rows: panel `q` holds element `(i, p)` at `q * depth * 6 + p * 6 + i`;
    /// rows past the end are zero.
    static func packA(
        _ a: UnsafePointer<Float>, lda: Int, transposed: Bool,
        rowStart: Int, rows: Int, depthStart: Int, depth: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let mr = GEMMTile.rows
        if transposed {
            // op(A)(i, p) = A[p, i]: walk each stored row once, left to right, dropping six-float
            // pieces into the panels (one sequential read stream; panel by panel re-read every
            // row once per panel, 16 times for a 96-row block).
            let full = rows / mr, rest = rows - full * mr
            for p in 0..<depth {
                let source = a + (depthStart + p) * lda + rowStart
                for q in 0..<full {
                    let piece = source + q * mr, row = out + q * mr * depth + p * mr
                    row[0] = piece[0]; row[1] = piece[1]; row[2] = piece[2]
                    row[3] = piece[3]; row[4] = piece[4]; row[5] = piece[5]
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
                // op(A)(i, p) = A[i, p]: six sequential read streams, one contiguous write stream
                // (the hardware prefetcher follows six streams; stride-6 write passes it did not).
                let r0 = a + (rowStart + panel) * lda + depthStart
                let r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda
                var row = target
                for p in 0..<depth {
                    row[0] = r0[p]; row[1] = r1[p]; row[2] = r2[p]
                    row[3] = r3[p]; row[4] = r4[p]; row[5] = r5[p]
                    row += mr
                }
            } else {
                packPartialPanel(a + (rowStart + panel) * lda + depthStart, stride: lda, lanes: valid,
                                 width: mr, depth: depth, into: target)
            }
            panel += mr
        }
    }

    /// Packs `op(B)[depthStart ..< depthStart + depth, colStart ..< colStart + cols]` into
    /// micro-panels of 16 columns: panel `q` holds `(p, j)` at `q * depth * 16 + p * 16 + j`;
    /// columns past the end are zero.
    static func packB(
        _ b: UnsafePointer<Float>, ldb: Int, transposed: Bool,
        depthStart: Int, depth: Int, colStart: Int, cols: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let nr = GEMMTile.cols
        if transposed {
            // op(B)(p, j) = B[j, p].
            var panel = 0
            while panel < cols {
                let valid = min(nr, cols - panel)
                let target = out + panel * depth
                if valid == nr {
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
        // op(B)(p, j) = B[p, j]: walk each stored row once, left to right, dropping 16-float
        // pieces into the panels (sequential reads; a panel-by-panel walk jumped a row per load).
        let full = cols / nr
        let raw = UnsafeMutableRawPointer(out)
        for p in 0..<depth {
            let source = b + (depthStart + p) * ldb + colStart
            for q in 0..<full {
                let v = UnsafeRawPointer(source + q * nr).loadUnaligned(as: SIMD16<Float>.self)
                raw.storeBytes(of: v, toByteOffset: (q * depth + p) * 64, as: SIMD16<Float>.self)
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
