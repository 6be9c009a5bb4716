import EncoreTensor
import Foundation

/// Shared helpers of the `encore bench ...` commands: median-of-runs timing and result lines.
public enum BenchSupport {
    /// Runs `body` once as a warm-up, then `runs` times, and returns the median wall time in seconds.
    /// - Parameters:
    ///   - runs: timed repetitions (at least 1); the median resists a stray slow run.
    ///   - body: the work to time; it should write its result somewhere the optimiser cannot drop.
    public static func medianSeconds(runs: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now()
            body()
            times.append(Elapsed.seconds(since: start))
        }
        return median(times)
    }

    /// The median of `values`: the mean of the two middle values for an even count; NaN when
    /// empty. Every benchmark reports medians through this one definition.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), middle = sorted.count / 2
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Picks a repetition count so that one benchmark takes roughly `budget` seconds.
    /// - Parameters:
    ///   - estimate: seconds one run is expected to take (from a single probe run).
    ///   - budget: the target total time.
    public static func runs(forEstimate estimate: Double, budget: Double = 1.0) -> Int {
        max(3, min(25, Int(budget / max(estimate, 1e-6))))
    }

    /// One benchmark result, printed as a JSON line or an aligned text line.
    public struct Result: Sendable {
        /// The benchmark family: `"gemm"`, `"sparse"`, `"spd"`, ...
        public var bench: String
        /// The operation, e.g. `"A*B^T"`.
        public var op: String?
        /// Named integer sizes in print order, e.g. `[("m", 512), ("n", 3706), ("k", 600)]`.
        public var sizes: [(String, Int)]
        /// Threads used.
        public var threads: Int
        /// Achieved GFLOP/s (nil when flops are not meaningful).
        public var gflops: Double?
        /// Median seconds per run.
        public var seconds: Double
        /// Further fields, printed after the standard ones: name and JSON value (e.g. `("ratio", "1.03")`).
        public var extras: [(String, String)] = []

        /// Creates a result.
        public init(bench: String, op: String?, sizes: [(String, Int)], threads: Int, gflops: Double?, seconds: Double) {
            self.bench = bench
            self.op = op
            self.sizes = sizes
            self.threads = threads
            self.gflops = gflops
            self.seconds = seconds
        }

        /// The JSON line: `{"bench": "gemm", "op": "A*B^T", "m": 512, ..., "gflops": 431.2, "seconds": 0.0053}`.
        public var jsonLine: String {
            var fields = ["\"bench\": \"\(bench)\""]
            if let op { fields.append("\"op\": \"\(op)\"") }
            for (name, value) in sizes { fields.append("\"\(name)\": \(value)") }
            fields.append("\"threads\": \(threads)")
            if let gflops { fields.append("\"gflops\": \(String(format: "%.1f", gflops))") }
            fields.append("\"seconds\": \(String(format: "%.4g", seconds))")
            for (name, value) in extras { fields.append("\"\(name)\": \(value)") }
            return "{" + fields.joined(separator: ", ") + "}"
        }

        /// A human-readable line.
        public var textLine: String {
            let shape = sizes.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            let rate = gflops.map { String(format: "%8.1f GFLOP/s", $0) } ?? ""
            let more = extras.map { " \($0.0)=\($0.1)" }.joined()
            return "\(bench) \(pad(op ?? "", 7)) \(pad(shape, 30)) threads=\(threads) \(String(format: "%9.4f s", seconds)) \(rate)\(more)"
        }
    }

    /// `text` padded with spaces to `width` (never truncated).
    public static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Prints `result` as JSON when `json` is set, else as text; flushes so pipes see it at once.
    public static func report(_ result: Result, json: Bool) {
        print(json ? result.jsonLine : result.textLine)
        fflush(nil)
    }
}

/// A benchmark that cannot run as asked (a library that does not load, results that disagree);
/// the CLI reports it as a usage error (exit 64).
public struct BenchError: Error, CustomStringConvertible {
    /// What was wrong, in one line.
    public let description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}
