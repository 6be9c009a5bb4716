#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EncoreTensor
import Foundation

/// Encore and a reference timed call by call within one process (`encore bench gemm --against`).
public struct PairedTiming: Sendable {
    /// Encore's median seconds per call.
    public var seconds: Double
    /// The reference's median seconds per call.
    public var referenceSeconds: Double
    /// Per pair of calls: reference seconds / Encore seconds (above 1: Encore is faster).
    public var ratios: [Double]

    /// The medians and the per-pair ratios.
    public init(seconds: Double, referenceSeconds: Double, ratios: [Double]) {
        self.seconds = seconds
        self.referenceSeconds = referenceSeconds
        self.ratios = ratios
    }

    /// The JSON fields `encore bench gemm --against` adds to a result line: the reference's figure,
    /// the median paired ratio, its quartiles and extremes, and the number of pairs.
    /// - Parameter reference: names the library in the `reference` field (`null` when nil).
    public func extras(flops: Double, reference: CBLASLibrary?) -> [(String, String)] {
        func quoted(_ text: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .withoutEscapingSlashes
            return (try? encoder.encode(text)).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
        }
        let sorted = ratios.sorted()
        func quantile(_ q: Double) -> String {
            sorted.isEmpty ? "null" : String(format: "%.3f", sorted[Int((Double(sorted.count - 1) * q).rounded())])
        }
        return [
            ("reference", reference.map { library in
                quoted(library.coreName.map { "\(library.symbol) (\($0))" } ?? library.symbol)
            } ?? "null"),
            ("reference_gflops", String(format: "%.1f", flops / referenceSeconds / 1e9)),
            ("reference_seconds", String(format: "%.4g", referenceSeconds)),
            ("ratio", quantile(0.5)), ("ratio_q1", quantile(0.25)), ("ratio_q3", quantile(0.75)),
            ("ratio_min", quantile(0)), ("ratio_max", quantile(1)), ("pairs", "\(ratios.count)"),
        ]
    }
}

extension BenchSupport {
    /// With more than one thread, the default pause before each side of a pair. Without it the
    /// two libraries' idle threads run in each other's time: OpenBLAS's workers spin (yielding)
    /// for about 2^28 cycles, ~0.1 s, after a call, so an Encore call right after an OpenBLAS call
    /// shares both CPUs with them (measured at 1024³, two threads: Encore 89 GFLOP/s against
    /// 168 alone). After the pause both sides start from blocked threads.
    public static let pauseBeforeSide: useconds_t = 150_000

    /// Times `encore` and `reference` call by call: after a warm-up call of each, `pairs` pairs of
    /// timed calls, Encore first in even pairs, each pair giving one ratio. Calls a few milliseconds
    /// apart see the same host speed, which on a shared virtual machine drifts by 25% within
    /// minutes; one call per side and pair keeps the two as close in time as they can be.
    /// - Parameters:
    ///   - pairs: the number of pairs, or nil for as many as fit about `budget` seconds (25 to 101).
    ///   - pause: sleep before each side of a pair, followed by one untimed call that wakes the
    ///     side's blocked threads (a halted virtual CPU takes a while to wake); 0 (one thread): none of
    ///     either. See `pauseBeforeSide`.
    ///   - agreement: after the warm-up, the relative difference of the two results.
    ///   - what: names the product in the error when they disagree.
    /// - Throws: `BenchError` when the results differ by more than 1e-3 relative (a library with
    ///   another integer width or calling convention than its symbol says gives garbage, not a crash).
    public static func paired(pairs: Int?, budget: Double = 6, pause: useconds_t, _ encore: () -> Void,
                       reference: () -> Void, agreement: () -> Double, what: String) throws -> PairedTiming {
        func timed(_ body: () -> Void) -> Double {
            if pause > 0 {
                usleep(pause)
                body()
            }
            let start = DispatchTime.now()
            body()
            return Elapsed.seconds(since: start)
        }
        encore()
        reference()
        let difference = agreement()
        guard difference <= 1e-3 else {
            throw BenchError("--against: the library's result differs from Encore's by \(difference) (relative) for \(what); is it a CBLAS with the integer width its symbol name says?")
        }
        let probe = (pause > 0 ? 2 : 1) * (timed(encore) + timed(reference)) + 2 * Double(pause) / 1e6
        let count = pairs ?? max(25, min(101, Int(budget / max(probe, 1e-6))))
        var mine: [Double] = [], theirs: [Double] = [], ratios: [Double] = []
        for pair in 0..<count {
            let encoreFirst = pair % 2 == 0
            let first = timed(encoreFirst ? encore : reference)
            let second = timed(encoreFirst ? reference : encore)
            let (encoreSeconds, referenceSeconds) = encoreFirst ? (first, second) : (second, first)
            mine.append(encoreSeconds)
            theirs.append(referenceSeconds)
            ratios.append(referenceSeconds / encoreSeconds)
        }
        return PairedTiming(seconds: median(mine), referenceSeconds: median(theirs), ratios: ratios)
    }

    /// max |x - y| / max(max |y|, tiny) over two equally shaped tensors.
    public static func relativeDifference(_ x: Tensor, _ y: Tensor) -> Double {
        requireArgument(x.shape == y.shape, "relativeDifference: shapes \(x.shape) and \(y.shape) differ")
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                var difference: Float = 0, scale: Float = 0
                for i in 0..<px.count {
                    difference = max(difference, abs(px[i] - py[i]))
                    scale = max(scale, abs(py[i]))
                }
                return Double(difference / max(scale, .leastNormalMagnitude))
            }
        }
    }
}
