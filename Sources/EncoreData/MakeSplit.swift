/// Splits `dataset` by `protocol`, drawing every random choice from `seed` (derived per purpose),
/// so the same data, protocol and seed give the same split byte for byte.
/// - Throws: `DataError.invalidSplit` for bad parameters or too little data, `.empty` when the
///   dataset has no interactions.
public func makeSplit(_ dataset: Dataset, protocol splitProtocol: SplitProtocol, seed: UInt64) throws -> Split {
    if let problem = splitProtocol.validationProblem { throw DataError.invalidSplit(reason: problem) }
    guard !dataset.interactions.isEmpty else { throw DataError.empty(what: "dataset '\(dataset.name)' has no interactions to split") }
    var rng = SeededRNG(seed: seed).derive("split/\(splitProtocol.typeName)")
    let n = dataset.interactions.count
    switch splitProtocol {
    case let .ratingHoldout(testFraction, validationFraction):
        var assignment = [UInt8](repeating: 0, count: n)
        let order = rng.permutation(n)
        let testCount = Int((testFraction * Double(n)).rounded())
        let validationCount = Int((validationFraction * Double(n - testCount)).rounded())
        for k in 0..<testCount { assignment[order[k]] = 2 }
        for k in testCount..<(testCount + validationCount) { assignment[order[k]] = 1 }
        return SplitBuilder(dataset: dataset).ratingSplit(assignment)
    case let .kFold(folds, fold, .ratings, validationFraction):
        var assignment = [UInt8](repeating: 0, count: n)
        let order = rng.permutation(n)
        var rest: [Int] = []
        rest.reserveCapacity(n)
        for (position, index) in order.enumerated() {
            if position % folds == fold { assignment[index] = 2 } else { rest.append(index) }
        }
        let validationCount = Int((validationFraction * Double(rest.count)).rounded())
        for k in 0..<validationCount { assignment[rest[k]] = 1 }
        return SplitBuilder(dataset: dataset).ratingSplit(assignment)
    case let .userHoldout(testFraction, validationFraction, order, minimum):
        let builder = SplitBuilder(dataset: dataset)
        var assignment = [UInt8](repeating: 0, count: n)
        for u in 0..<dataset.userCount {
            let indices = builder.userOrder(u, order: order, rng: &rng)
            let c = indices.count
            guard c >= minimum else { continue }
            var testCount = testFraction > 0 ? max(1, Int((testFraction * Double(c)).rounded())) : 0
            var validationCount = validationFraction > 0 ? max(1, Int((validationFraction * Double(c)).rounded())) : 0
            while testCount + validationCount > c - 1 {
                if validationCount > 1 || (validationCount == 1 && testCount <= 1) { validationCount -= 1 } else { testCount -= 1 }
            }
            // The held-out interactions are the last of `indices` (the latest for time order).
            for k in (c - testCount)..<c { assignment[indices[k]] = 2 }
            for k in (c - testCount - validationCount)..<(c - testCount) { assignment[indices[k]] = 1 }
        }
        return builder.rankingSplit(assignment)
    case let .leaveOneOut(order):
        let builder = SplitBuilder(dataset: dataset)
        var assignment = [UInt8](repeating: 0, count: n)
        for u in 0..<dataset.userCount {
            let indices = builder.userOrder(u, order: order, rng: &rng)
            guard indices.count >= 3 else { continue }
            assignment[indices[indices.count - 1]] = 2
            assignment[indices[indices.count - 2]] = 1
        }
        return builder.rankingSplit(assignment)
    case let .strongGeneralization(heldOut, foldInFraction, foldInOrder):
        // `heldOut <= (userCount - 1) / 2` is `2 heldOut < userCount` without overflowing.
        guard heldOut <= (dataset.userCount - 1) / 2 else {
            throw DataError.invalidSplit(reason: "strong generalization needs more than 2 x \(heldOut) users, the dataset has \(dataset.userCount)")
        }
        var userRNG = rng.derive("users")
        let order = userRNG.permutation(dataset.userCount)
        var foldRNG = rng.derive("fold-in")
        return try SplitBuilder(dataset: dataset).heldOutSplit(
            test: Array(order[0..<heldOut]), validation: Array(order[heldOut..<(2 * heldOut)]),
            foldInFraction: foldInFraction, foldInOrder: foldInOrder, rng: &foldRNG)
    case let .kFold(folds, fold, .users, _):
        guard dataset.userCount >= folds else {
            throw DataError.invalidSplit(reason: "\(folds) folds of users need at least \(folds) users, the dataset has \(dataset.userCount)")
        }
        var userRNG = rng.derive("users")
        let order = userRNG.permutation(dataset.userCount)
        var test: [Int] = [], validation: [Int] = []
        for (position, u) in order.enumerated() {
            if position % folds == fold { test.append(u) } else if position % folds == (fold + 1) % folds { validation.append(u) }
        }
        var foldRNG = rng.derive("fold-in")
        return try SplitBuilder(dataset: dataset).heldOutSplit(
            test: test, validation: validation, foldInFraction: 0.8, foldInOrder: .random, rng: &foldRNG)
    }
}
