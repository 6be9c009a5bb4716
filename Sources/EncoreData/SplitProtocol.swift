/// How to split a dataset into train, validation and test.
///
/// JSON form, the same as a spec's `protocol` object: `{"kind": "rating-holdout",
/// "test_fraction": 0.1, "validation_fraction": 0.1}`; keys per kind are listed on each case;
/// missing keys take the defaults shown. The older command-line form (`"type"` and camelCase
/// keys, `{"type": "strong-generalization", "heldOutUsers": 600}`) is still read; it is
/// deprecated, and a key given in both forms is an error.
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
    /// validation. Keys: test_fraction (0.1), validation_fraction (0.1).
    case ratingHoldout(testFraction: Double = 0.1, validationFraction: Double = 0.1)
    /// Per user, `testFraction` of its interactions is test and `validationFraction` validation
    /// (at least one each); users with fewer than `minInteractions` stay in train only.
    /// Keys: test_fraction (0.2), validation_fraction (0.1), order ("random"), min_interactions (3).
    case userHoldout(testFraction: Double = 0.2, validationFraction: Double = 0.1, order: Order = .random, minInteractions: Int = 3)
    /// Per user, the last (or a random) interaction is test and the one before validation; users
    /// with fewer than 3 interactions stay in train only. Keys: order ("time").
    case leaveOneOut(order: Order = .time)
    /// `heldOutUsers` validation users and `heldOutUsers` test users are held out entirely;
    /// their items are restricted to items seen in training and split into fold-in
    /// (`foldInFraction`) and targets: at random, or by time (`foldInOrder` `time`: the earliest
    /// interactions are the fold-in, the latest the targets). Keys: held_out_users (required),
    /// fold_in_fraction (0.8), fold_in_order ("random").
    case strongGeneralization(heldOutUsers: Int, foldInFraction: Double = 0.8, foldInOrder: Order = .random)
    /// Fold `fold` of `folds` is test. Over ratings: a random `validationFraction` of the rest is
    /// validation. Over users: the next fold's users are validation, both evaluated like strong
    /// generalization (fold-in fraction 0.8). Keys: folds (5), fold (0), over ("ratings"),
    /// validation_fraction (0.1).
    case kFold(folds: Int = 5, fold: Int = 0, over: FoldUnit = .ratings, validationFraction: Double = 0.1)

    /// The `kind` string of the JSON form.
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
        case kind, testFraction = "test_fraction", validationFraction = "validation_fraction", order
        case minInteractions = "min_interactions", heldOutUsers = "held_out_users", foldInFraction = "fold_in_fraction"
        case foldInOrder = "fold_in_order", folds, fold, over

        /// The deprecated command-line spelling (`type`, camelCase), still read.
        var legacyName: String {
            switch self {
            case .kind: return "type"
            case .testFraction: return "testFraction"
            case .validationFraction: return "validationFraction"
            case .minInteractions: return "minInteractions"
            case .heldOutUsers: return "heldOutUsers"
            case .foldInFraction: return "foldInFraction"
            case .foldInOrder: return "foldInOrder"
            case .order, .folds, .fold, .over: return rawValue
            }
        }
    }

    /// A key as written in the JSON, either spelling.
    private struct WrittenKey: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Decodes the JSON form (either spelling); unknown keys and out-of-range values are errors
    /// naming the key.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: WrittenKey.self)
        // Each written key resolved to its key, in either spelling.
        var written: [Key: WrittenKey] = [:]
        for key in c.allKeys {
            guard let resolved = Key(rawValue: key.stringValue) ?? Key.allCases.first(where: { $0.legacyName == key.stringValue }) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
                    "unknown split key '\(key.stringValue)'; keys: \(Key.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if written[resolved] != nil {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription:
                    "split key '\(resolved.rawValue)' is given twice ('\(resolved.legacyName)' is its older spelling)")
            }
            written[resolved] = key
        }
        func value<T: Decodable>(_ key: Key, _ type: T.Type) throws -> T? {
            guard let spelled = written[key] else { return nil }
            return try c.decode(T.self, forKey: spelled)
        }
        guard let kind = try value(.kind, String.self) else {
            throw DecodingError.keyNotFound(WrittenKey(stringValue: "kind"), .init(
                codingPath: c.codingPath, debugDescription: "a split needs \"kind\" (rating-holdout, user-holdout, leave-one-out, strong-generalization or k-fold)"))
        }
        let allowed: [Key]
        switch kind {
        case "rating-holdout":
            allowed = [.testFraction, .validationFraction]
            self = .ratingHoldout(testFraction: try value(.testFraction, Double.self) ?? 0.1,
                                  validationFraction: try value(.validationFraction, Double.self) ?? 0.1)
        case "user-holdout":
            allowed = [.testFraction, .validationFraction, .order, .minInteractions]
            self = .userHoldout(testFraction: try value(.testFraction, Double.self) ?? 0.2,
                                validationFraction: try value(.validationFraction, Double.self) ?? 0.1,
                                order: try value(.order, Order.self) ?? .random,
                                minInteractions: try value(.minInteractions, Int.self) ?? 3)
        case "leave-one-out":
            allowed = [.order]
            self = .leaveOneOut(order: try value(.order, Order.self) ?? .time)
        case "strong-generalization":
            allowed = [.heldOutUsers, .foldInFraction, .foldInOrder]
            guard let heldOut = try value(.heldOutUsers, Int.self) else {
                throw DecodingError.keyNotFound(WrittenKey(stringValue: "held_out_users"), .init(
                    codingPath: c.codingPath, debugDescription: "strong-generalization needs held_out_users"))
            }
            self = .strongGeneralization(heldOutUsers: heldOut,
                                         foldInFraction: try value(.foldInFraction, Double.self) ?? 0.8,
                                         foldInOrder: try value(.foldInOrder, Order.self) ?? .random)
        case "k-fold":
            allowed = [.folds, .fold, .over, .validationFraction]
            self = .kFold(folds: try value(.folds, Int.self) ?? 5,
                          fold: try value(.fold, Int.self) ?? 0,
                          over: try value(.over, FoldUnit.self) ?? .ratings,
                          validationFraction: try value(.validationFraction, Double.self) ?? 0.1)
        default:
            throw DecodingError.dataCorruptedError(forKey: written[.kind]!, in: c, debugDescription:
                "unknown split kind '\(kind)'; expected rating-holdout, user-holdout, leave-one-out, strong-generalization or k-fold")
        }
        for (key, spelled) in written where key != .kind && !allowed.contains(key) {
            throw DecodingError.dataCorruptedError(forKey: spelled, in: c, debugDescription:
                "key '\(key.rawValue)' does not apply to split kind '\(kind)'; allowed: \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        if let problem = validationProblem {
            throw DecodingError.dataCorruptedError(forKey: written[.kind]!, in: c, debugDescription: problem)
        }
    }

    /// Encodes the JSON form (`kind`, snake_case keys) with every key written.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(typeName, forKey: .kind)
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
            return fraction(t, "test_fraction") ?? fraction(v, "validation_fraction")
        case let .userHoldout(t, v, _, minimum):
            if t + v >= 1 { return "test_fraction + validation_fraction must be below 1, got \(t + v)" }
            return fraction(t, "test_fraction") ?? fraction(v, "validation_fraction") ?? (minimum >= 3 ? nil : "min_interactions must be at least 3, got \(minimum)")
        case .leaveOneOut:
            return nil
        case let .strongGeneralization(n, f, _):
            if n < 1 { return "held_out_users must be at least 1, got \(n)" }
            return (f > 0 && f < 1) ? nil : "fold_in_fraction must be in (0, 1), got \(f)"
        case let .kFold(folds, fold, over, v):
            if folds < (over == .users ? 3 : 2) { return "folds must be at least \(over == .users ? 3 : 2) for k-fold over \(over.rawValue), got \(folds)" }
            if fold < 0 || fold >= folds { return "fold must be in 0..<\(folds), got \(fold)" }
            return fraction(v, "validation_fraction")
        }
    }
}
