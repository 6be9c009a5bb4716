import Foundation
import XCTest

/// End-to-end `encore run --save-model` and `encore recommend` on the built binary: saved models
/// recommend exactly what the run recommended, new histories are scored like known ones, the
/// chosen grid point is the one published, and damaged models and bad requests are refused with
/// their documented exit codes.
final class EndToEndSavedModelTests: XCTestCase {
    /// EASE (two grid points) and Mult-DAE on `ratings.tsv`.
    static let models = """
        {"model": "ease", "label": "EASE", "grid": {"lambda": [10, 100]}},
        {"model": "mult-dae", "label": "Mult-DAE", "config": {"hidden_sizes": [8], "batch_size": 16}}
        """

    /// The users of a `user,rank,item,score` file in order of first appearance, and its lines by user.
    private func recommendationLines(_ text: String) -> (users: [String], lines: [String: [String]]) {
        var users: [String] = [], lines: [String: [String]] = [:]
        for line in text.split(separator: "\n").dropFirst().map(String.init) {
            let user = String(line.prefix { $0 != "," })
            if lines[user] == nil { users.append(user) }
            lines[user, default: []].append(line)
        }
        return (users, lines)
    }

    /// The run ID of the grid point of `label` with the best mean validation value over seeds
    /// (ties: the first), for `seed`: the table's choice, computed from results.json.
    private func chosenRunID(_ harness: EncoreHarness, _ directory: String, label: String, metric: String, seed: Int) throws -> String {
        let runs = try XCTUnwrap(try harness.json("\(directory)/results.json")["runs"] as? [[String: Any]])
            .filter { $0["label"] as? String == label && $0["status"] as? String == "ok" }
        var points: [String] = [], values: [String: [Double]] = [:]
        for run in runs {
            let id = try XCTUnwrap(run["run_id"] as? String)
            let point = String(id.dropFirst(label.count + 1).prefix { $0 != "-" })
            if values[point] == nil { points.append(point) }
            values[point, default: []].append(try XCTUnwrap((run["validation"] as? [String: Double])?[metric]))
        }
        var best = points[0]
        for point in points {
            let mean = { (list: [Double]) in list.reduce(0, +) / Double(list.count) }
            if mean(values[point]!) > mean(values[best]!) { best = point }
        }
        return "\(label)-\(best)-s\(seed)"
    }

    func testSavedModelsRecommendWhatTheRunRecommended() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: Self.models)
            .replacingOccurrences(of: #""kind": "strong-generalization", "held_out_users": 15"#, with: #""kind": "user-holdout""#),
            to: "spec.json")
        let run = try harness.run("run", "spec.json", "--output", "out", "--save-model", "--save-recommendations", "10", "--quiet")
        XCTAssertEqual(run.code, 0, run.summary)
        let published = try FileManager.default.contentsOfDirectory(atPath: harness.url("out/models").path).sorted()
        XCTAssertEqual(published, ["EASE-seed1", "EASE-seed2", "Mult-DAE-seed1", "Mult-DAE-seed2"])

        for (label, seed) in [("EASE", 1), ("EASE", 2), ("Mult-DAE", 1), ("Mult-DAE", 2)] {
            let model = "out/models/\(label)-seed\(seed)"
            let manifest = try harness.json("\(model)/model.json")
            let runID = try chosenRunID(harness, "out", label: label, metric: "ndcg@10", seed: seed)
            XCTAssertEqual(manifest["run_id"] as? String, runID, "the chosen grid point is published")
            XCTAssertEqual(manifest["label"] as? String, label)
            XCTAssertEqual((manifest["scores"] as? [String: Any])?["new_histories"] as? Bool, true)
            XCTAssertEqual(Set((manifest["files"] as? [String: Any])?.keys.map { $0 } ?? []),
                           ["items.txt", "users.txt", "train.split", "state.bin"])
            XCTAssertFalse(harness.exists("out/runs/\(runID)/model"), "the chosen run's model moved to models/")

            // Every test user at once, in the file's order, and one user alone: the run's lists and scores.
            let expected = try harness.read("out/runs/\(runID)/recommendations.csv")
            let (users, lines) = recommendationLines(expected)
            XCTAssertGreaterThan(users.count, 10)
            let all = try harness.run(["recommend", model, "--k", "10"] + users.flatMap { ["--user", $0] })
            XCTAssertEqual(all.code, 0, all.summary)
            XCTAssertEqual(all.stdout, expected, "\(label) seed \(seed): recommend equals --save-recommendations")
            let one = try harness.run("recommend", model, "--user", users[3], "--k", "10")
            XCTAssertEqual(one.code, 0, one.summary)
            XCTAssertEqual(one.stdout, (["user,rank,item,score"] + lines[users[3]]!).joined(separator: "\n") + "\n")
            XCTAssertTrue(one.stderr.contains("model: \(label) ("), one.summary)
        }
        // Every run of EASE is recorded: the other grid point's model is not kept.
        XCTAssertFalse(harness.exists("out/runs/EASE-g0-s1/model") || harness.exists("out/runs/EASE-g1-s1/model"))
        let shorter = try harness.run("recommend", "out/models/EASE-seed1", "--user", "U4", "--k", "3", "--output", "recs.csv")
        XCTAssertEqual(shorter.code, 0, shorter.summary)
        XCTAssertEqual(try harness.read("recs.csv").split(separator: "\n").count, 4)
        XCTAssertTrue(shorter.stderr.contains("wrote ") && shorter.stderr.contains("recs.csv (1 users, up to 3 items each)"), shorter.summary)
    }

    func testNewHistoriesAreScoredLikeTheSameHistoryOfAKnownUser() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        // The spec's output.save_models instead of the flag.
        try harness.write(smallRankingSpec(models: Self.models, seeds: "[1]", extra: #", "output": {"save_models": true}"#), to: "spec.json")
        let run = try harness.run("run", "spec.json", "--output", "out", "--quiet")
        XCTAssertEqual(run.code, 0, run.summary)

        // A training user's history under strong generalization is all its kept interactions
        // (ratings >= 4): given as a new user's history, in another order, it scores the same.
        let user = try XCTUnwrap(try harness.read("out/models/EASE-seed1/users.txt").split(separator: "\n").first.map(String.init))
        let items = try harness.read("ratings.tsv").split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
            .filter { $0[0] == user && Int($0[2])! >= 4 }.map { $0[1] }
        XCTAssertGreaterThan(items.count, 2)
        var lines = ["user,item", "# a comment"] + items.reversed().map { "new-user,\($0)" }
        lines.insert("new-user,NOT-AN-ITEM", at: 3)
        lines.append("other\t\(items[0])")
        try harness.write(lines.joined(separator: "\n") + "\n", to: "history.csv")
        for label in ["EASE", "Mult-DAE"] {
            let model = "out/models/\(label)-seed1"
            let known = try harness.run("recommend", model, "--user", user, "--k", "8")
            XCTAssertEqual(known.code, 0, known.summary)
            let new = try harness.run("recommend", model, "--history", "history.csv", "--k", "8")
            XCTAssertEqual(new.code, 0, new.summary)
            XCTAssertTrue(new.stderr.contains("history.csv:4: item 'NOT-AN-ITEM' is not one of the model's 45 items; skipped"), new.summary)
            let found = recommendationLines(new.stdout)
            XCTAssertEqual(found.users, ["new-user", "other"])
            XCTAssertEqual(found.lines["new-user"], recommendationLines(known.stdout).lines[user]?.map { "new-user" + $0.dropFirst(user.count) },
                           "\(label): a new history scores as the known user's")
            XCTAssertFalse(found.lines["other"]!.contains { $0.hasPrefix("other,") && $0.split(separator: ",")[2] == items[0] },
                           "history items are not recommended")
        }

        // Histories that cannot be read.
        try harness.write("user,item\nnew-user\n", to: "short.csv")
        let short = try harness.run("recommend", "out/models/EASE-seed1", "--history", "short.csv")
        XCTAssertEqual(short.code, 65, short.summary)
        XCTAssertTrue(short.stderr.contains("short.csv:2: expected 'user,item', found 'new-user'"), short.summary)
        try harness.write("a,x1\na,x2\n", to: "unknown.csv")
        let unknown = try harness.run("recommend", "out/models/EASE-seed1", "--history", "unknown.csv")
        XCTAssertEqual(unknown.code, 65, unknown.summary)
        XCTAssertTrue(unknown.stderr.contains("no line has an item the model knows (2 lines skipped)"), unknown.summary)
        let missing = try harness.run("recommend", "out/models/EASE-seed1", "--history", "no-such.csv")
        XCTAssertEqual(missing.code, 74, missing.summary)
    }

    func testDamagedModelsAndBadRequestsAreRefused() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "ease", "label": "EASE"}"#, seeds: "[1]"), to: "spec.json")
        XCTAssertEqual(try harness.run("run", "spec.json", "--output", "out", "--save-model", "--quiet").code, 0)
        let model = "out/models/EASE-seed1"
        let user = try XCTUnwrap(try harness.read("\(model)/users.txt").split(separator: "\n").first.map(String.init))
        XCTAssertEqual(try harness.run("recommend", model, "--user", user).code, 0)

        func copy(_ name: String) throws -> String {
            try FileManager.default.copyItem(at: harness.url(model), to: harness.url(name))
            return name
        }
        // One flipped byte of a weight: the size matches, the SHA-256 does not.
        let flipped = try copy("flipped")
        var state = try Data(contentsOf: harness.url("flipped/state.bin"))
        state[state.count / 2] ^= 0x01
        try state.write(to: harness.url("flipped/state.bin"))
        var result = try harness.run("recommend", flipped, "--user", user)
        XCTAssertEqual(result.code, 65, result.summary)
        XCTAssertTrue(result.stderr.contains("flipped/state.bin: the file is damaged"), result.summary)
        XCTAssertEqual(result.stdout, "")

        let cut = try copy("cut")
        let split = try harness.read("cut/train.split")
        try harness.write(String(split.prefix(split.count / 2)), to: "cut/train.split")
        result = try harness.run("recommend", cut, "--user", user)
        XCTAssertEqual(result.code, 65, result.summary)
        XCTAssertTrue(result.stderr.contains("cut/train.split: the file is damaged"), result.summary)

        let foreign = try copy("foreign")
        let manifest = try harness.read("foreign/model.json")
        try harness.write(manifest.replacingOccurrences(of: #""model" : "ease""#, with: #""model" : "my-ease""#), to: "foreign/model.json")
        result = try harness.run("recommend", foreign, "--user", user)
        XCTAssertEqual(result.code, 64, result.summary)
        XCTAssertTrue(result.stderr.contains("holds a model 'my-ease', which this encore does not register"), result.summary)

        result = try harness.run("recommend", "out", "--user", user)
        XCTAssertEqual(result.code, 74, result.summary)
        XCTAssertTrue(result.stderr.contains("not a saved model (it has no model.json); it holds saved models: ")
                      && result.stderr.contains("out/models/EASE-seed1"), result.summary)
        XCTAssertEqual(try harness.run("recommend", "no-such-dir", "--user", user).code, 74)

        result = try harness.run("recommend", model, "--user", "nobody")
        XCTAssertEqual(result.code, 64, result.summary)
        XCTAssertTrue(result.stderr.contains("user 'nobody' is not one of the 60 users EASE was trained on"), result.summary)
        XCTAssertTrue(result.stderr.contains("score a new user's history with --history FILE"), result.summary)
        XCTAssertEqual(try harness.run("recommend", model).code, 64)
        XCTAssertEqual(try harness.run("recommend", model, "--user", user, "--k", "0").code, 64)
    }

    func testRatingModelsRankKnownUsersAndSayWhetherTheyScoreNewHistories() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write("""
            {
              "name": "ratings",
              "dataset": {"path": "ratings.tsv", "format": "delimited", "separator": "\\t", "mode": "explicit"},
              "protocol": {"kind": "rating-holdout", "seed": 3},
              "metrics": ["rmse"],
              "selection": {"metric": "rmse", "max_epochs": 3},
              "seeds": [1],
              "models": [{"model": "biased-mf", "config": {"factors": 4}}, {"model": "item-mean"}]
            }
            """, to: "spec.json")
        let run = try harness.run("run", "spec.json", "--output", "out", "--save-model", "--quiet")
        XCTAssertEqual(run.code, 0, run.summary)
        let manifest = try harness.json("out/models/biased-mf-seed1/model.json")
        let scores = try XCTUnwrap(manifest["scores"] as? [String: Any])
        XCTAssertEqual(scores["new_histories"] as? Bool, false)
        XCTAssertTrue((scores["note"] as? String ?? "").contains("predicts ratings of the users it was trained on"))
        XCTAssertEqual(manifest["rating_range"] as? [Double], [3, 5])

        let known = try harness.run("recommend", "out/models/biased-mf-seed1", "--user", "U2", "--k", "5")
        XCTAssertEqual(known.code, 0, known.summary)
        let values = recommendationLines(known.stdout).lines["U2"]?.map { Double($0.split(separator: ",")[3])! } ?? []
        XCTAssertEqual(values.count, 5)
        XCTAssertEqual(values, values.sorted(by: >), "best predicted rating first")

        try harness.write("new,I3,5\nnew,I4,4\n", to: "rated.csv")
        let refused = try harness.run("recommend", "out/models/biased-mf-seed1", "--history", "rated.csv")
        XCTAssertEqual(refused.code, 64, refused.summary)
        XCTAssertTrue(refused.stderr.contains("biased-mf cannot score new histories"), refused.summary)
        let itemMean = try harness.run("recommend", "out/models/item-mean-seed1", "--history", "rated.csv", "--k", "4")
        XCTAssertEqual(itemMean.code, 0, itemMean.summary)
        XCTAssertEqual(recommendationLines(itemMean.stdout).lines["new"]?.count, 4)
        XCTAssertFalse(itemMean.stdout.contains(",I3,") || itemMean.stdout.contains(",I4,"), itemMean.stdout)
        try harness.write("new,I3\n", to: "unrated.csv")
        let unrated = try harness.run("recommend", "out/models/item-mean-seed1", "--history", "unrated.csv")
        XCTAssertEqual(unrated.code, 65, unrated.summary)
        XCTAssertTrue(unrated.stderr.contains("unrated.csv:1: the model was trained on explicit ratings"), unrated.summary)
    }

    func testTheFinalChoiceIsPublishedAcrossShardsAndResumes() throws {
        let harness = try EncoreHarness()
        try harness.writeRatings()
        try harness.write(smallRankingSpec(models: #"{"model": "ease", "label": "EASE", "grid": {"lambda": [1, 300]}}"#, seeds: "[1]"),
                          to: "spec.json")
        // The first half: one grid point, published provisionally.
        let first = try harness.run("run", "spec.json", "--output", "out", "--save-model", "--shard", "1/2", "--quiet")
        XCTAssertEqual(first.code, 0, first.summary)
        XCTAssertEqual(try harness.json("out/models/EASE-seed1/model.json")["run_id"] as? String, "EASE-g0-s1")
        XCTAssertFalse(harness.exists("out/runs/EASE-g0-s1/model"), "moved to models/")
        // The rest, resumed with the spec key (not part of the experiment's identity).
        let second = try harness.run("run", "spec.json", "--output", "out", "--shard", "2/2", "--resume",
                                     "--set", "output.save_models=true", "--quiet")
        XCTAssertEqual(second.code, 0, second.summary)
        let chosen = try chosenRunID(harness, "out", label: "EASE", metric: "ndcg@10", seed: 1)
        XCTAssertEqual(chosen, "EASE-g1-s1", "the second grid point wins, so the model published first is replaced")
        XCTAssertEqual(try harness.json("out/models/EASE-seed1/model.json")["run_id"] as? String, chosen)
        XCTAssertFalse(harness.exists("out/runs/EASE-g0-s1/model") || harness.exists("out/runs/EASE-g1-s1/model"),
                       "once every run is recorded, only the chosen model is kept")
        XCTAssertEqual(try harness.run("validate", "spec.json", "--set", "output.save_models=1").code, 64)
        // A fresh run without --save-model leaves no stale model behind.
        XCTAssertEqual(try harness.run("run", "spec.json", "--output", "out", "--quiet").code, 0)
        XCTAssertFalse(harness.exists("out/models"))
    }
}
