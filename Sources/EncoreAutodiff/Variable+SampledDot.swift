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
    precondition(
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
                                for slot in starts[k]..<starts[k + 1] {
                                    let e = Int(pe[slot])
                                    let weight = gs[e], row = s + Int(po[e]) * h
                                    for j in 0..<h { target[j] += weight * row[j] }
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
