// Vectorised single-precision math on `SIMD8<Float>` (one AVX2 register): Cephes-style range
// reduction plus minimax polynomials, a few ulp from the correctly rounded result, with IEEE
// behaviour at the edges (overflow to +inf, underflow through subnormals to 0, NaN in -> NaN out).
// Everything is concrete and `@inline(__always)` so release builds emit straight-line FMA code.

/// Vectorised `exp`, `expm1`, `log`, `log1p`, `tanh` and `sigmoid` on eight lanes at a time.
public enum VectorMath {
    /// Eight lanes of `Float`.
    public typealias V = SIMD8<Float>
    /// Eight lanes of `Int32`, same width as `V`.
    public typealias I = SIMD8<Int32>

    // Everything here is @_transparent (mandatory inlining). With @inlinable @inline(__always)
    // other modules still got these as out-of-line calls: the cross-module inliner stops after
    // one large callee per function, so a loop calling exp and sqrt kept one of them a call.
    @_transparent @usableFromInline
    static func bits(_ x: V) -> I { unsafeBitCast(x, to: I.self) }
    @_transparent @usableFromInline
    static func float(_ x: I) -> V { unsafeBitCast(x, to: V.self) }

    /// Square root per lane, within 1 ulp of the correctly rounded result (0 -> 0, +inf -> +inf,
    /// negative or NaN -> NaN, subnormals through a 2^24 rescale).
    ///
    /// `SIMD8<Float>.squareRoot()` compiles to eight scalar `sqrtss` (each with a `sqrtf` errno
    /// fallback) in release builds, so optimizer loops stayed scalar; this is a bit-level estimate
    /// of `1/sqrt(x)`, three Newton steps on it, and one Heron step on `x * r`, all lane-parallel.
    @_transparent
    public static func sqrt(_ x: V) -> V {
        let tiny = x .< V(repeating: Float.leastNormalMagnitude)
        let xs = x.replacing(with: x * V(repeating: 16_777_216), where: tiny)  // 2^24
        var r = float(I(repeating: 0x5f37_5a86) &- (bits(xs) &>> 1))
        let half = V(repeating: 0.5) * xs, threeHalves = V(repeating: 1.5)
        r = r * (threeHalves - half * r * r)
        r = r * (threeHalves - half * r * r)
        r = r * (threeHalves - half * r * r)
        var y = xs * r
        y = V(repeating: 0.5) * (y + xs / y)
        y = y.replacing(with: y * V(repeating: 1.0 / 4096), where: tiny)  // 2^-12
        y = y.replacing(with: x, where: (x .== V()) .| (x .== V(repeating: .infinity)))
        return y.replacing(with: V(repeating: .nan), where: x .< V() .| (x .!= x))
    }

    /// `e^x` per lane (max error about 2 ulp; +inf above 88.72, 0 below -103.97, NaN kept).
    @_transparent
    public static func exp(_ x: V) -> V {
        let magic = V(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer.
        // Clamp with selects (pointwiseMin/Max stay generic calls in release builds).
        let low = V(repeating: -104), high = V(repeating: 89)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let shifted = clamped * V(repeating: 1.442_695_04) + magic
        let n = shifted - magic
        let k = bits(shifted) &- bits(magic)
        // r = x - n ln2 in two steps (Cody-Waite), exact for the reduced range.
        var r = clamped + n * V(repeating: -0.693_359_375)
        r = r + n * V(repeating: 2.121_944_4e-4)
        let r2 = r * r
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        let y = p * r2 + r + V(repeating: 1)
        // Scale by 2^k in two factors so that k in [-150, 128] neither overflows the exponent
        // field nor skips the subnormal range.
        let half = k &>> 1
        let scale1 = float((half &+ 127) &<< 23)
        let scale2 = float((k &- half &+ 127) &<< 23)
        var result = y * scale1 * scale2
        result = result.replacing(with: V(repeating: .infinity), where: x .> V(repeating: 88.722_83))
        result = result.replacing(with: V(), where: x .< V(repeating: -103.972_08))
        result = result.replacing(with: x, where: x .!= x)
        return result
    }

    /// `e^x - 1` per lane, accurate near 0 (Taylor series for `|x| < 0.5`).
    @_transparent
    public static func expm1(_ x: V) -> V {
        var p = V(repeating: 1.0 / 362_880)
        p = p * x + V(repeating: 1.0 / 40320)
        p = p * x + V(repeating: 1.0 / 5040)
        p = p * x + V(repeating: 1.0 / 720)
        p = p * x + V(repeating: 1.0 / 120)
        p = p * x + V(repeating: 1.0 / 24)
        p = p * x + V(repeating: 1.0 / 6)
        p = p * x + V(repeating: 0.5)
        let small = (p * x) * x + x
        var result = exp(x) - V(repeating: 1)
        let absolute = abs(x)
        result.replace(with: small, where: absolute .< V(repeating: 0.5))
        return result
    }

    /// Natural logarithm per lane (-inf at 0, NaN below 0 or for NaN, +inf at +inf).
    @_transparent
    public static func log(_ x: V) -> V {
        // Subnormals: scale into the normal range first.
        let tiny = x .< V(repeating: Float.leastNormalMagnitude)
        let scaled = x.replacing(with: x * V(repeating: 8_388_608), where: tiny)  // 2^23
        let xb = bits(scaled)
        var e = (xb &>> 23) &- 126
        e.replace(with: e &- 23, where: tiny)
        var m = float((xb & I(repeating: 0x007F_FFFF)) | I(repeating: 0x3F00_0000))  // [0.5, 1)
        let below = m .< V(repeating: 0.707_106_781_186_547_524)
        e.replace(with: e &- 1, where: below)
        m = m.replacing(with: m + m, where: below) - V(repeating: 1)
        let ef = V(e)
        let z = m * m
        var p = V(repeating: 7.037_683_629_2e-2)
        p = p * m + V(repeating: -1.151_461_031_0e-1)
        p = p * m + V(repeating: 1.167_699_874_0e-1)
        p = p * m + V(repeating: -1.242_014_084_6e-1)
        p = p * m + V(repeating: 1.424_932_278_7e-1)
        p = p * m + V(repeating: -1.666_805_766_5e-1)
        p = p * m + V(repeating: 2.000_071_476_5e-1)
        p = p * m + V(repeating: -2.499_999_399_3e-1)
        p = p * m + V(repeating: 3.333_333_117_4e-1)
        var y = p * m * z
        y = y + ef * V(repeating: -2.121_944_40e-4)
        y = y - V(repeating: 0.5) * z
        var result = m + y + ef * V(repeating: 0.693_359_375)
        result.replace(with: V(repeating: -.infinity), where: x .== V())
        result.replace(with: V(repeating: .nan), where: x .< V())
        result.replace(with: x, where: (x .!= x) .| (x .== V(repeating: .infinity)))
        return result
    }

    /// `log(1 + x)` per lane, accurate near 0 (`log(w) * x / (w - 1)` with `w = 1 + x`).
    @_transparent
    public static func log1p(_ x: V) -> V {
        let w = x + V(repeating: 1)
        let d = w - V(repeating: 1)
        var result = log(w) * (x / d)
        result.replace(with: x, where: d .== V())
        result.replace(with: V(repeating: .infinity), where: x .== V(repeating: .infinity))
        return result
    }

    /// Hyperbolic tangent per lane (odd polynomial below 0.625, `1 - 2 / (e^2|x| + 1)` above).
    @_transparent
    public static func tanh(_ x: V) -> V {
        let a = abs(x)
        let z = x * x
        var p = V(repeating: -5.704_988_727_45e-3)
        p = p * z + V(repeating: 2.063_908_879_54e-2)
        p = p * z + V(repeating: -5.373_971_555_31e-2)
        p = p * z + V(repeating: 1.333_144_220_36e-1)
        p = p * z + V(repeating: -3.333_328_194_22e-1)
        let small = p * z * x + x
        let large = V(repeating: 1) - V(repeating: 2) / (exp(a + a) + V(repeating: 1))
        let signed = float(bits(large) | (bits(x) & I(repeating: Int32(bitPattern: 0x8000_0000))))
        return signed.replacing(with: small, where: a .< V(repeating: 0.625))
    }

    /// Logistic `1 / (1 + e^-x)` per lane, stable for large `|x|` (tiny results stay accurate).
    @_transparent
    public static func sigmoid(_ x: V) -> V {
        let e = exp(-abs(x))
        let s = V(repeating: 1) / (V(repeating: 1) + e)
        return s.replacing(with: e * s, where: x .< V())
    }

    @_transparent @usableFromInline
    static func abs(_ x: V) -> V { float(bits(x) & I(repeating: 0x7FFF_FFFF)) }

    /// Applies a lane function to `count` floats from `source` into `target` (which may alias it).
    @_transparent
    public static func apply(
        _ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, count: Int,
        _ function: (V) -> V
    ) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(source + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: function(v), as: V.self)
            i += 8
        }
        if i < count {
            var v = V()
            for j in 0..<(count - i) { v[j] = source[i + j] }
            let y = function(v)
            for j in 0..<(count - i) { target[i + j] = y[j] }
        }
    }
}
