import Foundation

extension EncoreCLI {
    /// The `encore bench ...` subcommands (release builds only give meaningful figures);
    /// `bench model` times the models of `registry`.
    static func benchCommands(registry: ModelRegistry) -> [Command] {
        [benchGEMM, benchSparse, benchSPD, benchEvalCommand, benchModelCommand(registry: registry)]
    }

    /// `encore bench gemm`: GFLOP/s of the three GEMM layouts at the default shapes (or `--shape`).
    static let benchGEMM = Command(
        name: "bench gemm", overview: "Measure SGEMM GFLOP/s for A*B, A*B^T and A^T*B.",
        options: BenchSupport.commonOptions + [
            .value("shape", "MxNxK", "Only this shape (repeatable).", repeatable: true),
            .value("op", "OP", "Only this layout: A*B, A*B^T or A^T*B (repeatable).", repeatable: true),
            .value("against", "LIB", "Also time this CBLAS library's cblas_sgemm, call by call beside Encore's."),
            .value("pairs", "N", "With --against: pairs of calls per layout (default: 25 to 101, about 6 s worth; 12 s with pauses)."),
            .value("pause-ms", "MS", "With --against: sleep, then one untimed call, before each timed call (default: 150 with more than one thread, else 0)."),
        ],
        discussion: """
            Default shapes: 1024x1024x1024, 512x3706x600, 512x600x3706, 3706x3706x3706.
            --against LIB opens a CBLAS shared library at run time (e.g. numpy's bundled OpenBLAS; set
            OPENBLAS_CORETYPE first to choose its kernels) and, after a warm-up, times the two products
            call by call in this process, in pairs (Encore first in even pairs). With more than one thread
            each timed call follows a 0.15 s pause and an untimed call, so that neither side's idle threads
            spin in the other's time and each side's threads are awake when its timing starts.
            It reports each side's median and the median over pairs of the ratio (library time / Encore
            time) with its quartiles and range, and fails if the two results disagree.
            """
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
        let reference = try arguments.value("against").map { try CBLASLibrary(path: $0) }
        let pairs = try arguments.int("pairs", range: 1...100_000)
        let pauseMilliseconds = try arguments.int(
            "pause-ms", default: threads > 1 ? Int(BenchSupport.pauseBeforeSide / 1000) : 0, range: 0...10_000)!
        if (pairs != nil || arguments.value("pause-ms") != nil) && reference == nil {
            throw UsageError("--pairs and --pause-ms need --against")
        }
        if let reference {
            reference.setThreadCount(threads)
            if !reference.canSetThreads {
                FileHandle.standardError.write(Data(
                    "encore: note: '\(reference.path)' has no OpenBLAS thread setter; its own environment variables set its threads\n".utf8))
            }
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
                let flops = 2.0 * Double(m) * Double(n) * Double(k)
                var result = BenchSupport.Result(
                    bench: "gemm", op: op, sizes: [("m", m), ("n", n), ("k", k)], threads: threads, gflops: nil, seconds: 0)
                if let reference {
                    var referenceC = Tensor(shape: [m, n])
                    let pair = try BenchSupport.paired(
                        pairs: pairs, budget: pauseMilliseconds > 0 ? 12 : 6, pause: useconds_t(pauseMilliseconds * 1000), multiply,
                        reference: {
                            reference.multiply(a, b, transposeA: transposeA, transposeB: transposeB, into: &referenceC)
                        },
                        agreement: { BenchSupport.relativeDifference(c, referenceC) }, what: "gemm \(op) \(m)x\(n)x\(k)")
                    result.seconds = pair.seconds
                    result.extras = pair.extras(flops: flops, reference: reference)
                } else {
                    let probe = BenchSupport.medianSeconds(runs: 1, multiply)
                    result.seconds = BenchSupport.medianSeconds(runs: BenchSupport.runs(forEstimate: probe), multiply)
                }
                result.gflops = flops / result.seconds / 1e9
                result.extras.insert(("kernel", "\"\(GEMMKernel.active)\""), at: 0)
                BenchSupport.report(result, json: json)
            }
        }
        return .success
    }
}
