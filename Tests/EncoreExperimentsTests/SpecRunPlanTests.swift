@testable import EncoreExperiments
import XCTest

final class SpecRunPlanTests: XCTestCase {
    func testGridExpansionCountsOrderAndIDs() throws {
        let spec = try ExperimentSpec.parse(rankingSpec(), models: fakeModels)
        let runs = spec.runPlans()
        // mult-vae: 2 x 2 grid points, ease: 3, popularity: 1; times 3 seeds.
        XCTAssertEqual(runs.count, (4 + 3 + 1) * 3)
        XCTAssertEqual(runs.map(\.index), Array(0..<runs.count))
        XCTAssertEqual(Set(runs.map(\.id)).count, runs.count)
        XCTAssertEqual(runs.prefix(4).map(\.id), ["mult-vae-g0-s1", "mult-vae-g0-s2", "mult-vae-g0-s3", "mult-vae-g1-s1"])
        XCTAssertEqual(runs.last?.id, "popularity-g0-s3")
        // The last grid key varies fastest.
        XCTAssertEqual(runs[3].gridPoint.map(\.key), ["dropout", "encoder_units"])
        XCTAssertEqual(runs[3].gridPoint.map(\.value), [.double(0.2), .array([.int(300)])])
        XCTAssertEqual(runs[6].gridPoint.map(\.value), [.double(0.5), .array([.int(600)])])
        XCTAssertEqual(runs[3].config, try JSONParser.parse(#"{"encoder_units":[300],"latent":100,"dropout":0.2,"epochs":200,"normalize":true}"#))
        XCTAssertEqual(runs[12].model, "ease")
        XCTAssertEqual(runs[12].config, .object([("lambda", .int(100))]))
        XCTAssertTrue(runs.allSatisfy { $0.splitSeed == 98765 && $0.settingIndex == 0 })
        XCTAssertEqual(runs.filter { $0.model == "mult-vae" }.map(\.gridSize), Array(repeating: 4, count: 12))
        XCTAssertEqual(try ExperimentSpec.parse(rankingSpec(), models: fakeModels).runPlans().map(\.id), runs.map(\.id), "deterministic")
    }

    func testRunSplitSeedFollowsTheRunSeed() throws {
        let spec = try ExperimentSpec.parse(rankingSpec([("\"seed\": 98765", "\"seed\": \"run\"")]), models: fakeModels)
        XCTAssertTrue(spec.runPlans().allSatisfy { $0.splitSeed == $0.seed })
    }

    func testShardsPartitionTheRunList() throws {
        let runs = try ExperimentSpec.parse(rankingSpec(), models: fakeModels).runPlans()
        for count in 1...7 {
            let shards = (1...count).map { Shard(index: $0, count: count).select(runs) }
            XCTAssertEqual(shards.flatMap { $0 }.map(\.index).sorted(), runs.map(\.index), "\(count) shards cover every run once")
            XCTAssertLessThanOrEqual(shards.map(\.count).max()! - shards.map(\.count).min()!, 1, "balanced")
        }
        XCTAssertEqual(Shard(index: 2, count: 4).select(runs).map(\.index), [1, 5, 9, 13, 17, 21])
        XCTAssertEqual(try Shard(parsing: "3/8"), Shard(index: 3, count: 8))
        for bad in ["0/4", "5/4", "1/0", "a/2", "2", "1/2/3", ""] {
            XCTAssertThrowsError(try Shard(parsing: bad), bad)
        }
    }
}
