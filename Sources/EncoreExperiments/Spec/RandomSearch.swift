import EncoreModels

/// A model entry's seeded random search (`"search": {"kind": "random", ...}`, docs/spec.md):
/// `trials` points, each drawing every key of the space from its list or range.
///
/// The draws are a pure function of the seed, the space and the trial index: every machine and
/// every shard computes the same points (integer arithmetic on `SeededRNG` bits and
/// `SearchMath`'s logarithm and exponential, which use only IEEE-754 basic operations, so
/// no platform math library enters). A point that repeats an earlier trial's is drawn again,
/// so the trials are distinct; a trial's point never depends on how many trials follow it.
public struct RandomSearch: Sendable {
    /// The search kinds accepted in specs.
    public static let kinds = ["random"]

    /// The number of trials (runs per seed).
    public let trials: Int
    /// The seed of the draws (the spec's `seed`, else derived from the entry's label).
    public let seed: UInt64
    /// The keys drawn, in spec order.
    public let space: [SearchDimension]
    /// The drawn points: `trials` distinct points, each with every key of `space` in order.
    public let points: [[(key: String, value: JSONValue)]]

    /// How many times a trial may redraw a point earlier trials already have before the space
    /// counts as too small (a range so narrow that its doubles repeat).
    static let redrawLimit = 1000

    /// Draws the points of `trials` trials over `space` with `seed`; nil when the space cannot
    /// give that many distinct points (a list too short, a range so narrow its doubles repeat).
    /// - Precondition: `trials >= 1`, `space` non-empty.
    public init?(trials: Int, seed: UInt64, space: [SearchDimension]) {
        requireArgument(trials >= 1 && !space.isEmpty, "RandomSearch needs trials >= 1 and a non-empty space, got \(trials) trials, \(space.count) keys")
        self.trials = trials
        self.seed = seed
        self.space = space
        guard let points = Self.draw(trials: trials, seed: seed, space: space) else { return nil }
        self.points = points
    }

    /// The seed a search without one uses: derived from the entry's label, so entries draw
    /// different points and one entry's points do not change when other entries do.
    public static func defaultSeed(label: String) -> UInt64 { SeededRNG(seed: 0).derive("search/" + label).seed }

    /// The number of distinct points of the space when every key is a list or an integer range,
    /// saturated at `Int.max`; nil when a number range makes it unbounded.
    public static func distinctPoints(_ space: [SearchDimension]) -> Int? {
        var counts: [Int] = []
        for dimension in space {
            guard let count = dimension.distribution.count else { return nil }
            counts.append(count)
        }
        return MemoryEstimate.product(counts)
    }

    private static func draw(trials: Int, seed: UInt64, space: [SearchDimension]) -> [[(key: String, value: JSONValue)]]? {
        // A finite space nearly used up needs about `distinct` draws for its last trials.
        let limit = redrawLimit + 20 * min(distinctPoints(space) ?? 0, ExperimentSpec.maxRuns)
        let base = SeededRNG(seed: seed)
        var seen = Set<String>()
        var points: [[(key: String, value: JSONValue)]] = []
        for trial in 0..<trials {
            var attempt = 0
            while true {
                let point = space.map { dimension in
                    var rng = base.derive("trial \(trial)/draw \(attempt)/\(dimension.key)")
                    return (key: dimension.key, value: dimension.distribution.draw(&rng))
                }
                if seen.insert(JSONValue.object(point).canonicalText).inserted {
                    points.append(point)
                    break
                }
                attempt += 1
                if attempt > limit { return nil }
            }
        }
        return points
    }
}

/// One key of a random search's space and where its values come from.
public struct SearchDimension: Sendable {
    /// The config key.
    public let key: String
    /// Its values.
    public let distribution: SearchDistribution

    /// Creates a dimension.
    public init(key: String, distribution: SearchDistribution) {
        self.key = key
        self.distribution = distribution
    }
}

/// Where a searched key's values come from.
public enum SearchDistribution: Sendable, Equatable {
    /// One of the listed values, each equally likely (`"values": [...]`).
    case values([JSONValue])
    /// An integer uniform on `low...high`, both included (`"range"` on an integer key).
    case integerRange(low: Int, high: Int)
    /// An integer whose logarithm is uniform: `floor(x)` for `x` log-uniform on
    /// `[low, high + 1)`, so each integer k is drawn with probability proportional to
    /// `log((k + 1) / k)` (`"log_range"` on an integer key; `low >= 1`).
    case integerLogRange(low: Int, high: Int)
    /// A number uniform on `[low, high)` (`"range"` on a number key), kept to 6 significant
    /// digits (`kept`).
    case numberRange(low: Double, high: Double)
    /// A number whose logarithm is uniform on `[log(low), log(high))` (`"log_range"` on a
    /// number key; `low > 0`), kept to 6 significant digits (`kept`).
    case numberLogRange(low: Double, high: Double)

    /// The spec key that gives it: `values`, `range` or `log_range`.
    public var form: String {
        switch self {
        case .values: return "values"
        case .integerRange, .numberRange: return "range"
        case .integerLogRange, .numberLogRange: return "log_range"
        }
    }

    /// The range as written, `[low, high]`; nil for a list.
    var bounds: JSONValue? {
        switch self {
        case .values: return nil
        case .integerRange(let low, let high), .integerLogRange(let low, let high): return [.int(low), .int(high)]
        case .numberRange(let low, let high), .numberLogRange(let low, let high): return [.double(low), .double(high)]
        }
    }

    /// The number of distinct values, saturated at `Int.max`; nil for number ranges.
    public var count: Int? {
        switch self {
        case .values(let values): return values.count
        case .integerRange(let low, let high), .integerLogRange(let low, let high):
            let (span, overflow) = high.subtractingReportingOverflow(low)
            return overflow || span == .max ? .max : span + 1
        case .numberRange, .numberLogRange: return nil
        }
    }

    /// The values a check of the space should try besides the drawn ones: every listed value,
    /// and the smallest and largest value a range can give.
    public var extremes: [JSONValue] {
        switch self {
        case .values(let values): return values
        case .integerRange(let low, let high), .integerLogRange(let low, let high): return [.int(low), .int(high)]
        case .numberRange(let low, let high), .numberLogRange(let low, let high): return [.double(low), .double(Self.kept(high.nextDown, low: low, high: high))]
        }
    }

    /// One value drawn with `rng`.
    func draw(_ rng: inout SeededRNG) -> JSONValue {
        switch self {
        case .values(let values):
            return values[Int(Self.below(UInt64(values.count), &rng))]
        case .integerRange(let low, let high):
            let span = UInt64(bitPattern: Int64(high &- low))
            let offset = span == .max ? rng.next() : Self.below(span + 1, &rng)
            return .int(low &+ Int(truncatingIfNeeded: offset))
        case .integerLogRange(let low, let high):
            let x = Self.logUniform(Double(low), Double(high) + 1, &rng).rounded(.down)
            // Double(high) may round up past `high`; compare before converting.
            return .int(x >= Double(high) ? high : max(low, Int(x)))
        case .numberRange(let low, let high):
            return .double(Self.kept(low + Self.unit(&rng) * (high - low), low: low, high: high))
        case .numberLogRange(let low, let high):
            return .double(Self.kept(Self.logUniform(low, high, &rng), low: low, high: high))
        }
    }

    /// A drawn number as kept: rounded down to `SearchMath.significantDigits` significant
    /// digits (readable in records, and what a `Float` config holds), within `[low, high)`.
    static func kept(_ x: Double, low: Double, high: Double) -> Double {
        let rounded = max(SearchMath.roundedDown(x), low)
        return rounded < high ? rounded : max(low, SearchMath.roundedDown(high.nextDown))
    }

    /// A double uniform on `[0, 1)` from the top 53 bits of one draw.
    static func unit(_ rng: inout SeededRNG) -> Double { Double(rng.next() >> 11) * 0x1p-53 }

    /// An integer uniform on `0..<bound` (`bound >= 1`), without modulo bias (Lemire's method).
    static func below(_ bound: UInt64, _ rng: inout SeededRNG) -> UInt64 {
        var product = rng.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = rng.next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// `low · (high / low)^u` for `u` uniform on `[0, 1)`.
    static func logUniform(_ low: Double, _ high: Double, _ rng: inout SeededRNG) -> Double {
        let logLow = SearchMath.log(low)
        return SearchMath.exp(logLow + unit(&rng) * (SearchMath.log(high) - logLow))
    }
}
