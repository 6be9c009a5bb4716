/// The sizes of the data a model is built for: what its allocations scale with.
///
/// Before the data is loaded, `smallest` stands in (every estimate for it is a lower bound, so a
/// config refused there is refused for any data); after loading, the dataset's own counts
/// (users bound the training rows of every split).
public struct DataDimensions: Sendable, Equatable, CustomStringConvertible {
    /// Users (an upper bound on the rows of the training matrix).
    public var users: Int
    /// Items (columns of every interaction matrix).
    public var items: Int
    /// Interactions (an upper bound on the stored entries of the training matrix).
    public var interactions: Int

    /// Creates dimensions.
    public init(users: Int, items: Int, interactions: Int) {
        self.users = users
        self.items = items
        self.interactions = interactions
    }

    /// One user, one item, one interaction: the smallest data a spec can describe.
    public static let smallest = DataDimensions(users: 1, items: 1, interactions: 1)

    /// `943 users x 1682 items, 100000 interactions`.
    public var description: String { "\(users) users x \(items) items, \(interactions) interactions" }
}

/// What a model allocates, part by part, in bytes, for one config and data size.
///
/// Sizes are products of config values and data dimensions, so every product and sum saturates
/// at `Int.max` instead of overflowing: an estimate of `Int.max` bytes means "does not fit in
/// 64 bits" and is over every limit.
///
/// ```swift
/// var estimate = MemoryEstimate()
/// estimate.add("encoder weight [items, hidden_size]", floats: [items, hidden], key: "hidden_size")
/// print(estimate.bytes, MemoryEstimate.format(estimate.bytes))
/// ```
public struct MemoryEstimate: Sendable, Equatable, CustomStringConvertible {
    /// One allocation (or group of allocations of the same size).
    public struct Part: Sendable, Equatable {
        /// What it is, with its shape in config and data terms (`decoder weight [items, hidden_size]`).
        public var name: String
        /// Its size in bytes (saturated at `Int.max`).
        public var bytes: Int
        /// The snake_case config key that sizes it, if one does (the key a user would change);
        /// nil when only the data sizes it.
        public var key: String?

        /// Creates a part.
        public init(name: String, bytes: Int, key: String?) {
            self.name = name
            self.bytes = bytes
            self.key = key
        }
    }

    /// The parts, in the order added.
    public private(set) var parts: [Part]

    /// An estimate with the given parts (none by default: the model allocates nothing that
    /// scales with its config or the data).
    public init(_ parts: [Part] = []) { self.parts = parts }

    /// Adds a part of `bytes` bytes.
    public mutating func add(_ name: String, bytes: Int, key: String? = nil) {
        parts.append(Part(name: name, bytes: max(0, bytes), key: key))
    }

    /// Adds a part of `Float` (or `Int32`) scalars: the product of `factors` times 4 bytes.
    public mutating func add(_ name: String, floats factors: [Int], key: String? = nil) {
        add(name, bytes: Self.product(factors + [MemoryLayout<Float>.size]), key: key)
    }

    /// Appends every part of `other`.
    public mutating func add(_ other: MemoryEstimate) { parts += other.parts }

    /// The total in bytes (saturated at `Int.max`).
    public var bytes: Int { Self.sum(parts.map(\.bytes)) }

    /// The largest part, nil without parts.
    public var largest: Part? { parts.max { $0.bytes < $1.bytes } }

    /// The config key whose parts add up to the most bytes (the key to name in a message); nil
    /// when the parts sized by the data alone add up to more.
    public var dominantKey: String? {
        var totals: [(key: String?, bytes: Int)] = []
        for part in parts {
            if let slot = totals.firstIndex(where: { $0.key == part.key }) {
                totals[slot].bytes = Self.sum([totals[slot].bytes, part.bytes])
            } else {
                totals.append((part.key, part.bytes))
            }
        }
        // Of equal totals, the key added first wins.
        var best: (key: String?, bytes: Int)?
        for total in totals where total.bytes > best?.bytes ?? -1 { best = total }
        return best?.key ?? nil
    }

    /// `12.0 GiB: encoder weight [items, hidden_size] 6.0 GiB, ...` (the three largest parts).
    public var description: String {
        let top = parts.sorted { $0.bytes > $1.bytes }.prefix(3).map { "\($0.name) \(Self.format($0.bytes))" }
        return Self.format(bytes) + (top.isEmpty ? "" : ": " + top.joined(separator: ", ") + (parts.count > 3 ? ", ..." : ""))
    }

    /// The product of `factors`, `Int.max` when it overflows; negative factors count as 0.
    public static func product(_ factors: [Int]) -> Int {
        var result = 1
        for factor in factors {
            guard factor > 0 else { return 0 }
            let (value, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return saturated(factors) }
            result = value
        }
        return result
    }

    /// The sum of `terms`, `Int.max` when it overflows; negative terms count as 0.
    public static func sum(_ terms: [Int]) -> Int {
        var result = 0
        for term in terms where term > 0 {
            let (value, overflow) = result.addingReportingOverflow(term)
            if overflow { return .max }
            result = value
        }
        return result
    }

    /// Bytes with a binary unit and three significant figures: `512 B`, `1.50 KiB`, `17.2 GiB`;
    /// `Int.max` reads "more than 8 EiB".
    public static func format(_ bytes: Int) -> String {
        if bytes == .max { return "more than 8 EiB" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(max(0, bytes))
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let digits = value >= 100 ? 0 : value >= 10 ? 1 : 2
        return String(format: "%.\(digits)f %@", value, units[unit])
    }

    /// The guard of the models whose dense `[items, items]` matrices a config's
    /// `memory_limit_mb` bounds (EASE, ItemKNN): checked when the model is created, before
    /// anything is allocated.
    /// - Throws: `ModelError.memoryLimit` when `needed` bytes exceed `limitMb` MiB.
    public static func requireWithinLimit(needed: Int, limitMb: Int, what: String) throws {
        let limit = product([limitMb, 1_048_576])
        guard needed <= limit else { throw ModelError.memoryLimit(needed: needed, limit: limit, what: what) }
    }

    /// A product that overflowed is `Int.max`, unless another factor is 0.
    private static func saturated(_ factors: [Int]) -> Int { factors.contains { $0 <= 0 } ? 0 : .max }
}

extension MemoryEstimate {
    /// The training state of `parameters` trainable scalars in the shared loop
    /// (`GradientTrainer`): the values, their gradients, the optimizer's slots
    /// (`OptimizerName.stateSlots`), the best-epoch copy, and a checkpoint archive holding the
    /// values, the best copy and the slots.
    /// - Parameters:
    ///   - parameters: trainable scalars (saturated products are fine).
    ///   - optimizer: the config's optimizer name.
    ///   - key: the config key that sizes the parameters most.
    public static func gradientTraining(parameters: Int, optimizer: OptimizerName, key: String?) -> MemoryEstimate {
        let slots = optimizer.stateSlots
        var estimate = MemoryEstimate()
        estimate.add("parameters", floats: [parameters], key: key)
        estimate.add("gradients", floats: [parameters], key: key)
        if slots > 0 { estimate.add("optimizer state (\(slots) per parameter)", floats: [slots, parameters], key: key) }
        estimate.add("best-epoch weights", floats: [parameters], key: key)
        estimate.add("checkpoint archive", floats: [2 + slots, parameters], key: key)
        return estimate
    }

    /// The trainable scalars of a chain of dense layers with biases through `widths`
    /// (`widths[k] x widths[k+1]` weights plus `widths[k+1]` biases per layer), saturated.
    public static func denseParameters(_ widths: [Int]) -> Int {
        sum(zip(widths, widths.dropFirst()).map { sum([product([$0, $1]), $1]) })
    }
}
