import EncoreTensor

/// A deliberately naive matrix product in Double, the reference for kernel tests.
public func naiveMatmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
    let m = transposeA ? a.cols : a.rows, k = transposeA ? a.rows : a.cols
    let n = transposeB ? b.rows : b.cols
    var c = Tensor(shape: [m, n])
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                s += Double(transposeA ? a[p, i] : a[i, p]) * Double(transposeB ? b[j, p] : b[p, j])
            }
            c[i, j] = Float(s)
        }
    }
    return c
}

/// A `[rows.count, cols]` 0/1 matrix from per-row column lists.
public func sparse(_ rows: [[Int]], cols: Int) -> SparseMatrix {
    SparseMatrix(
        rows: rows.count, cols: cols, rowPointers: rows.reduce(into: [0]) { $0.append($0.last! + $1.count) },
        columnIndices: rows.flatMap { $0.sorted().map(Int32.init) }, values: [Float](repeating: 1, count: rows.joined().count))
}
