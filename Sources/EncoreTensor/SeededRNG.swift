import Foundation

/// A seeded, splittable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// There is no global random state in Encore: every random draw comes from a `SeededRNG`
/// passed in by the caller. `derive(_:)` gives an independent stream for a named purpose, so
/// adding a draw in one place never shifts the numbers drawn in another.
///
/// ```swift
/// var rng = SeededRNG(seed: 42)
/// var dropoutRNG = rng.derive("dropout")
/// let u = rng.uniform()            // in [0, 1)
/// ```
public struct SeededRNG: RandomNumberGenerator, Sendable, Codable, Equatable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    /// The seed this generator was created from.
    public let seed: UInt64

    /// Creates a generator from a 64-bit seed.
    public init(seed: UInt64) {
        self.seed = seed
        var mixer = seed
        state = (Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer))
    }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x100_0000_01B3
        }
        return h
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// An independent generator for `purpose`, determined by this generator's seed and the
    /// purpose alone (not by how many numbers have been drawn).
    public func derive(_ purpose: String) -> SeededRNG {
        var mixer = seed ^ Self.hash(purpose)
        return SeededRNG(seed: Self.splitMix(&mixer))
    }

    /// An independent generator for an integer purpose (a run index, a thread index).
    public func derive(_ index: Int) -> SeededRNG { derive("#\(index)") }

    /// A new generator seeded from this one's stream (advances this generator).
    public mutating func split() -> SeededRNG { SeededRNG(seed: next()) }

    /// Uniform in `[0, 1)` with 24 random bits.
    @inlinable public mutating func uniform() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in `[low, high)`.
    @inlinable public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    @inlinable public mutating func uniformDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A uniform integer in `0..<bound` (unbiased).
    @inlinable public mutating func int(below bound: Int) -> Int {
        requireArgument(bound > 0, "SeededRNG.int(below:): needs a positive bound, got \(bound)")
        return Int(next(upperBound: UInt64(bound)))
    }

    /// A standard normal draw (Box-Muller, computed in Double).
    public mutating func normal() -> Float {
        let u1 = max(uniformDouble(), 0x1p-60)
        let u2 = uniformDouble()
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// A normal draw with the given mean and standard deviation.
    public mutating func normal(mean: Float, standardDeviation: Float) -> Float {
        mean + standardDeviation * normal()
    }

    /// True with probability `p`.
    @inlinable public mutating func bernoulli(_ p: Float) -> Bool { uniform() < p }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func categorical(_ weights: [Float]) -> Int {
        let total = weights.reduce(0, +)
        requireArgument(total > 0, "SeededRNG.categorical: needs a positive total weight, got \(total)")
        var target = Float(uniformDouble()) * total
        for (i, w) in weights.enumerated() {
            target -= w
            if target < 0 { return i }
        }
        return weights.lastIndex { $0 > 0 }!
    }

    /// Shuffles `array` in place (Fisher-Yates).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, int(below: i + 1))
        }
    }

    /// A random permutation of `0..<count`.
    public mutating func permutation(_ count: Int) -> [Int] {
        requireArgument(count >= 0, "SeededRNG.permutation: needs a count >= 0, got \(count)")
        var p = Array(0..<count)
        shuffle(&p)
        return p
    }

    /// `k` distinct values from `0..<n` in random order (Floyd's algorithm for small `k`).
    public mutating func sample(_ k: Int, from n: Int) -> [Int] {
        requireArgument(k >= 0 && k <= n, "SeededRNG.sample: cannot draw \(k) distinct values from \(n)")
        if k * 4 > n {
            var p = permutation(n)
            p.removeLast(n - k)
            return p
        }
        var chosen = Set<Int>(minimumCapacity: k)
        var result: [Int] = []
        result.reserveCapacity(k)
        for j in (n - k)..<n {
            let t = int(below: j + 1)
            if chosen.insert(t).inserted { result.append(t) } else {
                chosen.insert(j)
                result.append(j)
            }
        }
        shuffle(&result)
        return result
    }

    public static func == (a: SeededRNG, b: SeededRNG) -> Bool {
        a.seed == b.seed && a.state == b.state
    }

    private enum CodingKeys: String, CodingKey { case seed, state }

    /// Encodes the seed and the full state, so a checkpoint restores the exact stream.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seed, forKey: .seed)
        try c.encode([state.0, state.1, state.2, state.3], forKey: .state)
    }

    /// Decodes a generator written by `encode(to:)`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seed = try c.decode(UInt64.self, forKey: .seed)
        let s = try c.decode([UInt64].self, forKey: .state)
        guard s.count == 4 else {
            throw DecodingError.dataCorruptedError(forKey: .state, in: c, debugDescription: "state needs 4 words")
        }
        state = (s[0], s[1], s[2], s[3])
    }
}

extension Tensor {
    /// A tensor of uniform draws in `[low, high)`.
    public static func uniform(_ shape: [Int], low: Float, high: Float, rng: inout SeededRNG) -> Tensor {
        var t = Tensor(uninitializedShape: shape, op: "Tensor.uniform")
        t.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = rng.uniform(low, high) } }
        return t
    }

    /// A tensor of normal draws.
    public static func normal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, rng: inout SeededRNG
    ) -> Tensor {
        var t = Tensor(uninitializedShape: shape, op: "Tensor.normal")
        t.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = rng.normal(mean: mean, standardDeviation: standardDeviation) }
        }
        return t
    }
}
