import EncoreMetrics
import Foundation
import XCTest

final class MetricTests: XCTestCase {
    func testParsesEveryName() throws {
        let names = ["precision@10", "recall@20", "recall_full@50", "ndcg@100", "map@5", "mrr@1", "hit@3", "coverage@10", "rmse", "mae"]
        for name in names {
            let metric = try Metric(parsing: name)
            XCTAssertEqual(metric.name, name)
            XCTAssertEqual(metric.isRanking, name.contains("@"))
            XCTAssertFalse(metric.definition.isEmpty)
        }
        XCTAssertEqual(try Metric(parsing: "recall_full@7"), Metric(.recallFull, k: 7))
    }

    /// One rule for which way is better, for metrics and for other named values (losses).
    func testDirection() throws {
        for name in ["precision@10", "ndcg@100", "coverage@5", "hit@1"] {
            XCTAssertTrue(try Metric(parsing: name).higherIsBetter, name)
            XCTAssertFalse(Metric.lowerIsBetter(named: name), name)
        }
        for name in ["rmse", "mae", "MAE", "mse", "loss", "train_loss", "validation_loss"] {
            XCTAssertTrue(Metric.lowerIsBetter(named: name), name)
        }
        XCTAssertFalse(Metric(.rmse).higherIsBetter)
        XCTAssertFalse(Metric.lowerIsBetter(named: "auc"))
    }

    func testRejectsUnknownNamesListingValidOnes() {
        for bad in ["ndcg", "ndcg@0", "ndcg@-1", "ndcg@x", "rmse@5", "auc@10", "recall@10@2", "ndcg@010", ""] {
            XCTAssertThrowsError(try Metric(parsing: bad), bad) { error in
                XCTAssertEqual(error as? MetricsError, .unknownMetric(bad))
                XCTAssertTrue("\(error)".contains("recall_full@k"), "\(error)")
                XCTAssertTrue((error as? MetricsError)?.isUsageError ?? false)
            }
        }
    }

    func testCodableAsString() throws {
        let metrics = try Metric.parse(["ndcg@100", "rmse"])
        let data = try JSONEncoder().encode(metrics)
        XCTAssertEqual(String(decoding: data, as: UTF8.self), #"["ndcg@100","rmse"]"#)
        XCTAssertEqual(try JSONDecoder().decode([Metric].self, from: data), metrics)
        XCTAssertThrowsError(try JSONDecoder().decode([Metric].self, from: Data(#"["ndcg@"]"#.utf8)))
    }

    func testFootnoteNamesRecallConvention() throws {
        let note = Metric.footnote(for: try Metric.parse(["recall@20", "recall@50", "recall_full@20"]))
        XCTAssertTrue(note.contains("min(k, |T|)"))
        XCTAssertTrue(note.contains("|R_k ∩ T| / |T|"))
        XCTAssertEqual(note.components(separatedBy: "recall@k =").count, 2, "one line per family")
        XCTAssertTrue(note.contains("ties broken by lower item index"))
    }

    func testOrdering() throws {
        let sorted = try Metric.parse(["ndcg@100", "recall@50", "ndcg@10", "recall@20"]).sorted()
        XCTAssertEqual(sorted.map(\.name), ["recall@20", "recall@50", "ndcg@10", "ndcg@100"])
    }
}
