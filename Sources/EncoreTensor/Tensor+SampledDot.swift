import Foundation

/// Products of rows of two matrices at chosen pairs, the kernels behind the autodiff op
/// `sampledDot`: decoder outputs only at observed or sampled (user, item) entries, without the
/// dense product nor any `[entries, h]` temporary.
extension Tensor {
    /// `out[e] = dot(a[rows[e]], b[columns[e]])` for every entry, parallel over entries.
    /// - Precondition (checked): `a` and `b` have the same column count; every `rows[e] < a.rows`
    ///   and `columns[e] < b.rows`.
    public static func sampledDot(
        _ a: Tensor, _ b: Tensor, rows entryRows: [Int32], columns entryColumns: [Int32], threads: Int? = nil
    ) -> Tensor {
        let h = a.cols
        requireShape(a.rank == 2 && b.rank == 2 && b.cols == h && entryRows.count == entryColumns.count,
                     "Tensor.sampledDot: a \(a.shape), b \(b.shape), \(entryRows.count) rows vs \(entryColumns.count) columns")
        let count = entryRows.count
        requireArgument(entryRows.allSatisfy { $0 >= 0 && Int($0) < a.rows } && entryColumns.allSatisfy { $0 >= 0 && Int($0) < b.rows },
                        "Tensor.sampledDot: an entry lies outside [\(a.rows), \(b.rows)]")
        var out = Tensor(uninitializedShape: [count])
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    entryRows.withUnsafeBufferPointer { rows in
                        entryColumns.withUnsafeBufferPointer { cols in
                            let (x, y, o) = (pa.baseAddress!, pb.baseAddress!, po.baseAddress!)
                            Parallel.forEachChunk(count, threads: threads, minimumChunk: 256) { range in
                                for e in range {
                                    o[e] = Tensor.dot(x + Int(rows[e]) * h, y + Int(cols[e]) * h, count: h)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `result[k] = sum_{e in group k} g[e] * source[other[e]]`, one output row per group, parallel
    /// over groups: the backward of `sampledDot` for either operand. Group `k` holds the entries
    /// `order[starts[k]..<starts[k + 1]]`.
    public static func groupedAxpy(
        _ g: Tensor, source: Tensor, other: [Int32], starts: [Int], order: [Int32], threads: Int?
    ) -> Tensor {
        let h = source.cols, groups = starts.count - 1
        requireShape(source.rank == 2 && g.count == other.count && order.count == other.count,
                     "Tensor.groupedAxpy: \(g.count) values, \(other.count) entries, \(order.count) in groups")
        requireArgument(groups >= 0 && starts.first == 0 && starts.last == order.count
                        && zip(starts, starts.dropFirst()).allSatisfy { $0 <= $1 },
                        "Tensor.groupedAxpy: group starts must rise from 0 to \(order.count)")
        requireArgument(order.allSatisfy { $0 >= 0 && Int($0) < other.count }
                        && other.allSatisfy { $0 >= 0 && Int($0) < source.rows },
                        "Tensor.groupedAxpy: an entry index is outside the \(other.count) entries or the \(source.rows) source rows")
        var result = Tensor(shape: [groups, h])
        g.withUnsafeBufferPointer { pg in
            source.withUnsafeBufferPointer { ps in
                result.withUnsafeMutableBufferPointer { pr in
                    other.withUnsafeBufferPointer { po in
                        order.withUnsafeBufferPointer { pe in
                            let (gs, s, r) = (pg.baseAddress!, ps.baseAddress!, pr.baseAddress!)
                            Parallel.forEachChunk(groups, threads: threads, minimumChunk: 64) { range in
                                for k in range {
                                    let target = r + k * h
                                    // Four entries per pass over the output row: a quarter of the
                                    // loads and stores of `target` that one entry per pass costs.
                                    var slot = starts[k]
                                    let end = starts[k + 1]
                                    while slot + 4 <= end {
                                        let e0 = Int(pe[slot]), e1 = Int(pe[slot + 1])
                                        let e2 = Int(pe[slot + 2]), e3 = Int(pe[slot + 3])
                                        axpy4(target, count: h,
                                              (gs[e0], s + Int(po[e0]) * h), (gs[e1], s + Int(po[e1]) * h),
                                              (gs[e2], s + Int(po[e2]) * h), (gs[e3], s + Int(po[e3]) * h))
                                        slot += 4
                                    }
                                    while slot < end {
                                        let e = Int(pe[slot])
                                        let weight = gs[e], row = s + Int(po[e]) * h
                                        for j in 0..<h { target[j] += weight * row[j] }
                                        slot += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}

/// `target[j] += w0 r0[j] + w1 r1[j] + w2 r2[j] + w3 r3[j]` for `j < count`, eight lanes at a time.
@inline(__always)
private func axpy4(
    _ target: UnsafeMutablePointer<Float>, count: Int,
    _ t0: (Float, UnsafePointer<Float>), _ t1: (Float, UnsafePointer<Float>),
    _ t2: (Float, UnsafePointer<Float>), _ t3: (Float, UnsafePointer<Float>)
) {
    typealias V = SIMD8<Float>
    let (w0, w1, w2, w3) = (V(repeating: t0.0), V(repeating: t1.0), V(repeating: t2.0), V(repeating: t3.0))
    var j = 0
    while j + 8 <= count {
        var acc = UnsafeRawPointer(target + j).loadUnaligned(as: V.self)
        acc += w0 * UnsafeRawPointer(t0.1 + j).loadUnaligned(as: V.self)
        acc += w1 * UnsafeRawPointer(t1.1 + j).loadUnaligned(as: V.self)
        acc += w2 * UnsafeRawPointer(t2.1 + j).loadUnaligned(as: V.self)
        acc += w3 * UnsafeRawPointer(t3.1 + j).loadUnaligned(as: V.self)
        UnsafeMutableRawPointer(target + j).storeBytes(of: acc, as: V.self)
        j += 8
    }
    while j < count {
        target[j] += t0.0 * t0.1[j] + t1.0 * t1.1[j] + t2.0 * t2.1[j] + t3.0 * t3.1[j]
        j += 1
    }
}
