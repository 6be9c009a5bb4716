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
        var panel = 0
        while panel < rows {
            let valid = min(mr, rows - panel)
            let target = out + panel * depth
            if transposed {
                // op(A)(i, p) = A[p, i]: each depth step reads `valid` contiguous floats.
                var source = a + depthStart * lda + rowStart + panel
                for p in 0..<depth {
                    let row = target + p * mr
                    if valid == mr {
                        row[0] = source[0]; row[1] = source[1]; row[2] = source[2]
                        row[3] = source[3]; row[4] = source[4]; row[5] = source[5]
                    } else {
                        for i in 0..<valid { row[i] = source[i] }
                        for i in valid..<mr { row[i] = 0 }
                    }
                    source += lda
                }
            } else {
                // op(A)(i, p) = A[i, p]: read each of the panel's rows contiguously.
                for i in 0..<valid {
                    let source = a + (rowStart + panel + i) * lda + depthStart
                    for p in 0..<depth { target[p * mr + i] = source[p] }
                }
                if valid < mr {
                    for i in valid..<mr { for p in 0..<depth { target[p * mr + i] = 0 } }
                }
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
        var panel = 0
        while panel < cols {
            let valid = min(nr, cols - panel)
            let target = out + panel * depth
            if transposed {
                // op(B)(p, j) = B[j, p]: read each stored row contiguously, write with stride 16.
                for j in 0..<valid {
                    let source = b + (colStart + panel + j) * ldb + depthStart
                    for p in 0..<depth { target[p * nr + j] = source[p] }
                }
                if valid < nr {
                    for j in valid..<nr { for p in 0..<depth { target[p * nr + j] = 0 } }
                }
            } else {
                var source = b + depthStart * ldb + colStart + panel
                let raw = UnsafeMutableRawPointer(target)
                for p in 0..<depth {
                    if valid == nr {
                        let v = UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self)
                        raw.storeBytes(of: v, toByteOffset: p * 64, as: SIMD16<Float>.self)
                    } else {
                        let row = target + p * nr
                        for j in 0..<valid { row[j] = source[j] }
                        for j in valid..<nr { row[j] = 0 }
                    }
                    source += ldb
                }
            }
            panel += nr
        }
    }
}
