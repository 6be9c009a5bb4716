import EncoreTensor
import Foundation

extension BenchSupport {
    /// Encore's GEMM rate at `shapes`, each product timed on its own (seeded uniform operands
    /// stored as each layout reads them, the result written into a kept buffer): the median
    /// seconds per product and the rate of the whole set, total FLOPs over total median seconds
    /// (so a set of a layer's forward and gradient products gives the rate of that layer's step).
    /// - Parameters:
    ///   - threads: GEMM threads.
    ///   - budget: about how many seconds to spend timing each product (at least three runs after a warm-up).
    /// - Returns: nil when `shapes` is empty or holds no work.
    public static func gemmRate(_ shapes: [GEMMShape], threads: Int, budget: Double = 0.5) -> (gflops: Double, seconds: [Double])? {
        guard shapes.contains(where: { $0.flops > 0 }) else { return nil }
        var rng = SeededRNG(seed: 1)
        var seconds: [Double] = []
        for shape in shapes {
            let (m, n, k) = (shape.m, shape.n, shape.k)
            let a = Tensor.uniform(shape.transposeA ? [k, m] : [m, k], low: -1, high: 1, rng: &rng)
            let b = Tensor.uniform(shape.transposeB ? [n, k] : [k, n], low: -1, high: 1, rng: &rng)
            var c = Tensor(shape: [m, n])
            let multiply = {
                Tensor.matmul(a, b, transposeA: shape.transposeA, transposeB: shape.transposeB, beta: 0, into: &c, threads: threads)
            }
            let probe = medianSeconds(runs: 1, multiply)
            seconds.append(medianSeconds(runs: runs(forEstimate: probe, budget: budget), multiply))
        }
        let flops = shapes.reduce(0) { $0 + $1.flops }
        return (flops / seconds.reduce(0, +) / 1e9, seconds)
    }
}
