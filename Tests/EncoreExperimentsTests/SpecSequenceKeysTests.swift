@testable import EncoreExperiments
import XCTest

final class SpecSequenceKeysTests: XCTestCase {
    func testFoldInOrderAndMaximumUserInteractions() throws {
        let spec = try ExperimentSpec.parse(rankingSpec([
            ("\"min_user_interactions\": 5", "\"min_user_interactions\": 5, \"max_user_interactions\": 1000"),
            ("\"held_out_users\": 600", "\"held_out_users\": 750, \"fold_in_order\": \"time\""),
        ]), models: fakeModels)
        XCTAssertEqual(spec.dataset.maxUserInteractions, 1000)
        XCTAssertEqual(spec.evaluationProtocol.foldInOrder, .time)
        let defaults = try ExperimentSpec.parse(rankingSpec(), models: fakeModels)
        XCTAssertEqual(defaults.dataset.maxUserInteractions, 0)
        XCTAssertEqual(defaults.evaluationProtocol.foldInOrder, .random)
        let preprocessing = PreparedSetting.preprocessing(for: spec.dataset, alreadyImplicit: false)
        XCTAssertEqual(preprocessing.maxUserInteractions, 1000)
        XCTAssertEqual(PreparedSetting.splitProtocol(for: spec.evaluationProtocol),
                       .strongGeneralization(heldOutUsers: 750, foldInFraction: 0.8, foldInOrder: .time))
    }

    func testBadFoldInOrderAndMaximumAreNamed() {
        let found = problems(rankingSpec([
            ("\"min_user_interactions\": 5", "\"min_user_interactions\": 5, \"max_user_interactions\": 3"),
            ("\"held_out_users\": 600", "\"held_out_users\": 600, \"fold_in_order\": \"latest\""),
        ]))
        assertProblem(found, at: "dataset.max_user_interactions", contains: "at least min_user_interactions (5)")
        assertProblem(found, at: "protocol.fold_in_order", contains: "latest")
        XCTAssertEqual(found.count, 2, found.map(\.description).joined(separator: "\n"))
        let wrongKind = problems(rankingSpec([
            ("\"kind\": \"strong-generalization\", \"held_out_users\": 600", "\"kind\": \"user-holdout\", \"fold_in_order\": \"time\""),
        ]))
        assertProblem(wrongKind, at: "protocol.fold_in_order", contains: "user-holdout")
    }
}
