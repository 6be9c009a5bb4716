/// Decoder outputs only at chosen entries: `out[e] = dot(a[rows[e]], b[columns[e]])`.
///
/// With `a = [users, hidden]` codes and `b = [items, hidden]` item factors (a decoder weight stored
/// item-major) this is `(a b^T)` at the observed or sampled (user, item) pairs, without forming the
/// dense `[users, items]` product nor any `[entries, hidden]` temporary. Forward runs in parallel
/// over entries; backward in parallel over rows of `a` and rows of `b` (grouped in `entries`), so
/// each output row is written by one thread.
/// - Parameters:
///   - a: `[entries.rowCount, h]`.
///   - b: `[entries.columnCount, h]`.
///   - entries: the `(row, column)` pairs; the result is `[entries.count]`.
///   - threads: `nil` for all cores.
public func sampledDot(_ a: Variable, _ b: Variable, at entries: EntryIndices, threads: Int? = nil) -> Variable {
    let h = a.value.cols
    requireShape(
        a.value.rows == entries.rowCount && b.value.rows == entries.columnCount && b.value.cols == h,
        "sampledDot: a \(a.shape), b \(b.shape) vs entries over [\(entries.rowCount), \(entries.columnCount)]")
    var out = Tensor(uninitializedShape: [entries.count])
    a.value.withUnsafeBufferPointer { pa in
        b.value.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { po in
                entries.rows.withUnsafeBufferPointer { rows in
                    entries.columns.withUnsafeBufferPointer { cols in
                        let (x, y, o) = (pa.baseAddress!, pb.baseAddress!, po.baseAddress!)
                        Parallel.forEachChunk(entries.count, threads: threads, minimumChunk: 256) { range in
                            for e in range {
                                o[e] = Tensor.dot(x + Int(rows[e]) * h, y + Int(cols[e]) * h, count: h)
                            }
                        }
                    }
                }
            }
        }
    }
    return Variable.record(out, inputs: [a, b]) { g in
        if a.requiresGrad {
            a.accumulate(groupedAxpy(g, source: b.value, other: entries.columns,
                                     starts: entries.rowStarts, order: entries.rowOrder, threads: threads))
        }
        if b.requiresGrad {
            b.accumulate(groupedAxpy(g, source: a.value, other: entries.rows,
                                     starts: entries.columnStarts, order: entries.columnOrder, threads: threads))
        }
    }
}

/// `result[k] = sum_{e in group k} g[e] * source[other[e]]`, one output row per group, parallel
/// over groups.
private func groupedAxpy(
    _ g: Tensor, source: Tensor, other: [Int32], starts: [Int], order: [Int32], threads: Int?
) -> Tensor {
    let h = source.cols, groups = starts.count - 1
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
