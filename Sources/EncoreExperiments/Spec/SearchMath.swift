/// The natural logarithm and exponential of a random search's log-ranges, written with IEEE-754
/// basic operations only (+, -, ×, ÷ and exact scaling by powers of two), so every platform
/// computes bit-identical values. The platform's `log` and `exp` may differ in the last bit
/// between C libraries, and a search's points must not: shards on different machines merge by
/// them. Accurate to a few units in the last place, plenty for drawing hyperparameters.
enum SearchMath {
    /// ln 2 in two parts (fdlibm's): `ln2High` has trailing zero bits, so `k · ln2High` is
    /// exact for the integers k used here, and `ln2High + ln2Low` is ln 2 to about 1e-27.
    static let ln2High = 6.93147180369123816490e-01
    static let ln2Low = 1.90821492927058770002e-10

    /// ln(x) for a finite `x > 0`.
    static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "SearchMath.log needs a finite positive number, got \(x)")
        // x = m · 2^e with m in [sqrt(1/2), sqrt(2)), then ln m = 2 atanh(s), s = (m - 1) / (m + 1).
        var exponent = Int(x.exponent)
        var m = x.significand
        if m > 1.4142135623730951 {
            m /= 2
            exponent += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // |s| <= 0.1716, so s^2 <= 0.0295 and 14 odd terms reach below 1e-20.
        var term = s, sum = 0.0
        for k in 0..<14 {
            sum += term / Double(2 * k + 1)
            term *= s2
        }
        return Double(exponent) * ln2High + (Double(exponent) * ln2Low + 2 * sum)
    }

    /// e^y for a `y` whose result is a finite positive double.
    static func exp(_ y: Double) -> Double {
        precondition(y.isFinite && y < 710 && y > -745, "SearchMath.exp needs -745 < y < 710, got \(y)")
        // y = k ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor series, then scaled by 2^k.
        let k = (y / (ln2High + ln2Low)).rounded()
        let r = (y - k * ln2High) - k * ln2Low
        var term = 1.0, sum = 1.0
        for n in 1...22 {
            term *= r / Double(n)
            sum += term
        }
        // Two exact halvings of the scale keep 2^k representable near the ends of the range.
        let half = Int(k) / 2
        return sum * Double(sign: .plus, exponent: half, significand: 1) * Double(sign: .plus, exponent: Int(k) - half, significand: 1)
    }

    /// The digits a drawn number keeps.
    static let significantDigits = 6

    /// `x` rounded down (toward -infinity) to `significantDigits` significant decimal digits, as the double
    /// nearest that decimal (`523.123` for 523.12378...): what a `Float` config holds, written
    /// without a tail of noise digits. Powers of ten up to 1e22 are exact doubles, so the
    /// scaling is exact or correctly rounded for the magnitudes hyperparameters take.
    static func roundedDown(_ x: Double) -> Double {
        guard x.isFinite, x != 0 else { return x }
        let magnitude = x.magnitude
        // The decimal exponent e with 10^e <= |x| < 10^(e + 1), found by exact comparisons.
        var exponent = 0
        var power = 1.0
        while power * 10 <= magnitude && exponent < 308 { power *= 10; exponent += 1 }
        while power > magnitude && exponent > -330 { power /= 10; exponent -= 1 }
        let shift = significantDigits - 1 - exponent
        // Below about 1e-295 the scale 10^shift leaves the double range: such numbers stay as drawn.
        guard shift <= 300 else { return x }
        let rule: FloatingPointRoundingRule = x < 0 ? .up : .down
        let scaled: Double
        if shift >= 0 {
            let scale = powerOfTen(shift)
            scaled = (magnitude * scale).rounded(rule) / scale
        } else {
            let scale = powerOfTen(-shift)
            scaled = (magnitude / scale).rounded(rule) * scale
        }
        return x < 0 ? -scaled : scaled
    }

    /// 10^n for n >= 0 by repeated multiplication (exact up to 10^22).
    private static func powerOfTen(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= 10 }
        return result
    }
}
