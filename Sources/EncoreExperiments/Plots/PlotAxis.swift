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
        let low = finite.min() ?? 0, high = finite.max() ?? 1
        self.init(low: low, high: high, logarithmic: Self.wantsLog(finite, allowLog: allowLog), includeZero: includeZero,
                  targetTicks: targetTicks)
    }

    /// An axis that shows `core` whole and the rest of `values` only as far as `reach` times the
    /// core's span beyond it on either side (in log-10 units on a log axis), so that a few far-off
    /// values (a diverging first epoch) cannot squash the core into a sliver: the core always
    /// fills at least `1 / (1 + 2 * reach)` of the axis. Values outside the axis are for the
    /// caller to clip and mark (`contains`). The log scale is decided on all of `values`, as in
    /// `init(values:allowLog:)`; `core` values outside `values`' domain (not positive on a log
    /// axis) are ignored, and an empty core means all of `values`.
    init(values: [Double], core: [Double], reach: Double = 1, allowLog: Bool = false, targetTicks: Int = 5) {
        let finite = values.filter { $0.isFinite }
        let logarithmic = Self.wantsLog(finite, allowLog: allowLog)
        let transform: (Double) -> Double = logarithmic ? { log10($0) } : { $0 }
        let all = finite.map(transform)
        var kept = core.filter { $0.isFinite && (!logarithmic || $0 > 0) }.map(transform)
        if kept.isEmpty { kept = all }
        guard let rawLow = all.min(), let rawHigh = all.max(), let coreLow = kept.min(), let coreHigh = kept.max() else {
            self.init(low: 0, high: 1, logarithmic: false, includeZero: false, targetTicks: targetTicks)
            return
        }
        var span = coreHigh - coreLow
        if span <= 0 { span = logarithmic ? 1 : (coreHigh == 0 ? 1 : abs(coreHigh) * 0.1) }
        let low = max(min(rawLow, coreLow), coreLow - reach * span)
        let high = min(max(rawHigh, coreHigh), coreHigh + reach * span)
        let untransform: (Double) -> Double = logarithmic ? { pow(10, $0) } : { $0 }
        self.init(low: untransform(low), high: untransform(high), logarithmic: logarithmic, includeZero: false,
                  targetTicks: targetTicks)
    }

    private init(low: Double, high: Double, logarithmic: Bool, includeZero: Bool, targetTicks: Int) {
        var low = low, high = high
        self.logarithmic = logarithmic
        if logarithmic {
            let lowDecade = floor(log10(low) + 1e-9), highDecade = max(ceil(log10(high) - 1e-9), lowDecade + 1)
            lower = pow(10, lowDecade)
            upper = pow(10, highDecade)
            // At most about eight labelled decades: every second or third one on wide ranges.
            let stride = max(1, Int(ceil((highDecade - lowDecade) / 8)))
            var decade = lowDecade
            while decade <= highDecade + 1e-9 {
                ticks.append(pow(10, decade))
                decade += Double(stride)
            }
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

    private static func wantsLog(_ finite: [Double], allowLog: Bool) -> Bool {
        guard allowLog, let low = finite.min(), let high = finite.max() else { return false }
        return low > 0 && high / low > 20
    }

    /// Whether `value` lies on the axis (within rounding); values outside are clipped.
    func contains(_ value: Double) -> Bool {
        guard value.isFinite, !logarithmic || value > 0 else { return false }
        let position = fraction(value)
        return position >= -1e-9 && position <= 1 + 1e-9
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

    /// A tick label with no more decimals than the tick spacing needs; powers of ten beyond
    /// 0.01...1000 on a log axis as `10⁴`, `10⁻³`.
    func label(_ value: Double) -> String {
        if logarithmic {
            let exponent = Int(log10(value).rounded())
            if (-2...3).contains(exponent) { return String(format: "%g", value) }
            return "10" + Self.superscript(exponent)
        }
        if abs(value) >= 1e7 || (abs(value) < 1e-3 && value != 0) {
            return value == 0 ? "0" : String(format: "%g", value)
        }
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", value)
    }

    /// `exponent` in Unicode superscript digits (and minus sign).
    static func superscript(_ exponent: Int) -> String {
        let digits: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return String(String(exponent).map { digits[$0] ?? $0 })
    }
}
