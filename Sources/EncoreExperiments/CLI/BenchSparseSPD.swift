import Foundation

extension EncoreCLI {
    /// `encore bench sparse`: CSR x dense and CSRᵀ x dense at the autoencoder input-layer shape.
    static let benchSparse = Command(
        name: "bench sparse", overview: "Measure CSR x dense and CSR^T x dense products.",
        options: BenchSupport.commonOptions,
        discussion: "Shape: CSR 512 x 3706 with 165 nonzeros per row (seeded), dense 3706 x 600 and 512 x 600."
    ) { arguments in
        let threads = try BenchSupport.threads(arguments)
        let json = arguments.flag("json")
        let (rows, cols, perRow, width) = (512, 3706, 165, 600)
        var rng = SeededRNG(seed: 2)
        var triples: [(Int, Int, Float)] = []
        for r in 0..<rows {
            for c in rng.sample(perRow, from: cols) { triples.append((r, c, 1)) }
        }
        let sparse = SparseMatrix(rows: rows, cols: cols, triples: triples)
        let dense = Tensor.uniform([cols, width], low: -1, high: 1, rng: &rng)
        let gradient = Tensor.uniform([rows, width], low: -1, high: 1, rng: &rng)
        let flops = 2.0 * Double(sparse.nonzeroCount) * Double(width)
        var sink = Tensor(shape: [])
        for (op, body) in [
            ("S*D", { sink = sparse.multiply(dense, threads: threads) }),
            ("S^T*D", { sink = sparse.transposedMultiply(gradient, threads: threads) }),
        ] as [(String, () -> Void)] {
            let probe = BenchSupport.medianSeconds(runs: 1, body)
            let seconds = BenchSupport.medianSeconds(runs: BenchSupport.runs(forEstimate: probe), body)
            BenchSupport.report(
                .init(bench: "sparse", op: op, sizes: [("m", rows), ("n", width), ("k", cols), ("nnz", sparse.nonzeroCount)],
                      threads: threads, gflops: flops / seconds / 1e9, seconds: seconds), json: json)
        }
        withExtendedLifetime(sink) {}
        return .success
    }

    /// `encore bench spd`: the Cholesky-based SPD inverse of a seeded n x n matrix.
    static let benchSPD = Command(
        name: "bench spd", overview: "Measure the SPD inverse of an n x n matrix.",
        options: BenchSupport.commonOptions + [.value("n", "N", "Matrix order (default: 3706).")],
        discussion: "The matrix is XᵀX + n·I for a seeded uniform X of shape [n, n]; flops count as n³ (Cholesky, triangular inverse, product: n³/3 each, each step's median seconds and rate reported beside the total)."
    ) { arguments in
        let threads = try BenchSupport.threads(arguments)
        let json = arguments.flag("json")
        let n = try arguments.int("n", default: 3706, range: 1...100_000)!
        var rng = SeededRNG(seed: 3)
        let x = Tensor.uniform([n, n], low: -1, high: 1, rng: &rng)
        var a = Tensor.matmul(x, x, transposeA: true, threads: threads)
        for i in 0..<n { a[i, i] += Float(n) }
        var sink = Tensor(shape: [])
        var failure: Error?
        var phases: [String: [Double]] = [:], phaseOrder: [String] = []
        let body = {
            do {
                sink = a
                try sink.formInverseSPD(threads: threads) { name, seconds in
                    if phases[name] == nil { phaseOrder.append(name) }
                    phases[name, default: []].append(seconds)
                }
            } catch { failure = error }
        }
        let probe = BenchSupport.medianSeconds(runs: 1, body)
        if let failure { throw failure }
        let seconds = BenchSupport.medianSeconds(runs: BenchSupport.runs(forEstimate: probe, budget: 3), body)
        withExtendedLifetime(sink) {}
        // Each step is n³/3 flops; its median over the timed runs (the probe included).
        var result = BenchSupport.Result(
            bench: "spd", op: nil, sizes: [("n", n)], threads: threads,
            gflops: pow(Double(n), 3) / seconds / 1e9, seconds: seconds)
        for name in phaseOrder {
            let phaseSeconds = BenchSupport.median(phases[name]!)
            result.extras.append(("\(name)_s", String(format: "%.4g", phaseSeconds)))
            result.extras.append(("\(name)_gflops", String(format: "%.1f", pow(Double(n), 3) / 3 / phaseSeconds / 1e9)))
        }
        BenchSupport.report(result, json: json)
        return .success
    }
}
