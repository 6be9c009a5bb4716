@testable import EncoreExperiments
import XCTest

final class SpecValidationTests: XCTestCase {
    func testValidSpecDecodesWithDefaults() throws {
        let spec = try ExperimentSpec.parse(rankingSpec(), models: fakeModels)
        XCTAssertEqual(spec.name, "test-ranking")
        XCTAssertEqual(spec.dataset.source, .named("ml-1m", path: nil))
        XCTAssertEqual(spec.dataset.mode, .implicit)
        XCTAssertEqual(spec.dataset.threshold, 4)
        XCTAssertEqual(spec.dataset.minUserInteractions, 5)
        XCTAssertTrue(spec.dataset.dedupe)
        XCTAssertEqual(spec.evaluationProtocol.kind, .strongGeneralization)
        XCTAssertEqual(spec.evaluationProtocol.heldOutUsers, 600)
        XCTAssertEqual(spec.evaluationProtocol.foldInFraction, 0.8)
        XCTAssertEqual(spec.evaluationProtocol.seed, .fixed(98765))
        XCTAssertEqual(spec.metrics, ["recall@20", "ndcg@100"])
        XCTAssertEqual(spec.selection, SelectionSpec(metric: "ndcg@100", patience: 5, maxEpochs: nil))
        XCTAssertEqual(spec.models.map(\.label), ["mult-vae", "ease", "popularity"])
        XCTAssertEqual(spec.models[0].config.first { $0.key == "latent" }?.value, .int(100))
        XCTAssertEqual(spec.models[0].config.first { $0.key == "epochs" }?.value, .int(200))
        XCTAssertEqual(spec.output, OutputSpec(directory: "results/test-ranking", formats: ["md", "csv", "tex", "json", "svg"]))
        XCTAssertNil(spec.threads)
        XCTAssertEqual(spec.settings.count, 1)
    }

    func testUnknownKeysEverywhereWithSuggestions() {
        let found = problems(rankingSpec([
            ("\"seeds\"", "\"seed\""), ("\"threshold\"", "\"treshold\""), ("\"patience\"", "\"patiense\""),
            ("\"config\": {\"latent\"", "\"config\": {\"latnet\""), ("\"held_out_users\": 600", "\"held_out_users\": 600, \"colour\": 1"),
        ]))
        assertProblem(found, at: "seed", contains: "did you mean \"seeds\"")
        assertProblem(found, at: "dataset.treshold", contains: "did you mean \"threshold\"")
        assertProblem(found, at: "selection.patiense", contains: "did you mean \"patience\"")
        assertProblem(found, at: "models[0].config.latnet", contains: "did you mean \"latent\"")
        assertProblem(found, at: "protocol.colour", contains: "known keys: kind,")
        XCTAssertEqual(found.count, 5, found.map(\.description).joined(separator: "\n"))
    }

    func testWrongTypesAndRanges() {
        let found = problems(rankingSpec([
            ("\"held_out_users\": 600", "\"held_out_users\": \"600\""), ("\"patience\": 5", "\"patience\": -1"),
            ("\"latent\": 100", "\"latent\": 1.5"), ("\"dropout\": [0.2, 0.5]", "\"dropout\": [0.2, \"high\"]"),
            ("\"seeds\": [1, 2, 3]", "\"seeds\": [1, 1]"), ("\"min_user_interactions\": 5", "\"min_user_interactions\": true"),
        ]))
        assertProblem(found, at: "protocol.held_out_users", contains: "expected an integer >= 1, found \"600\"")
        assertProblem(found, at: "selection.patience", contains: "expected an integer >= 0, found -1")
        assertProblem(found, at: "models[0].config.latent", contains: "expected an integer, found 1.5")
        assertProblem(found, at: "models[0].grid.dropout[1]", contains: "expected a number, found \"high\"")
        assertProblem(found, at: "seeds", contains: "distinct integers")
        assertProblem(found, at: "dataset.min_user_interactions", contains: "found true")
        XCTAssertEqual(found.count, 6, found.map(\.description).joined(separator: "\n"))
    }

    func testUnknownModelMetricAndMissingKeys() {
        let found = problems(rankingSpec([
            ("\"model\": \"ease\"", "\"model\": \"eas\""), ("\"recall@20\"", "\"recall@0\""), ("\"name\": \"test-ranking\",", ""),
            ("\"kind\": \"strong-generalization\", \"held_out_users\": 600", "\"kind\": \"strong-generalization\""),
        ]))
        assertProblem(found, at: "models[1].model", contains: "did you mean \"ease\"")
        assertProblem(found, at: "metrics[0]", contains: "found \"recall@0\"")
        assertProblem(found, at: "name", contains: "found nothing")
        assertProblem(found, at: "protocol.held_out_users", contains: "found nothing")
        XCTAssertEqual(found.count, 4, found.map(\.description).joined(separator: "\n"))
    }

    func testMetricsMustFitDataProtocolAndTask() {
        let found = problems(rankingSpec([("\"recall@20\", \"ndcg@100\"", "\"rmse\", \"ndcg@100\"")]))
        // rmse on implicit data: reported once per model entry it reaches, all at the same path.
        XCTAssertEqual(found.map(\.path), ["metrics[0]"])
        XCTAssertTrue(found[0].expected.contains("implicit"))

        let explicit = problems(rankingSpec([("\"mode\": \"implicit\", \"threshold\": 4", "\"mode\": \"explicit\""), ("\"recall@20\", \"ndcg@100\"", "\"rmse\", \"ndcg@100\"")]))
        assertProblem(explicit, at: "metrics[0]", contains: "strong-generalization has no test ratings")

        let holdout = problems(rankingSpec([
            ("\"mode\": \"implicit\", \"threshold\": 4", "\"mode\": \"explicit\""), ("\"recall@20\", \"ndcg@100\"", "\"rmse\", \"ndcg@100\""),
            ("\"kind\": \"strong-generalization\", \"held_out_users\": 600", "\"kind\": \"rating-holdout\""),
        ]))
        XCTAssertEqual(holdout.filter { $0.path == "metrics[0]" }.count, 3, "one line per ranking model given rmse")
        XCTAssertTrue(holdout.allSatisfy { $0.expected.contains("ranking metric for ranking model") })
    }

    func testRatingModelOnImplicitDataAndThresholdInExplicitMode() {
        let found = problems(rankingSpec([("{\"model\": \"popularity\"}", "{\"model\": \"i-autorec\", \"metrics\": [\"rmse\"]}")]))
        assertProblem(found, at: "models[2].model", contains: "rating models need dataset mode \"explicit\"")
        assertProblem(found, at: "models[2].metrics[0]", contains: "rmse and mae need explicit ratings")
        let threshold = problems(rankingSpec([("\"mode\": \"implicit\"", "\"mode\": \"explicit\"")]))
        assertProblem(threshold, at: "dataset.threshold", contains: "no threshold in explicit mode")
    }

    func testDuplicateLabelsAndConfigGridConflict() {
        let found = problems(rankingSpec([
            ("{\"model\": \"popularity\"}", "{\"model\": \"popularity\"}, {\"model\": \"ease\", \"label\": \"popularity\"}"),
            ("\"grid\": {\"lambda\"", "\"config\": {\"lambda\": 5}, \"grid\": {\"lambda\""),
        ]))
        assertProblem(found, at: "models[3].label", contains: "not used by models[2]")
        assertProblem(found, at: "models[1].grid.lambda", contains: "not also set in config")
        let defaulted = problems(rankingSpec([("{\"model\": \"popularity\"}", "{\"model\": \"ease\"}")]))
        assertProblem(defaulted, at: "models[2].label", contains: "defaults to the model name \"ease\"")
    }

    func testProtocolParametersMustApplyToKind() {
        let found = problems(rankingSpec([("\"held_out_users\": 600", "\"held_out_users\": 600, \"test_fraction\": 0.2, \"folds\": 3")]))
        assertProblem(found, at: "protocol.test_fraction", contains: "no test_fraction for kind \"strong-generalization\"")
        assertProblem(found, at: "protocol.folds", contains: "no folds for kind")
        let fraction = problems(rankingSpec([("\"held_out_users\": 600", "\"held_out_users\": 600, \"fold_in_fraction\": 1")]))
        assertProblem(fraction, at: "protocol.fold_in_fraction", contains: "a number > 0 and < 1")
    }

    func testSplitFileReplacesTheSeed() throws {
        let spec = try ExperimentSpec.parse(rankingSpec([("\"seed\": 98765", "\"split_file\": \"reference.split\"")]), models: fakeModels)
        XCTAssertEqual(spec.evaluationProtocol.splitFile, "reference.split")
        XCTAssertNil(try ExperimentSpec.parse(rankingSpec(), models: fakeModels).evaluationProtocol.splitFile)
        let both = problems(rankingSpec([("\"seed\": 98765", "\"seed\": 98765, \"split_file\": \"reference.split\"")]))
        assertProblem(both, at: "protocol.seed", contains: "no seed with split_file")
        let empty = problems(rankingSpec([("\"seed\": 98765", "\"split_file\": \"\"")]))
        assertProblem(empty, at: "protocol.split_file", contains: "a non-empty path")
    }

    func testDatasetSourceRules() {
        let file = problems(rankingSpec([("\"name\": \"ml-1m\"", "\"path\": \"x.txt\", \"format\": \"delimited\", \"columns\": {\"user\": 0, \"item\": 0}")]))
        assertProblem(file, at: "dataset.separator", contains: "found nothing")
        assertProblem(file, at: "dataset.columns", contains: "distinct column indices")
        let neither = problems(rankingSpec([("\"name\": \"ml-1m\", ", "")]))
        assertProblem(neither, at: "dataset", contains: "or a \"path\"")
        let formatWithName = problems(rankingSpec([("\"name\": \"ml-1m\"", "\"name\": \"ml-1m\", \"format\": \"movielens-dat\"")]))
        assertProblem(formatWithName, at: "dataset.format", contains: "its format is known")
        let delimited = try? ExperimentSpec.parse(rankingSpec([("\"name\": \"ml-1m\"", "\"path\": \"x.csv\", \"format\": \"delimited\", \"separator\": \",\", \"header\": true, \"columns\": {\"user\": 1, \"item\": 0}")]), models: fakeModels)
        XCTAssertEqual(delimited?.dataset.source, .file(path: "x.csv", format: .delimited(separator: ",", header: true, user: 1, item: 0, rating: nil, timestamp: nil)))
    }

    func testRecBoleInterColumnsNameHeaderFields() throws {
        func source(_ dataset: String) throws -> DatasetSpec.Source? {
            try ExperimentSpec.parse(rankingSpec([("\"name\": \"ml-1m\"", dataset)]), models: fakeModels).dataset.source
        }
        XCTAssertEqual(try source("\"path\": \"yelp.inter\", \"format\": \"recbole-inter\""),
                       .file(path: "yelp.inter", format: .recboleInter(fields: RecBole.Fields())))
        let yelp = "\"path\": \"yelp.inter\", \"format\": \"recbole-inter\", \"columns\": {\"item\": \"business_id:token\", \"rating\": \"stars\", \"timestamp\": \"date\"}"
        XCTAssertEqual(try source(yelp), .file(path: "yelp.inter", format: .recboleInter(
            fields: RecBole.Fields(user: "user_id", item: "business_id", rating: "stars", timestamp: "date"))))
        let numbers = problems(rankingSpec([("\"name\": \"ml-1m\"", "\"path\": \"y.inter\", \"format\": \"recbole-inter\", \"columns\": {\"user\": 0}")]))
        assertProblem(numbers, at: "dataset.columns.user", contains: "a string")
        let same = problems(rankingSpec([("\"name\": \"ml-1m\"", "\"path\": \"y.inter\", \"format\": \"recbole-inter\", \"columns\": {\"item\": \"user_id\"}")]))
        assertProblem(same, at: "dataset.columns", contains: "distinct fields")
        let separator = problems(rankingSpec([("\"name\": \"ml-1m\"", "\"path\": \"y.inter\", \"format\": \"recbole-inter\", \"separator\": \",\"")]))
        assertProblem(separator, at: "dataset.separator", contains: "unless format is \"delimited\"")
        let named = problems(rankingSpec([("\"name\": \"ml-1m\"", "\"name\": \"ml-1m\", \"columns\": {\"item\": \"business_id\"}")]))
        assertProblem(named, at: "dataset.columns", contains: "\"recbole-inter\"")
    }

    func testModelEntriesPatchTopLevelSettings() throws {
        let text = rankingSpec([("{\"model\": \"popularity\"}", """
            {"model": "i-autorec", "dataset": {"mode": "explicit", "threshold": null},
             "protocol": {"kind": "rating-holdout", "held_out_users": null, "test_fraction": 0.1},
             "metrics": ["rmse", "mae"]}
            """)])
        let spec = try ExperimentSpec.parse(text, models: fakeModels)
        let setting = spec.models[2].setting
        XCTAssertEqual(setting.dataset.mode, .explicit)
        XCTAssertEqual(setting.dataset.minUserInteractions, 5, "unpatched keys come from the top level")
        XCTAssertEqual(setting.evaluationProtocol.kind, .ratingHoldout)
        XCTAssertEqual(setting.evaluationProtocol.seed, .fixed(98765))
        XCTAssertEqual(setting.selection.metric, "rmse", "a replaced metric list resets the selection metric")
        XCTAssertFalse(setting.selection.higherIsBetter)
        XCTAssertEqual(spec.settings.count, 2)
        let leftover = problems(text.replacingOccurrences(of: "\"held_out_users\": null, ", with: ""))
        assertProblem(leftover, at: "protocol.held_out_users", contains: "no held_out_users for kind \"rating-holdout\"")
    }

    func testEveryProblemReportedOnItsOwnLine() {
        let text = #"{"name": "a b", "dataset": 3, "protocol": {}, "metrics": [], "models": [{"model": "x"}], "threads": 0}"#
        var caught: SpecError?
        do { _ = try ExperimentSpec.parse(text, source: "s.json", models: fakeModels) } catch { caught = error }
        guard let error = caught else { return XCTFail("accepted a broken spec") }
        XCTAssertEqual(error.exitCode, .usage)
        XCTAssertEqual(error.problems.map(\.path), ["name", "dataset", "protocol.kind", "metrics", "threads", "models[0].model"])
        let lines = error.description.split(separator: "\n")
        XCTAssertEqual(lines.first, "spec s.json has 6 problems:")
        XCTAssertEqual(lines.count, 7)
    }

    func testShorthandDatasetAndSyntheticDefaults() throws {
        let text = #"{"name": "q", "dataset": "synthetic", "protocol": {"kind": "leave-one-out"}, "metrics": ["hit@10"], "models": [{"model": "popularity"}]}"#
        let spec = try ExperimentSpec.parse(text, models: fakeModels)
        XCTAssertEqual(spec.dataset.source, .synthetic(SyntheticSpec(users: 2000, items: 1000, interactionsPerUser: 50, rank: 8, popularitySkew: 0.8, seed: 0)))
        XCTAssertEqual(spec.evaluationProtocol.order, .time)
        XCTAssertEqual(spec.evaluationProtocol.seed, .run)
        XCTAssertEqual(spec.seeds, [1])
        XCTAssertEqual(spec.selection.metric, "hit@10")
        let bad = problems(text.replacingOccurrences(of: "\"dataset\": \"synthetic\"", with: "\"dataset\": {\"name\": \"synthetic\", \"path\": \"x\", \"synthetic\": {\"users\": 1, \"interactions_per_user\": 1200}}"))
        assertProblem(bad, at: "dataset.path", contains: "for the synthetic dataset")
        assertProblem(bad, at: "dataset.synthetic.users", contains: "an integer in 2...2147483647, found 1")
        assertProblem(bad, at: "dataset.synthetic.interactions_per_user", contains: "at most items (1000)")
    }

    func testSyntaxErrorBecomesOneProblem() {
        let found = problems("{\n  \"name\": \"x\",\n  \"seeds\": [1,]\n}")
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(found.first?.path, "line 3, column 15")
    }
}
