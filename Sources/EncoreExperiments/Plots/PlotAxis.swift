import Foundation

/// A numeric axis: its data range, a linear or log-10 scale, and "nice" tick values
/// (1, 2 or 5 times a power of ten; powers of ten on a log axis).
struct PlotAxis {
    /// The visible range, in data units (log axes: the data range itself, not its logarithm).
    private(set) var lower: Double, upper: Double
    /// Whether the axis is logarithmic (base 10).
    let logarithmic: Bool
    /// Tick values, ascending, inside [lower, upper].
    private(set) var ticks: [Double] = []

    /// An axis covering `values` (finite ones), padded to nice tick bounds.
    /// - Parameters:
    ///   - includeZero: extend a linear axis to include 0.
    ///   - allowLog: use a log scale when every value is positive and they span more than `20x`.
    init(values: [Double], includeZero: Bool = false, allowLog: Bool = false, targetTicks: Int = 5) {
        let finite = values.filter { $0.isFinite }
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        logarithmic = allowLog && low > 0 && high / low > 20
        if logarithmic {
            lower = pow(10, floor(log10(low)))
            upper = pow(10, ceil(log10(high)))
            var tick = lower
            while tick <= upper * 1.0001 { ticks.append(tick); tick *= 10 }
            return
        }
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = Self.niceStep((high - low) / Double(max(targetTicks, 2)))
        lower = floor(low / step) * step
        upper = ceil(high / step) * step
        var tick = lower
        while tick <= upper + step * 1e-9 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(rough)))
        for multiple in [1.0, 2, 5, 10] where multiple * magnitude >= rough * 0.999 { return multiple * magnitude }
        return 10 * magnitude
    }

    /// The position of `value` in [0, 1] along the axis.
    func fraction(_ value: Double) -> Double {
        if logarithmic { return (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (value - lower) / (upper - lower)
    }

    /// A tick label with no more decimals than the tick spacing needs.
    func label(_ value: Double) -> String {
        if logarithmic || abs(value) >= 1e5 || (abs(value) < 1e-3 && value != 0) {
            return value == 0 ? "0" : String(format: "%g", value)
        }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", value)
    }
}
