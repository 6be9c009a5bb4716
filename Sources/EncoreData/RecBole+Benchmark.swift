import Foundation

extension RecBole {
    /// The file suffixes of RecBole's `benchmark_filename: [train, valid, test]`, in the order
    /// train, validation, test.
    public static let benchmarkSuffixes = ["train", "valid", "test"]

    /// How many interactions each benchmark file received.
    public struct BenchmarkCounts: Sendable, Equatable {
        /// Lines of `NAME.train.inter`.
        public var train: Int
        /// Lines of `NAME.valid.inter`.
        public var validation: Int
        /// Lines of `NAME.test.inter`.
        public var test: Int
        /// Interactions of the dataset in no file: under protocols that hold out users, a
        /// held-out user's interactions with items no training user has, and held-out users with
        /// fewer than two such items (the split leaves them out of evaluation).
        public var leftOut: Int
    }

    /// Writes `split`, made from `dataset`, as RecBole's benchmark files `folder/NAME.train.inter`,
    /// `NAME.valid.inter` and `NAME.test.inter` (each atomically), with original IDs, ratings and
    /// timestamps, lines in the dataset's order and the header of `write(_:to:)`.
    ///
    /// Train, validation and test interactions of each user go to the three files. Protocols
    /// that hold out whole users (strong generalization, k-fold over users) write each held-out
    /// user's fold-in and targets together in the validation or test file: RecBole has no fold-in,
    /// so it reads them all as that user's evaluation interactions, while Encore ranks the
    /// targets from the fold-in.
    /// - Parameter name: the dataset name RecBole is given (`dataset: NAME`).
    /// - Throws: `DataError.invalidSplit` when the dataset repeats a (user, item) pair (a split of
    ///   repeated pairs does not say which line went where) or the split names a pair the dataset
    ///   lacks (it was made from other data); `.unreadableFile` when a file cannot be written.
    @discardableResult
    public static func writeBenchmark(_ dataset: Dataset, split: Split, name: String, to folder: URL) throws -> BenchmarkCounts {
        func key(_ user: Int, _ item: Int32) -> UInt64 { UInt64(user) << 32 | UInt64(UInt32(bitPattern: item)) }
        var seen = Set<UInt64>(minimumCapacity: dataset.interactions.count)
        for x in dataset.interactions where !seen.insert(key(Int(x.user), x.item)).inserted {
            throw DataError.invalidSplit(reason: "dataset '\(dataset.name)' repeats the pair (user \(dataset.userIDs[Int(x.user)]), item \(dataset.itemIDs[Int(x.item)])); RecBole benchmark files need one interaction per pair: deduplicate (leave out --keep-duplicates)")
        }
        // The part (0 train, 1 validation, 2 test) of each (dataset user, item) pair of the split.
        var part: [UInt64: UInt8] = [:]
        part.reserveCapacity(dataset.interactions.count)
        let training = split.trainingData
        func markRow(_ matrix: SparseMatrix, row: Int, user: Int, as value: UInt8) {
            for item in matrix.columns(ofRow: row) { part[key(user, item)] = value }
        }
        func markEvaluation(_ evaluation: EvaluationData, as value: UInt8) {
            switch evaluation {
            case let .ratings(pairs):
                for k in 0..<pairs.count { part[key(training.trainUsers[Int(pairs.users[k])], pairs.items[k])] = value }
            case let .ranking(targets):
                for row in 0..<targets.users.count {
                    markRow(targets.targets, row: row, user: targets.users[row], as: value)
                    // A held-out user (no train row): the fold-in goes with the targets.
                    if targets.trainingRows[row] < 0 { markRow(targets.history, row: row, user: targets.users[row], as: value) }
                }
            }
        }
        for row in 0..<training.train.rows { markRow(training.train, row: row, user: training.trainUsers[row], as: 0) }
        markEvaluation(training.validation, as: 1)
        markEvaluation(split.test, as: 2)

        let headerLine = header(for: dataset)
        var texts = [headerLine, headerLine, headerLine]
        var counts = [0, 0, 0]
        var leftOut = 0
        for x in dataset.interactions {
            guard let p = part[key(Int(x.user), x.item)].map({ Int($0) }) else { leftOut += 1; continue }
            appendLine(x, of: dataset, to: &texts[p])
            counts[p] += 1
        }
        guard counts.reduce(0, +) == part.count else {
            throw DataError.invalidSplit(reason: "the split holds \(part.count - counts.reduce(0, +)) (user, item) pairs that dataset '\(dataset.name)' lacks; it was made from other data")
        }
        for (suffix, text) in zip(benchmarkSuffixes, texts) {
            try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent("\(name).\(suffix).inter"))
        }
        return BenchmarkCounts(train: counts[0], validation: counts[1], test: counts[2], leftOut: leftOut)
    }
}
