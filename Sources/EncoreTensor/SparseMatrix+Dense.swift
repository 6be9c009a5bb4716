extension SparseMatrix {
    /// Returns `self * dense`, shape `[rows, dense.cols]`.
    /// - Parameters:
    ///   - dense: `[cols, n]`.
    ///   - threads: the most threads to use (`nil`: all cores); results do not depend on it.
    /// - Complexity: O(nnz * n), SIMD over 16 dense columns at a time, parallel over column chunks
    ///   or rows (see `SparseDenseKernel`).
    public func multiply(_ dense: Tensor, threads: Int? = nil) -> Tensor {
        multiply(dense, threads: threads, path: .automatic)
    }

    /// `multiply` with its kernel path chosen by the caller (tests compare the paths).
    func multiply(_ dense: Tensor, threads: Int?, path: SparseDenseKernel.Path) -> Tensor {
        precondition(dense.rows == cols,
                     "sparse x dense: sparse [\(rows), \(cols)] needs dense with \(cols) rows, got \(dense.shape)")
        var result = Tensor(uninitializedShape: [rows, dense.cols])
        result.withUnsafeMutableBufferPointer { out in
            dense.withUnsafeBufferPointer { d in
                SparseDenseKernel.multiply(
                    self, dense: d.baseAddress!, n: dense.cols, into: out.baseAddress!, threads: threads, path: path)
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

/// The CSR x dense kernel.
///
/// The output is built in chunks of 16 columns (one `SIMD16<Float>` per output row and chunk).
/// Every path sums a chunk in the same order (`chunkSum`), so the result does not depend on the
/// path, the thread count or how the rows are batched.
///
/// Two paths, picked by the shape:
/// - **packed** (`nonzeros >= packingRatio * cols`): the 16 dense columns of a chunk are first
///   copied into a contiguous, 64-byte-aligned buffer of `cols` x 16 floats (237 KiB at
///   3,706 columns, which stays in L2 and in the first-level TLB), and every row then reads one
///   aligned cache line per nonzero from it. Read in place, the same 16 floats of a 2,400-byte
///   dense row straddle two lines on every other row and touch a different 4 KiB page per
///   nonzero. Threads take whole chunks, each with its own buffer; when there are fewer than
///   four chunks per thread they take rows instead and each packs every chunk itself.
/// - **direct** (few nonzeros per dense row, where packing would cost more than it saves): each
///   row reads its 16 columns straight from the dense rows, threads take rows.
enum SparseDenseKernel {
    typealias V = SIMD16<Float>
    static let chunkWidth = 16

    /// The packed path is used when there are at least this many nonzeros per dense row: packing
    /// touches each dense row once per chunk, the product touches `nonzeros` rows per chunk.
    static let packingRatio = 4

    enum Path { case automatic, packed, direct }

    static func multiply(
        _ sparse: SparseMatrix, dense: UnsafePointer<Float>, n: Int, into out: UnsafeMutablePointer<Float>,
        threads: Int?, path: Path = .automatic
    ) {
        let rows = sparse.rows, cols = sparse.cols, nonzeros = sparse.nonzeroCount
        guard rows > 0 && n > 0 else { return }
        guard nonzeros > 0 else {
            out.update(repeating: 0, count: rows * n)
            return
        }
        let chunks = (n + chunkWidth - 1) / chunkWidth
        let packed = path == .packed || (path == .automatic && nonzeros >= packingRatio * cols)
        sparse.rowPointers.withUnsafeBufferPointer { rp in
            sparse.columnIndices.withUnsafeBufferPointer { ci in
                sparse.values.withUnsafeBufferPointer { v in
                    let operands = Operands(
                        rowPointers: rp.baseAddress!, columns: ci.baseAddress!, values: v.baseAddress!,
                        dense: dense, n: n, cols: cols, out: out)
                    let shared = UncheckedSendableBox(operands)
                    // At least 32 K multiply-adds per thread, or the product stays on one thread.
                    let rowWork = max(1, nonzeros * n / rows)
                    let rowMinimum = max(1, 32_768 / rowWork)
                    if !packed {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            let o = shared.value
                            for r in range {
                                for chunk in 0..<chunks { o.directChunk(row: r, chunk: chunk) }
                            }
                        }
                    } else if chunks >= 4 * Parallel.resolve(threads) {
                        let chunkMinimum = max(1, 32_768 / max(1, nonzeros * chunkWidth))
                        Parallel.forEachChunk(chunks, threads: threads, minimumChunk: chunkMinimum) { range in
                            let o = shared.value
                            o.withPackBuffer { buffer in
                                for chunk in range {
                                    o.pack(chunk: chunk, into: buffer)
                                    for r in 0..<rows { o.packedChunk(row: r, chunk: chunk, buffer: buffer) }
                                }
                            }
                        }
                    } else {
                        Parallel.forEachChunk(rows, threads: threads, minimumChunk: rowMinimum) { range in
                            let o = shared.value
                            o.withPackBuffer { buffer in
                                for chunk in 0..<chunks {
                                    o.pack(chunk: chunk, into: buffer)
                                    for r in range { o.packedChunk(row: r, chunk: chunk, buffer: buffer) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The summation order of every path: entry `start + i` goes to accumulator `i % 4` while four
    /// entries remain, the last `count % 4` entries go to accumulator 0, and the chunk is
    /// `(a0 + a1) + (a2 + a3)`. Four independent chains keep two FMA units busy (one chain waits
    /// four cycles per entry).
    @inline(__always)
    static func chunkSum(
        from start: Int, to end: Int, columns ci: UnsafePointer<Int32>, values v: UnsafePointer<Float>,
        load: (Int) -> V
    ) -> V {
        var a0 = V(), a1 = V(), a2 = V(), a3 = V()
        var e = start
        while e + 4 <= end {
            a0 = a0.addingProduct(v[e], load(Int(ci[e])))
            a1 = a1.addingProduct(v[e + 1], load(Int(ci[e + 1])))
            a2 = a2.addingProduct(v[e + 2], load(Int(ci[e + 2])))
            a3 = a3.addingProduct(v[e + 3], load(Int(ci[e + 3])))
            e += 4
        }
        while e < end {
            a0 = a0.addingProduct(v[e], load(Int(ci[e])))
            e += 1
        }
        return (a0 + a1) + (a2 + a3)
    }

    /// The raw operands of one product, shared read-only by the threads (each writes its own
    /// output rows or columns).
    struct Operands {
        let rowPointers: UnsafePointer<Int>
        let columns: UnsafePointer<Int32>
        let values: UnsafePointer<Float>
        let dense: UnsafePointer<Float>
        let n: Int
        let cols: Int
        let out: UnsafeMutablePointer<Float>

        /// Columns `chunk * 16 ..< chunk * 16 + width` of the output.
        @inline(__always)
        func width(of chunk: Int) -> Int { min(chunkWidth, n - chunk * chunkWidth) }

        /// Runs `body` with a 64-byte-aligned buffer of `cols` x 16 floats.
        func withPackBuffer(_ body: (UnsafeMutableRawPointer) -> Void) {
            let buffer = UnsafeMutableRawPointer.allocate(
                byteCount: max(1, cols) * MemoryLayout<V>.stride, alignment: 64)
            defer { buffer.deallocate() }
            body(buffer)
        }

        /// Copies dense columns of `chunk` into `buffer`, one 64-byte line per dense row, lanes past
        /// the last column zero.
        func pack(chunk: Int, into buffer: UnsafeMutableRawPointer) {
            let first = chunk * chunkWidth, width = width(of: chunk)
            if width == chunkWidth {
                for c in 0..<cols {
                    let source = UnsafeRawPointer(dense + c * n + first).loadUnaligned(as: V.self)
                    buffer.storeBytes(of: source, toByteOffset: c * MemoryLayout<V>.stride, as: V.self)
                }
            } else {
                for c in 0..<cols {
                    var lanes = V()
                    for l in 0..<width { lanes[l] = dense[c * n + first + l] }
                    buffer.storeBytes(of: lanes, toByteOffset: c * MemoryLayout<V>.stride, as: V.self)
                }
            }
        }

        @inline(__always)
        func packedChunk(row r: Int, chunk: Int, buffer: UnsafeMutableRawPointer) {
            let lines = UnsafeRawPointer(buffer)
            let sum = chunkSum(from: rowPointers[r], to: rowPointers[r + 1], columns: columns, values: values) { c in
                lines.load(fromByteOffset: c &* MemoryLayout<V>.stride, as: V.self)
            }
            store(sum, row: r, chunk: chunk)
        }

        @inline(__always)
        func directChunk(row r: Int, chunk: Int) {
            let first = chunk * chunkWidth, width = width(of: chunk)
            let start = rowPointers[r], end = rowPointers[r + 1]
            let sum: V
            if width == chunkWidth {
                sum = chunkSum(from: start, to: end, columns: columns, values: values) { c in
                    UnsafeRawPointer(dense + c * n + first).loadUnaligned(as: V.self)
                }
            } else {
                sum = chunkSum(from: start, to: end, columns: columns, values: values) { c in
                    var lanes = V()
                    for l in 0..<width { lanes[l] = dense[c * n + first + l] }
                    return lanes
                }
            }
            store(sum, row: r, chunk: chunk)
        }

        @inline(__always)
        func store(_ sum: V, row r: Int, chunk: Int) {
            let first = chunk * chunkWidth, width = width(of: chunk)
            let target = out + r * n + first
            if width == chunkWidth {
                UnsafeMutableRawPointer(target).storeBytes(of: sum, as: V.self)
            } else {
                for l in 0..<width { target[l] = sum[l] }
            }
        }
    }
}
