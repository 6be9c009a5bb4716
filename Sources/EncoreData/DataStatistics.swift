import Foundation

/// Summary statistics of a dataset, as `encore data info` prints them.
public struct DataStatistics: Sendable, Equatable, Codable {
    /// Number of users.
    public var users: Int
    /// Number of items.
    public var items: Int
    /// Number of interactions.
    public var interactions: Int
    /// interactions / (users x items).
    public var density: Double
    /// Whether the data is implicit.
    public var implicit: Bool
    /// (rating, count) pairs in increasing rating order.
    public var ratingHistogram: [RatingCount]
    /// Interactions per user at the quantiles of `quantileLevels`.
    public var interactionsPerUser: [Int]
    /// Interactions per item at the quantiles of `quantileLevels`.
    public var interactionsPerItem: [Int]
    /// The quantile levels: min, 10%, 25%, median, 75%, 90%, max.
    public var quantileLevels: [Double]

    /// One bar of the rating histogram.
    public struct RatingCount: Sendable, Equatable, Codable {
        /// The rating value.
        public var rating: Float
        /// How many interactions have it.
        public var count: Int
    }

    /// Computes the statistics of `dataset`.
    public init(_ dataset: Dataset) {
        users = dataset.userCount
        items = dataset.itemCount
        interactions = dataset.interactions.count
        density = dataset.density
        implicit = dataset.isImplicit
        var histogram: [Float: Int] = [:]
        for x in dataset.interactions { histogram[x.rating, default: 0] += 1 }
        ratingHistogram = histogram.keys.sorted().map { RatingCount(rating: $0, count: histogram[$0]!) }
        let levels = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
        quantileLevels = levels
        func quantiles(_ counts: [Int]) -> [Int] {
            let sorted = counts.sorted()
            guard !sorted.isEmpty else { return levels.map { _ in 0 } }
            return levels.map { sorted[Int(($0 * Double(sorted.count - 1)).rounded())] }
        }
        interactionsPerUser = quantiles(dataset.interactionsPerUser())
        interactionsPerItem = quantiles(dataset.interactionsPerItem())
    }

    /// A human-readable block of lines.
    public var summary: String {
        var text = "users \(users), items \(items), interactions \(interactions), density \(String(format: "%.5f", density))"
        text += implicit ? " (implicit)\n" : "\n"
        if !implicit { text += "ratings: " + ratingHistogram.map { "\($0.rating): \($0.count)" }.joined(separator: ", ") + "\n" }
        let names = quantileLevels.map { $0 == 0 ? "min" : $0 == 1 ? "max" : "p\(Int($0 * 100))" }
        text += "per user: " + zip(names, interactionsPerUser).map { "\($0) \($1)" }.joined(separator: ", ") + "\n"
        text += "per item: " + zip(names, interactionsPerItem).map { "\($0) \($1)" }.joined(separator: ", ")
        return text
    }
}
