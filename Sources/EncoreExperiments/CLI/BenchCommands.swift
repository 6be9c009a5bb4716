import Foundation

extension EncoreCLI {
    /// The `encore bench ...` subcommands (release builds only give meaningful figures).
    static let benchCommands: [Command] = [benchGEMM, benchSparse, benchSPD, benchEvalCommand, benchModelCommand]

    /// `encore bench gemm`: GFLOP/s of the three GEMM layouts at the shapes.
    static let benchGEMM = Command(
        name: "bench gemm", overview: "Measure SGEMM GFLOP/s for A*B, A*B^T and A^T*B.",
        options: BenchSupport.commonOptions + [
            .value("shape", "MxNxK", "Only this shape (repeatable).", repeatable: true),
            .value("op", "OP", "Only this layout: A*B, A*B^T or A^T*B (repeatable).", repeatable: true),
        ],
        discussion: "Default shapes: 1024x1024x1024, 512x3706x600, 512x600x3706, 3706x3706x3706."
    ) { arguments in
        let threads = try BenchSupport.threads(arguments)
        let json = arguments.flag("json")
        var shapes = [(1024, 1024, 1024), (512, 3706, 600), (512, 600, 3706), (3706, 3706, 3706)]
        if let given = arguments.values["shape"] {
            shapes = try given.map { text in
                let parts = text.split(separator: "x").compactMap { Int($0) }
                guard parts.count == 3, parts.allSatisfy({ $0 > 0 }) else {
                    throw UsageError("--shape expects MxNxK with positive integers, got '\(text)'")
                }
                return (parts[0], parts[1], parts[2])
            }
        }
        var layouts = [("A*B", false, false), ("A*B^T", false, true), ("A^T*B", true, false)]
        if let given = arguments.values["op"] {
            for op in given where !layouts.contains(where: { $0.0 == op }) {
                throw UsageError("--op expects A*B, A*B^T or A^T*B, got '\(op)'")
            }
            layouts = layouts.filter { given.contains($0.0) }
        }
        var rng = SeededRNG(seed: 1)
        for (m, n, k) in shapes {
            for (op, transposeA, transposeB) in layouts {
                let a = Tensor.uniform(transposeA ? [k, m] : [m, k], low: -1, high: 1, rng: &rng)
                let b = Tensor.uniform(transposeB ? [n, k] : [k, n], low: -1, high: 1, rng: &rng)
                var c = Tensor(shape: [m, n])
                let multiply = {
                    Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB, beta: 0, into: &c, threads: threads)
                }
                let probe = BenchSupport.medianSeconds(runs: 1, multiply)
                let seconds = BenchSupport.medianSeconds(runs: BenchSupport.runs(forEstimate: probe), multiply)
                let flops = 2.0 * Double(m) * Double(n) * Double(k)
                BenchSupport.report(
                    .init(bench: "gemm", op: op, sizes: [("m", m), ("n", n), ("k", k)], threads: threads,
                          gflops: flops / seconds / 1e9, seconds: seconds), json: json)
            }
        }
        return .success
    }
}
