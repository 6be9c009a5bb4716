import EncoreCacheHints

extension SparseMatrix {
    /// Returns `self * dense`, shape `[rows, dense.cols]`.
    /// - Parameters:
    ///   - dense: `[cols, n]`.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Complexity: O(nnz * n), parallel over rows, SIMD over the dense columns.
    public func multiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        precondition(dense.rows == cols,
                     "sparse x dense: sparse [\(rows), \(cols)] needs dense with \(cols) rows, got \(dense.shape)")
        var result = Tensor(uninitializedShape: [rows, dense.cols])
        result.withUnsafeMutableBufferPointer { out in
            dense.withUnsafeBufferPointer { d in
                SparseDenseKernel.multiply(self, dense: d.baseAddress!, n: dense.cols, into: out.baseAddress!, threads: threads)
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
        precondition(dense.rows == rows,
                     "sparseᵀ x dense: sparse [\(rows), \(cols)] needs dense with \(rows) rows, got \(dense.shape)")
        // Why a transpose per call: it costs O(nnz) (about 1% of the O(nnz * n) product at the
        // benchmark's n = 600) and turns the product into the gather form, where each output
        // row is accumulated in registers and written once, deterministically for any thread
        // count. The scatter alternative (per-thread partial outputs of [cols, n], then a sum)
        // writes every output row once per nonzero and needs threads x cols x n extra memory.
        // A cached transpose would need mutable state inside this value type.
        return transposed().multiply(dense, threads: threads)
    }
}

/// The CSR x dense kernel: each output row is built in SIMD registers, 64 columns at a time.
enum SparseDenseKernel {
    /// How many nonzeros ahead the dense rows are prefetched. In a stand-alone copy of this kernel
    /// at the benchmark shape (one thread), 16 ran 6-12% faster than no prefetch; 4 and 8 were in
    /// between, 24 and 32 no better. Inside Encore (`encore bench sparse --threads 1`, median of 10
    /// runs interleaved with the build without it): S*D 13.9 against 10.8 GFLOP/s, S^T*D 20.8
    /// against 17.3.
    static let prefetchDistance = 16

    static func multiply(
        _ sparse: SparseMatrix, dense: UnsafePointer<Float>, n: Int, into out: UnsafeMutablePointer<Float>,
        threads: Int?
    ) {
        let rows = sparse.rows
        guard rows > 0 && n > 0 else { return }
        sparse.rowPointers.withUnsafeBufferPointer { rp in
            sparse.columnIndices.withUnsafeBufferPointer { ci in
                sparse.values.withUnsafeBufferPointer { v in
                    let pointers = UncheckedSendableBox((rp.baseAddress!, ci.baseAddress, v.baseAddress))
                    let work = max(1, sparse.nonzeroCount * n / max(1, rows))
                    Parallel.forEachChunk(rows, threads: threads, minimumChunk: max(1, 32_768 / work)) { range in
                        let (rp, ci, v) = pointers.value
                        for r in range {
                            row(from: rp[r], to: rp[r + 1], ci, v, dense: dense, n: n, out: out + r * n)
                        }
                    }
                }
            }
        }
    }

    /// `out[0..<n] = sum over entries e of v[e] * dense[ci[e], 0..<n]`.
    @inline(__always)
    static func row(
        from start: Int, to end: Int, _ ci: UnsafePointer<Int32>?, _ v: UnsafePointer<Float>?,
        dense: UnsafePointer<Float>, n: Int, out: UnsafeMutablePointer<Float>
    ) {
        guard start < end, let ci, let v else {
            out.update(repeating: 0, count: n)
            return
        }
        typealias V = SIMD16<Float>
        var j = 0
        // 64 columns = four SIMD16 accumulators (8 ymm registers) per pass over the row. The dense
        // rows are read in the sparse row's column order, which no hardware prefetcher can guess:
        // the four lines needed `prefetchDistance` entries later are requested ahead.
        // Near the row's end nothing is prefetched (clamping to the last entry instead made rows
        // of ~23 nonzeros, as in the transposed benchmark, 8% slower with repeated hints).
        while j + 64 <= n {
            var a0 = V(), a1 = V(), a2 = V(), a3 = V()
            for e in start..<end {
                if e + prefetchDistance < end {
                    let ahead = UnsafeRawPointer(dense + Int(ci[e + prefetchDistance]) * n + j)
                    CacheHint.prefetchForRead(ahead)
                    CacheHint.prefetchForRead(ahead + 64)
                    CacheHint.prefetchForRead(ahead + 128)
                    CacheHint.prefetchForRead(ahead + 192)
                }
                let source = UnsafeRawPointer(dense + Int(ci[e]) * n + j)
                let s = v[e]
                a0 = a0.addingProduct(s, source.loadUnaligned(as: V.self))
                a1 = a1.addingProduct(s, source.loadUnaligned(fromByteOffset: 64, as: V.self))
                a2 = a2.addingProduct(s, source.loadUnaligned(fromByteOffset: 128, as: V.self))
                a3 = a3.addingProduct(s, source.loadUnaligned(fromByteOffset: 192, as: V.self))
            }
            let target = UnsafeMutableRawPointer(out + j)
            target.storeBytes(of: a0, as: V.self)
            target.storeBytes(of: a1, toByteOffset: 64, as: V.self)
            target.storeBytes(of: a2, toByteOffset: 128, as: V.self)
            target.storeBytes(of: a3, toByteOffset: 192, as: V.self)
            j += 64
        }
        while j + 16 <= n {
            var a0 = V()
            for e in start..<end {
                a0 = a0.addingProduct(v[e], UnsafeRawPointer(dense + Int(ci[e]) * n + j).loadUnaligned(as: V.self))
            }
            UnsafeMutableRawPointer(out + j).storeBytes(of: a0, as: V.self)
            j += 16
        }
        if j < n {
            // Remaining < 16 columns: the same order of additions as the SIMD lanes.
            for c in j..<n {
                var sum: Float = 0
                for e in start..<end { sum = sum.addingProduct(v[e], dense[Int(ci[e]) * n + c]) }
                out[c] = sum
            }
        }
    }
}
