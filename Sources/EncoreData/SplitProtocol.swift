/// How to split a dataset into train, validation and test (DESIGN.md section 4).
///
/// JSON form: `{"type": "rating-holdout", "testFraction": 0.1, "validationFraction": 0.1}`;
/// keys per type are listed on each case; missing keys take the defaults shown.
public enum SplitProtocol: Sendable, Equatable, Codable {
    /// Which interactions of a user are held out.
    public enum Order: String, Sendable, Codable, Equatable {
        /// Uniformly at random.
        case random
        /// The latest by timestamp (ties broken by file order).
        case time
    }

    /// What k-fold folds are made of.
    public enum FoldUnit: String, Sendable, Codable, Equatable {
        /// Folds of ratings (evaluated as rating pairs).
        case ratings
        /// Folds of users (held out entirely, evaluated by fold-in and targets).
        case users
    }

    /// A random `testFraction` of all ratings is test; `validationFraction` of the rest is
    /// validation. Keys: testFraction (0.1), validationFraction (0.1).
    case ratingHoldout(testFraction: Double = 0.1, validationFraction: Double = 0.1)
    /// Per user, `testFraction` of its interactions is test and `validationFraction` validation
    /// (at least one each); users with fewer than `minInteractions` stay in train only.
    /// Keys: testFraction (0.2), validationFraction (0.1), order ("random"), minInteractions (3).
    case userHoldout(testFraction: Double = 0.2, validationFraction: Double = 0.1, order: Order = .random, minInteractions: Int = 3)
    /// Per user, the last (or a random) interaction is test and the one before validation; users
    /// with fewer than 3 interactions stay in train only. Keys: order ("time").
    case leaveOneOut(order: Order = .time)
    /// `heldOutUsers` validation users and `heldOutUsers` test users are held out entirely;
    /// their items are restricted to items seen in training and split into fold-in
    /// (`foldInFraction`) and targets: at random, or by time (`foldInOrder` `time`: the earliest
    /// interactions are the fold-in, the latest the targets). Keys: heldOutUsers (required),
    /// foldInFraction (0.8), foldInOrder ("random").
    case strongGeneralization(heldOutUsers: Int, foldInFraction: Double = 0.8, foldInOrder: Order = .random)
    /// Fold `fold` of `folds` is test. Over ratings: a random `validationFraction` of the rest is
    /// validation. Over users: the next fold's users are validation, both evaluated like strong
    /// generalization (fold-in fraction 0.8). Keys: folds (5), fold (0), over ("ratings"),
    /// validationFraction (0.1).
    case kFold(folds: Int = 5, fold: Int = 0, over: FoldUnit = .ratings, validationFraction: Double = 0.1)

    /// The `type` string of the JSON form.
    public var typeName: String {
        switch self {
        case .ratingHoldout: return "rating-holdout"
        case .userHoldout: return "user-holdout"
        case .leaveOneOut: return "leave-one-out"
        case .strongGeneralization: return "strong-generalization"
        case .kFold: return "k-fold"
        }
    }

    /// Whether the protocol evaluates rating pairs (true) or rankings (false).
    public var evaluatesRatings: Bool {
        switch self {
        case .ratingHoldout: return true
        case let .kFold(_, _, over, _): return over == .ratings
        default: return false
        }
    }

    private enum Key: String, CodingKey, CaseIterable {
        case type, testFraction, validationFraction, order, minInteractions, heldOutUsers, foldInFraction, foldInOrder, folds, fold, over
    }

    /// Decodes the JSON form; unknown keys and out-of-range values are errors naming the key.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let type = try c.decode(String.self, forKey: .type)
        let allowed: [Key]
        switch type {
        case "rating-holdout":
            allowed = [.testFraction, .validationFraction]
            self = .ratingHoldout(testFraction: try c.decodeIfPresent(Double.self, forKey: .testFraction) ?? 0.1,
                                  validationFraction: try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? 0.1)
        case "user-holdout":
            allowed = [.testFraction, .validationFraction, .order, .minInteractions]
            self = .userHoldout(testFraction: try c.decodeIfPresent(Double.self, forKey: .testFraction) ?? 0.2,
                                validationFraction: try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? 0.1,
                                order: try c.decodeIfPresent(Order.self, forKey: .order) ?? .random,
                                minInteractions: try c.decodeIfPresent(Int.self, forKey: .minInteractions) ?? 3)
        case "leave-one-out":
            allowed = [.order]
            self = .leaveOneOut(order: try c.decodeIfPresent(Order.self, forKey: .order) ?? .time)
        case "strong-generalization":
            allowed = [.heldOutUsers, .foldInFraction, .foldInOrder]
            self = .strongGeneralization(heldOutUsers: try c.decode(Int.self, forKey: .heldOutUsers),
                                         foldInFraction: try c.decodeIfPresent(Double.self, forKey: .foldInFraction) ?? 0.8,
                                         foldInOrder: try c.decodeIfPresent(Order.self, forKey: .foldInOrder) ?? .random)
        case "k-fold":
            allowed = [.folds, .fold, .over, .validationFraction]
            self = .kFold(folds: try c.decodeIfPresent(Int.self, forKey: .folds) ?? 5,
                          fold: try c.decodeIfPresent(Int.self, forKey: .fold) ?? 0,
                          over: try c.decodeIfPresent(FoldUnit.self, forKey: .over) ?? .ratings,
                          validationFraction: try c.decodeIfPresent(Double.self, forKey: .validationFraction) ?? 0.1)
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription:
                "unknown split type '\(type)'; expected rating-holdout, user-holdout, leave-one-out, strong-generalization or k-fold")
        }
        for key in c.allKeys where key != .type && !allowed.contains(key) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
                "key '\(key.rawValue)' does not apply to split type '\(type)'; allowed: \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        if let problem = validationProblem {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: problem)
        }
    }

    /// Encodes the JSON form with every key written.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case let .ratingHoldout(t, v):
            try c.encode(t, forKey: .testFraction); try c.encode(v, forKey: .validationFraction)
        case let .userHoldout(t, v, order, minimum):
            try c.encode(t, forKey: .testFraction); try c.encode(v, forKey: .validationFraction)
            try c.encode(order, forKey: .order); try c.encode(minimum, forKey: .minInteractions)
        case let .leaveOneOut(order):
            try c.encode(order, forKey: .order)
        case let .strongGeneralization(n, f, order):
            try c.encode(n, forKey: .heldOutUsers); try c.encode(f, forKey: .foldInFraction)
            try c.encode(order, forKey: .foldInOrder)
        case let .kFold(folds, fold, over, v):
            try c.encode(folds, forKey: .folds); try c.encode(fold, forKey: .fold)
            try c.encode(over, forKey: .over); try c.encode(v, forKey: .validationFraction)
        }
    }

    /// Why the parameters are invalid, or nil.
    public var validationProblem: String? {
        func fraction(_ x: Double, _ name: String) -> String? {
            (x >= 0 && x < 1) ? nil : "\(name) must be in [0, 1), got \(x)"
        }
        switch self {
        case let .ratingHoldout(t, v):
            return fraction(t, "testFraction") ?? fraction(v, "validationFraction")
        case let .userHoldout(t, v, _, minimum):
            if t + v >= 1 { return "testFraction + validationFraction must be below 1, got \(t + v)" }
            return fraction(t, "testFraction") ?? fraction(v, "validationFraction") ?? (minimum >= 3 ? nil : "minInteractions must be at least 3, got \(minimum)")
        case .leaveOneOut:
            return nil
        case let .strongGeneralization(n, f, _):
            if n < 1 { return "heldOutUsers must be at least 1, got \(n)" }
            return (f > 0 && f < 1) ? nil : "foldInFraction must be in (0, 1), got \(f)"
        case let .kFold(folds, fold, over, v):
            if folds < (over == .users ? 3 : 2) { return "folds must be at least \(over == .users ? 3 : 2) for k-fold over \(over.rawValue), got \(folds)" }
            if fold < 0 || fold >= folds { return "fold must be in 0..<\(folds), got \(fold)" }
            return fraction(v, "validationFraction")
        }
    }
}
