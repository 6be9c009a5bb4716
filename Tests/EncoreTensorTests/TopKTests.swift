import EncoreTensor
import XCTest

final class TopKTests: XCTestCase {
    /// The reference: sort every candidate by (score descending, index ascending).
    private func reference(_ row: [Float], k: Int, excluding: Set<Int>) -> [Int32] {
        let candidates = (0..<row.count).filter { !excluding.contains($0) }
        let key = { (j: Int) -> Float in row[j].isNaN ? -.infinity : row[j] }
        let sorted = candidates.sorted { key($0) > key($1) || (key($0) == key($1) && $0 < $1) }
        return sorted.prefix(k).map { Int32($0) }
    }

    /// Random rows with many ties (scores from a few values), exclusions, and k up to past the row.
    func testMatchesFullSortWithTiesAndExclusions() {
        var rng = SeededRNG(seed: 31)
        let (rows, cols) = (17, 29)
        var scores = Tensor(shape: [rows, cols])
        for i in 0..<scores.count { scores[i] = Float(rng.uniform(0, 4).rounded(.down)) }
        scores[3, 5] = -.infinity
        scores[4, 6] = .nan
        var triples: [(row: Int, col: Int, value: Float)] = []
        for r in 0..<rows { for c in 0..<cols where rng.uniform() < 0.3 { triples.append((r, c, 1)) } }
        for c in 0..<cols { triples.append((9, c, 1)) }  // row 9: everything excluded
        let history = SparseMatrix(rows: rows, cols: cols, triples: triples)
        for k in [0, 1, 3, 10, 29, 40] {
            for threads in [1, 3] {
                let top = TopK.select(rows: scores, k: k, excluding: history, threads: threads)
                let flat = TopK.selectFlat(rows: scores, k: k, excluding: history, threads: threads)
                for r in 0..<rows {
                    let excluded = Set(history.columns(ofRow: r).map { Int($0) })
                    let expected = reference(Array(scores.rows(r..<(r + 1)).scalars), k: k, excluding: excluded)
                    XCTAssertEqual(top[r], expected, "row \(r) k \(k)")
                    XCTAssertEqual(Array(flat[(r * k)..<((r + 1) * k)]), expected + Array(repeating: -1, count: k - expected.count))
                }
            }
        }
    }

    func testSingleRowAndTieOrder() {
        let row: [Float] = [1, 3, 3, 2, 3]
        let top = row.withUnsafeBufferPointer { TopK.select($0, k: 3) }
        XCTAssertEqual(top, [1, 2, 4])
        let excluded: [Int32] = [2]
        let topExcluded = row.withUnsafeBufferPointer { r in excluded.withUnsafeBufferPointer { TopK.select(r, k: 3, excluding: $0) } }
        XCTAssertEqual(topExcluded, [1, 4, 3])
        XCTAssertEqual(TopK.select(rows: Tensor(shape: [2, 0]), k: 3), [[], []])
    }

    /// A k far beyond the row (a metric's cut-off larger than the catalogue) returns every column
    /// and reserves no more than the row holds.
    func testKBeyondTheRowReturnsEveryColumn() {
        let scores = Tensor([[0.5, 2, 1], [3, 1, 2]])
        XCTAssertEqual(TopK.select(rows: scores, k: Int.max), [[1, 2, 0], [0, 2, 1]])
        let row: [Float] = [1, 3, 2]
        XCTAssertEqual(row.withUnsafeBufferPointer { TopK.select($0, k: Int.max) }, [1, 2, 0])
    }
}
