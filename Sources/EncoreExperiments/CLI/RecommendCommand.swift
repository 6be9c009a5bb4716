import EncoreModels
import Foundation

extension EncoreCLI {
    /// `encore recommend MODEL_DIR ...`: top-k items from a saved model (`encore run
    /// --save-model`); the model is rebuilt through `registry`, so a tool that registers its own
    /// models can load them.
    static func recommendCommand(registry: ModelRegistry) -> Command { Command(
        name: "recommend",
        overview: "Recommend items with a saved model: for users it was trained on, or for new users' histories.",
        arguments: [ArgumentSpec("MODEL_DIR", "A saved model directory (models/<label>-seed<seed> of 'encore run --save-model').")],
        options: [
            .value("user", "ID", "A user the model was trained on (original ID); repeatable.", repeatable: true),
            .value("history", "FILE", "New users' histories: lines 'user,item' (see below)."),
            .value("k", "K", "Items per user (default 20)."),
            .value("output", "FILE", "Write the CSV to FILE instead of standard output."),
            .value("threads", "N", "Threads for scoring (default: all cores)."),
        ],
        discussion: """
            Prints CSV, user,rank,item,score, with the original user and item IDs (the layout of
            --save-recommendations): each user's K best-scored items, leaving out the items of the
            user's history, best first. --user users are scored from their training history,
            exactly as the run scored them (the same scores and top-K as --save-recommendations);
            a rating model ranks items by predicted rating (not clipped to the rating scale).

            --history FILE: one interaction per line, 'user,item', or 'user,item,rating' for a
            model trained on explicit ratings; separated by a tab if the line has one, else by
            commas (quotes as in CSV), else by spaces; further columns are ignored. A first line
            starting with user or user_id is a header; empty lines and lines starting with # are
            skipped. Each user of the file is scored as a new user, from the file's lines alone
            (in file order for a sequence model trained on time-ordered histories); an item
            given twice counts once. Items the model does not know are skipped with a warning
            naming the file and line. Models that cannot score users they were not trained on
            (rating models with per-user parameters) refuse --history; model.json says what a
            model can score.

            EXAMPLES:
              encore run experiments/quickstart.json --save-model --output out/qs
              encore recommend out/qs/models/ease-seed1 --user u5 --k 10
              encore recommend out/qs/models/mult-dae-seed1 --history new-users.csv --output recs.csv

            EXIT CODES: 0 ok, 64 usage error (an unknown user, --history for a model that cannot
            score new histories, a model this encore does not register), 65 a damaged model file
            or a malformed history file, 74 a missing or unreadable model directory or file.
            """
    ) { arguments in
        try runRecommend(arguments, registry: registry)
    } }

    static func runRecommend(_ arguments: ParsedArguments, registry: ModelRegistry) throws -> ExitCode {
        let users = arguments.values["user"] ?? []
        let historyPath = arguments.value("history")
        guard !users.isEmpty || historyPath != nil else {
            throw UsageError("give --user ID (a user the model was trained on) or --history FILE (new users' histories)")
        }
        let k = try arguments.int("k", default: 20, range: 1...1_000_000)!
        let threads = try arguments.int("threads", range: 1...4096)
        let directory = URL(fileURLWithPath: arguments.positionals[0])
        let saved = try SavedModel.load(from: directory, registry: registry, threads: threads)
        let manifest = saved.manifest
        let standardError = FileHandle.standardError
        let point = manifest.gridPoint.objectPairs.map { $0.map { "\($0.key)=\($0.value.compactText)" }.joined(separator: " ") } ?? ""
        standardError.write(Data(("model: \(manifest.label) (\(manifest.model)\(point.isEmpty ? "" : " " + point), seed \(manifest.seed)), "
            + "\(saved.userIDs.count) training users, \(saved.itemIDs.count) items; run \(manifest.runID) of \(manifest.experiment)\n").utf8))

        var rows: [Int] = []
        for user in users {
            guard let row = saved.trainingRow(ofUser: user) else {
                let examples = saved.userIDs.prefix(3).joined(separator: ", ")
                var text = "user '\(user)' is not one of the \(saved.userIDs.count) users \(manifest.label) was trained on (e.g. \(examples))"
                if case .unsupported = saved.model.historyScoring {
                    text += "; \(manifest.label) cannot score users it was not trained on"
                } else {
                    text += "; score a new user's history with --history FILE"
                }
                throw SavedModelError.unsupported(text)
            }
            rows.append(row)
        }
        var parts: [(Recommendations, [String])] = []
        if !rows.isEmpty { parts.append((saved.recommendations(forTrainingRows: rows, k: k), users)) }
        if let historyPath {
            if case let .unsupported(reason) = saved.model.historyScoring {
                throw SavedModelError.unsupported(
                    "\(manifest.label) cannot score new histories: \(reason); --user scores the \(saved.userIDs.count) users it was trained on")
            }
            let histories = try HistoryFile.read(
                URL(fileURLWithPath: historyPath), itemColumns: saved.itemColumns, itemCount: saved.itemIDs.count,
                explicit: saved.isExplicit) { standardError.write(Data("warning: \($0)\n".utf8)) }
            parts.append((try saved.recommendations(for: histories, k: k), histories.users))
        }
        var text = "user,rank,item,score\n"
        for (recommendations, ids) in parts {
            text += recommendations.csv(userIDs: ids, itemIDs: saved.itemIDs).drop { $0 != "\n" }.dropFirst()
        }
        if let output = arguments.value("output") {
            let url = URL(fileURLWithPath: output)
            try AtomicFile.write(text, to: url)
            let count = parts.reduce(0) { $0 + $1.0.users.count }
            standardError.write(Data("wrote \(url.path) (\(count) users, up to \(k) items each)\n".utf8))
        } else {
            print(text, terminator: "")
        }
        return .success
    }
}
