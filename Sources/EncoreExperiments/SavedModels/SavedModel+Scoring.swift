import Foundation

extension SavedModel {
    /// The train row of the training user with original ID `id`, or nil when the model was not
    /// trained on that user.
    public func trainingRow(ofUser id: String) -> Int? { rowOfUser[id] }

    /// The item column of the original item ID `id`, or nil when the model does not know it.
    public func itemColumn(of id: String) -> Int32? { columnOfItem[id] }

    /// The item column of each original item ID the model knows.
    public var itemColumns: [String: Int32] { columnOfItem }

    /// Whether the model was trained on explicit values (a history then needs ratings).
    public var isExplicit: Bool { !manifest.implicit }

    /// The top-`k` items of training users `rows`, scored from everything the run knew of them
    /// (`knownHistory(rows:)`), those items excluded: what `encore run --save-recommendations`
    /// lists for them with the model of that run. A rating model ranks by its predicted ratings.
    public func recommendations(forTrainingRows rows: [Int], k: Int) -> Recommendations {
        let (history, sequences) = knownHistory(rows: rows)
        return recommendations(history: history, trainingRows: rows, sequences: sequences, k: k)
    }

    /// The histories of training users `rows`: their training interactions plus their
    /// validation interactions (protocols that hold out part of each user's interactions:
    /// user-holdout, leave-one-out, k-fold over ratings), the history the run's test scored them
    /// from; with the time order of training when it has one (validation items after it).
    func knownHistory(rows: [Int]) -> (SparseMatrix, InteractionSequences?) {
        var extra: [Int: [(col: Int, value: Float)]] = [:]
        let wanted = Set(rows)
        switch training.validation {
        case let .ranking(targets):
            for (index, row) in targets.trainingRows.enumerated() where row >= 0 && wanted.contains(row) {
                let range = targets.targets.rowPointers[index]..<targets.targets.rowPointers[index + 1]
                for e in range { extra[row, default: []].append((Int(targets.targets.columnIndices[e]), targets.targets.values[e])) }
            }
        case let .ratings(pairs):
            for k in 0..<pairs.count where wanted.contains(Int(pairs.users[k])) {
                extra[Int(pairs.users[k]), default: []].append((Int(pairs.items[k]), pairs.ratings[k]))
            }
        }
        let train = training.train.gatherRows(rows)
        guard !extra.isEmpty else { return (train, training.trainSequences?.gatherRows(rows)) }
        var triples: [(row: Int, col: Int, value: Float)] = []
        for (position, row) in rows.enumerated() {
            for e in train.rowPointers[position]..<train.rowPointers[position + 1] {
                triples.append((position, Int(train.columnIndices[e]), train.values[e]))
            }
            for entry in extra[row] ?? [] { triples.append((position, entry.col, entry.value)) }
        }
        let history = SparseMatrix(rows: rows.count, cols: training.itemCount, triples: triples)
        let sequences = training.trainSequences.map { ordered in
            InteractionSequences(rows.map { row in Array(ordered[row]) + (extra[row] ?? []).map { Int32($0.col) }.sorted() })
        }
        return (history, sequences)
    }

    /// The top-`k` items of new users' histories (each user's history items excluded), scored as
    /// users the model was not trained on. The file's line order is the time order only for a
    /// model trained on time-ordered histories; otherwise histories are read in item order, as
    /// in training and evaluation.
    /// - Throws: `SavedModelError.unsupported` when the model cannot score new histories.
    public func recommendations(for histories: HistoryFile, k: Int) throws -> Recommendations {
        if case let .unsupported(reason) = model.historyScoring {
            throw SavedModelError.unsupported(
                "\(manifest.label) cannot score new histories: \(reason); --user scores the \(userIDs.count) users it was trained on")
        }
        return recommendations(
            history: histories.history, trainingRows: [Int](repeating: -1, count: histories.users.count),
            sequences: training.trainSequences == nil ? nil : histories.sequences, k: k)
    }

    /// Top-k lists with the selection and tie rule of the evaluation (`Recommendations`).
    private func recommendations(history: SparseMatrix, trainingRows: [Int], sequences: InteractionSequences?, k: Int) -> Recommendations {
        let targets = RankingTargets(
            history: history, targets: SparseMatrix(rows: history.rows, cols: history.cols),
            users: Array(0..<history.rows), trainingRows: trainingRows, historySequences: sequences)
        return Recommendations(history: history, k: k, threads: threads) { rows in scores(targets, rows: rows) }
    }

    /// `[rows.count, items]` scores: a ranker's scores, or a rating model's predicted rating of
    /// every item (not clipped to the rating scale, so that ties stay rare).
    func scores(_ targets: RankingTargets, rows: Range<Int>) -> Tensor {
        if let ranker = model as? any Ranker { return ranker.scores(targets, rows: rows) }
        guard let predictor = model as? any RatingPredictor else { return Tensor(shape: [rows.count, targets.history.cols]) }
        let items = targets.history.cols
        let itemIndices = (0..<items).map { Int32($0) }
        var result = Tensor(shape: [rows.count, items])
        for (offset, row) in rows.enumerated() {
            let user = Int32(targets.trainingRows[row])
            let predictions = predictor.predict(users: [Int32](repeating: user, count: items), items: itemIndices)
            result.withUnsafeMutableBufferPointer { buffer in
                (buffer.baseAddress! + offset * items).update(from: predictions.values, count: items)
            }
        }
        return result
    }
}
