@testable import EncoreExperiments
import XCTest

final class SpecOverrideTests: XCTestCase {
    func testParsesPathsAndValues() throws {
        let a = try SpecOverride(parsing: "models[0].config.hidden_units=300")
        XCTAssertEqual(a.segments, [.key("models"), .index(0), .key("config"), .key("hidden_units")])
        XCTAssertEqual(a.value, .int(300))
        let b = try SpecOverride(parsing: "models.0.config.encoder_units=[300,100]")
        XCTAssertEqual(b.segments, [.key("models"), .key("0"), .key("config"), .key("encoder_units")])
        XCTAssertEqual(b.value, .array([.int(300), .int(100)]))
        XCTAssertEqual(try SpecOverride(parsing: "dataset.path=../shared/data/ml-1m-implicit/ratings.dat").value, .string("../shared/data/ml-1m-implicit/ratings.dat"))
        XCTAssertEqual(try SpecOverride(parsing: "name=a=b").value, .string("a=b"), "only the first '=' splits")
        XCTAssertEqual(try SpecOverride(parsing: "description=\"42\"").value, .string("42"))
        XCTAssertEqual(try SpecOverride(parsing: "x=").value, .string(""))
        for bad in ["seeds", "=1", "a..b=1", "a[x]=1", "a[-1]=1", "[0]=1", "a.=1"] {
            XCTAssertThrowsError(try SpecOverride(parsing: bad), bad) { error in
                XCTAssertEqual((error as? SpecError)?.exitCode, .usage)
                XCTAssertEqual((error as? SpecError)?.problems.first?.path, "--set \(bad)")
            }
        }
    }

    func testOverridesApplyBeforeValidation() throws {
        let sets = [
            "seeds=[7]", "models[0].config.latent=50", "models.1.grid.lambda=[200]", "dataset.path=/tmp/ratings.dat",
            "output.formats=[\"md\"]",
        ].map { try! SpecOverride(parsing: $0) } + [.threads("2")]
        let spec = try ExperimentSpec.parse(rankingSpec(), overrides: sets, models: fakeModels)
        XCTAssertEqual(spec.seeds, [7])
        XCTAssertEqual(spec.models[0].config.first { $0.key == "latent" }?.value, .int(50))
        XCTAssertEqual(spec.models[1].grid.first?.values, [.int(200)])
        XCTAssertEqual(spec.dataset.source, .named("ml-1m", path: "/tmp/ratings.dat"))
        XCTAssertEqual(spec.output.formats, ["md"])
        XCTAssertEqual(spec.threads, 2)
        XCTAssertEqual(spec.json["seeds"], .array([.int(7)]), "the recorded JSON includes the overrides")
        let plain = try ExperimentSpec.parse(rankingSpec(), models: fakeModels)
        XCTAssertNotEqual(spec.sha256, plain.sha256)
    }

    func testOverridesAreValidatedLikeTheSpec() {
        let found = problems(rankingSpec(), overrides: ["models[0].config.latnet=5", "threads=two", "selection.metric=rmse"])
        assertProblem(found, at: "models[0].config.latnet", contains: "did you mean \"latent\"")
        assertProblem(found, at: "threads", contains: "found \"two\"")
        assertProblem(found, at: "selection.metric", contains: "ranking metric")
        let path = problems(rankingSpec(), overrides: ["models[5].label=x", "name.first=x"])
        assertProblem(path, at: "--set models[5].label=x", contains: "an index below 3 at models")
        assertProblem(path, at: "--set name.first=x", contains: "an object at name, found a string")
    }
}
