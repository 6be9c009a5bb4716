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
    let out = Tensor.sampledDot(a.value, b.value, rows: entries.rows, columns: entries.columns, threads: threads)
    return Variable.record(out, inputs: [a, b]) { g in
        if a.requiresGrad {
            a.accumulate(Tensor.groupedAxpy(g, source: b.value, other: entries.columns,
                                     starts: entries.rowStarts, order: entries.rowOrder, threads: threads))
        }
        if b.requiresGrad {
            b.accumulate(Tensor.groupedAxpy(g, source: a.value, other: entries.rows,
                                     starts: entries.columnStarts, order: entries.columnOrder, threads: threads))
        }
    }
}
