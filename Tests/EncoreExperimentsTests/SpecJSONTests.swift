@testable import EncoreExperiments
import XCTest

final class SpecJSONTests: XCTestCase {
    func testParsesTypesAndKeepsKeyOrder() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": 1.0, "c": true, "d": [null, "x\u00e9\n"], "e": -2e3, "f": {}}"#)
        XCTAssertEqual(value.objectPairs?.map(\.key), ["b", "a", "c", "d", "e", "f"])
        XCTAssertEqual(value["b"], .int(1))
        XCTAssertEqual(value["a"], .double(1))
        XCTAssertNotEqual(value["a"], value["b"])
        XCTAssertEqual(value["c"], .bool(true))
        XCTAssertEqual(value["d"], .array([.null, .string("xé\n")]))
        XCTAssertEqual(value["e"], .double(-2000))
        XCTAssertEqual(value["f"], .object([]))
    }

    func testSyntaxErrorsCarryLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("{\n  \"a\": 1,\n}", 3, 1, "expected a string key"),
            ("{\"a\": 1 \"b\": 2}", 1, 9, "expected ',' or '}'"),
            ("[1, 2", 1, 6, "end of the input"),
            ("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key"),
            ("{\"a\": 01}", 1, 8, "leading zeros"),
            ("{\"a\": tru}", 1, 7, "expected 'true'"),
            ("1 2", 1, 3, "unexpected text"),
        ]
        for (text, line, column, fragment) in cases {
            XCTAssertThrowsError(try JSONParser.parse(text), text) { error in
                guard let error = error as? JSONParser.SyntaxError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.line, line, text)
                XCTAssertEqual(error.column, column, text)
                XCTAssertTrue(error.message.contains(fragment), "\(error.message) lacks \(fragment)")
            }
        }
    }

    func testCanonicalTextSortsKeysAndIgnoresWhitespace() throws {
        let a = try JSONParser.parse(#"{"z": [1, 2.5, "q\""], "a": {"y": false, "b": null}}"#)
        let b = try JSONParser.parse("{\"a\":{\"b\":null,\n\"y\":false},\"z\":[1,2.5,\"q\\\"\"]}")
        XCTAssertEqual(a.canonicalText, #"{"a":{"b":null,"y":false},"z":[1,2.5,"q\""]}"#)
        XCTAssertEqual(a.canonicalText, b.canonicalText)
        XCTAssertEqual(a, b)
        XCTAssertEqual(try JSONParser.parse(a.compactText), a)
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SpecSHA256.hex(of: ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SpecSHA256.hex(of: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SpecSHA256.hex(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// The identity leaves out where the data lives (top-level and per-model `data_dir` and
    /// `path`), the thread count, the output settings and the description, and nothing else.
    func testSpecIdentityIgnoresWhereAndHowItRuns() throws {
        let plain = try ExperimentSpec.parse(rankingSpec(), models: fakeModels)
        let elsewhere = try ExperimentSpec.parse(
            rankingSpec([
                ("\"name\": \"ml-1m\",", "\"name\": \"ml-1m\", \"data_dir\": \"/data/ml\", \"path\": \"/data/ml/ratings.dat\","),
                ("\"seeds\": [1, 2, 3],",
                 "\"seeds\": [1, 2, 3], \"threads\": 8, \"description\": \"on the cluster\", \"save_recommendations\": 20, \"output\": {\"directory\": \"/scratch/out\", \"formats\": [\"md\"]},"),
                ("{\"model\": \"popularity\"}", "{\"model\": \"popularity\", \"dataset\": {\"data_dir\": \"/elsewhere\"}}"),
            ]),
            models: fakeModels)
        XCTAssertEqual(elsewhere.threads, 8)
        XCTAssertEqual(elsewhere.sha256, plain.sha256)
        for changed in [
            ("\"threshold\": 4", "\"threshold\": 3"), ("\"seed\": 98765", "\"seed\": 1"),
            ("{\"model\": \"popularity\"}", "{\"model\": \"popularity\", \"dataset\": {\"threshold\": 5}}"),
            ("\"test-ranking\"", "\"other\""),
        ] {
            XCTAssertNotEqual(try ExperimentSpec.parse(rankingSpec([changed]), models: fakeModels).sha256, plain.sha256, "\(changed)")
        }
    }

    func testSpecHashIgnoresLayoutButNotValues() throws {
        let a = try ExperimentSpec.parse(rankingSpec(), models: fakeModels)
        let b = try ExperimentSpec.parse(rankingSpec([("\"seeds\": [1, 2, 3],", "\"seeds\":[1,2,3],")]), models: fakeModels)
        let c = try ExperimentSpec.parse(rankingSpec([("\"seeds\": [1, 2, 3],", "\"seeds\": [1, 2],")]), models: fakeModels)
        XCTAssertEqual(a.sha256.count, 64)
        XCTAssertEqual(a.sha256, b.sha256)
        XCTAssertNotEqual(a.sha256, c.sha256)
    }
}
