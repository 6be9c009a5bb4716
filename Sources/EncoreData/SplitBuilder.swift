/// Builds the matrices of a split from an assignment of interactions or users.
struct SplitBuilder {
    let dataset: Dataset
    /// Interaction indices grouped by user, in source order: user `u` owns
    /// `byUser[userStart[u]..<userStart[u + 1]]`.
    let userStart: [Int]
    let byUser: [Int]

    init(dataset: Dataset) {
        self.dataset = dataset
        var start = [Int](repeating: 0, count: dataset.userCount + 1)
        for x in dataset.interactions { start[Int(x.user) + 1] += 1 }
        for u in 0..<dataset.userCount { start[u + 1] += start[u] }
        var next = start
        var grouped = [Int](repeating: 0, count: dataset.interactions.count)
        for (i, x) in dataset.interactions.enumerated() {
            grouped[next[Int(x.user)]] = i
            next[Int(x.user)] += 1
        }
        userStart = start
        byUser = grouped
    }

    /// The interactions of user `u`: shuffled, or by time with the latest last.
    func userOrder(_ u: Int, order: SplitProtocol.Order, rng: inout SeededRNG) -> [Int] {
        var indices = Array(byUser[userStart[u]..<userStart[u + 1]])
        switch order {
        case .random: rng.shuffle(&indices)
        case .time:
            let xs = dataset.interactions
            indices.sort { xs[$0].timestamp != xs[$1].timestamp ? xs[$0].timestamp < xs[$1].timestamp : $0 < $1 }
        }
        return indices
    }

    /// The `[userCount, items]` matrix of interactions whose assignment is in `parts`.
    func matrix(_ assignment: [UInt8], parts: Set<UInt8>) -> SparseMatrix {
        var builder = CSRBuilder(rows: dataset.userCount, cols: dataset.itemCount)
        for (i, x) in dataset.interactions.enumerated() where parts.contains(assignment[i]) {
            builder.append(row: x.user, col: x.item, value: x.rating)
        }
        return builder.build()
    }

    /// Rating protocols: 0 train, 1 validation, 2 test; pairs in source order.
    func ratingSplit(_ assignment: [UInt8]) -> Split {
        func pairs(_ part: UInt8) -> RatingPairs {
            var p = RatingPairs(users: [], items: [], ratings: [])
            for (i, x) in dataset.interactions.enumerated() where assignment[i] == part {
                p.users.append(x.user); p.items.append(x.item); p.ratings.append(x.rating)
            }
            return p
        }
        let training = TrainingData(
            train: matrix(assignment, parts: [0]), trainUsers: Array(0..<dataset.userCount),
            validation: .ratings(pairs(1)), ratingRange: dataset.isImplicit ? nil : dataset.ratingRange,
            itemCount: dataset.itemCount)
        return Split(trainingData: training, test: .ratings(pairs(2)))
    }

    /// Weak-generalization ranking: validation scored from train, test from train + validation.
    func rankingSplit(_ assignment: [UInt8]) -> Split {
        let train = matrix(assignment, parts: [0])
        let seen = matrix(assignment, parts: [0, 1])
        func targets(_ part: UInt8, history: SparseMatrix) -> RankingTargets {
            let held = matrix(assignment, parts: [part])
            let users = (0..<dataset.userCount).filter { held.count(ofRow: $0) > 0 }
            return RankingTargets(history: history.gatherRows(users), targets: held.gatherRows(users),
                                  users: users, trainingRows: users)
        }
        let training = TrainingData(
            train: train, trainUsers: Array(0..<dataset.userCount),
            validation: .ranking(targets(1, history: train)),
            ratingRange: dataset.isImplicit ? nil : dataset.ratingRange, itemCount: dataset.itemCount)
        return Split(trainingData: training, test: .ranking(targets(2, history: seen)))
    }

    /// The items of user `u` in time order (equal timestamps keep file order), keeping only
    /// those `include` accepts.
    func timeOrderedItems(_ u: Int, where include: (Int32) -> Bool = { _ in true }) -> [Int32] {
        var unused = SeededRNG(seed: 0)
        return userOrder(u, order: .time, rng: &unused).map { dataset.interactions[$0].item }.filter(include)
    }

    /// Strong generalization: `test` and `validation` users leave training entirely; each one's
    /// items seen in training are split into fold-in and targets, at random or by time (the
    /// earliest `foldInFraction` are the fold-in). Users with fewer than two such items cannot
    /// be evaluated and are dropped from the evaluation rows. Train rows and fold-in histories
    /// carry their time order (`InteractionSequences`).
    func heldOutSplit(
        test: [Int], validation: [Int], foldInFraction: Double, foldInOrder: SplitProtocol.Order, rng: inout SeededRNG
    ) throws -> Split {
        var heldOut = [Bool](repeating: false, count: dataset.userCount)
        for u in test { heldOut[u] = true }
        for u in validation { heldOut[u] = true }
        let trainUsers = (0..<dataset.userCount).filter { !heldOut[$0] }
        let full = dataset.matrix()
        let train = full.gatherRows(trainUsers)
        guard train.nonzeroCount > 0 else { throw DataError.invalidSplit(reason: "no training interactions left after holding out users") }
        var seenItem = [Bool](repeating: false, count: dataset.itemCount)
        for c in train.columnIndices { seenItem[Int(c)] = true }
        let trainSequences = InteractionSequences(trainUsers.map { timeOrderedItems($0) })
        func evaluation(_ users: [Int], rng: inout SeededRNG) -> RankingTargets {
            var history = CSRBuilder(rows: 0, cols: dataset.itemCount)
            var targets = CSRBuilder(rows: 0, cols: dataset.itemCount)
            var kept: [Int] = [], sequences: [[Int32]] = []
            var inFoldIn = [Bool](repeating: false, count: dataset.itemCount)
            for u in users.sorted() {
                var entries: [(Int32, Float)] = []
                switch foldInOrder {
                case .random:
                    for e in full.rowPointers[u]..<full.rowPointers[u + 1] where seenItem[Int(full.columnIndices[e])] {
                        entries.append((full.columnIndices[e], full.values[e]))
                    }
                case .time:
                    var unused = SeededRNG(seed: 0)
                    for i in userOrder(u, order: .time, rng: &unused) where seenItem[Int(dataset.interactions[i].item)] {
                        entries.append((dataset.interactions[i].item, dataset.interactions[i].rating))
                    }
                }
                guard entries.count >= 2 else { continue }
                if foldInOrder == .random { rng.shuffle(&entries) }
                let foldIn = min(entries.count - 1, max(1, Int((foldInFraction * Double(entries.count)).rounded())))
                let row = Int32(kept.count)
                for (k, entry) in entries.enumerated() {
                    if k < foldIn { history.append(row: row, col: entry.0, value: entry.1) } else { targets.append(row: row, col: entry.0, value: entry.1) }
                }
                for entry in entries[..<foldIn] { inFoldIn[Int(entry.0)] = true }
                sequences.append(foldInOrder == .time ? entries[..<foldIn].map(\.0) : timeOrderedItems(u) { inFoldIn[Int($0)] })
                for entry in entries[..<foldIn] { inFoldIn[Int(entry.0)] = false }
                kept.append(u)
            }
            let h = CSRBuilder(rows: kept.count, cols: dataset.itemCount, rowIndex: history.rowIndex, colIndex: history.colIndex, values: history.values)
            let t = CSRBuilder(rows: kept.count, cols: dataset.itemCount, rowIndex: targets.rowIndex, colIndex: targets.colIndex, values: targets.values)
            return RankingTargets(history: h.build(), targets: t.build(), users: kept,
                                  trainingRows: Array(repeating: -1, count: kept.count),
                                  historySequences: InteractionSequences(sequences))
        }
        var validationRNG = rng.derive("validation"), testRNG = rng.derive("test")
        let training = TrainingData(
            train: train, trainUsers: trainUsers, validation: .ranking(evaluation(validation, rng: &validationRNG)),
            ratingRange: dataset.isImplicit ? nil : dataset.ratingRange, itemCount: dataset.itemCount,
            trainSequences: trainSequences)
        return Split(trainingData: training, test: .ranking(evaluation(test, rng: &testRNG)))
    }
}
