import EncoreModels
import Foundation
import XCTest

final class TensorArchiveTests: XCTestCase {
    private struct Header: Codable, Equatable { var step: Int }

    func testRoundTripIsBitExact() throws {
        let tensors = [Tensor([[1, -2.5, 3], [0, .pi, -0]]), Tensor(shape: [4], scalars: [1e-30, 2, 3, 4]), Tensor(scalar: 7)]
        let data = TensorArchive.encode(header: Header(step: 3), tensors: tensors)
        let (header, decoded) = try TensorArchive.decode(Header.self, from: data)
        XCTAssertEqual(header, Header(step: 3))
        XCTAssertEqual(decoded, tensors)
    }

    /// Corrupt sizes are refused before anything is allocated: extents whose product overflows,
    /// and extents larger than the bytes that follow.
    func testCorruptExtentsAreRefused() throws {
        var data = TensorArchive.encode(header: Header(step: 1), tensors: [Tensor(shape: [1, 1])])
        let json = try JSONEncoder().encode(Header(step: 1))
        // magic (10 bytes), header length, header, tensor count, rank, then the two extents.
        let extents = 10 + 8 + json.count + 8 + 8
        func setExtents(_ rows: UInt64, _ cols: UInt64) {
            withUnsafeBytes(of: rows.littleEndian) { data.replaceSubrange(extents..<(extents + 8), with: $0) }
            withUnsafeBytes(of: cols.littleEndian) { data.replaceSubrange((extents + 8)..<(extents + 16), with: $0) }
            // Sealed again, so that the size checks behind the checksum are what refuses the bytes.
            data = Self.resealed(data)
        }
        setExtents(1, 1)
        XCTAssertEqual(try TensorArchive.decode(Header.self, from: data).1, [Tensor(shape: [1, 1])])
        for (rows, cols) in [(UInt64(1) << 39, UInt64(1) << 39), (1 << 20, 1 << 20)] {
            setExtents(rows, cols)
            XCTAssertThrowsError(try TensorArchive.decode(Header.self, from: data), "[\(rows), \(cols)]") { error in
                guard case ModelError.badCheckpoint = error else { return XCTFail("unexpected \(error)") }
            }
        }
    }

    /// `data` with its trailing SHA-256 recomputed over the bytes before it.
    private static func resealed(_ data: Data) -> Data {
        var body = data.prefix(data.count - 32)
        var hash = SHA256()
        hash.update(body)
        body.append(contentsOf: hash.finalize())
        return body
    }

    /// The reason a decode of `data` gives, or nil when it decodes.
    private func refusal(_ data: Data) -> String? {
        do {
            _ = try TensorArchive.decode(Header.self, from: data)
            return nil
        } catch ModelError.badCheckpoint(let reason) {
            return reason
        } catch {
            return "unexpected \(error)"
        }
    }

    /// Any changed byte, a cut-off end or bytes added at the end are refused by the checksum,
    /// a flipped bit in a weight included (such a byte decodes to another valid float).
    func testDamagedArchivesAreRefused() throws {
        let tensors = [Tensor(shape: [3, 4], scalars: (0..<12).map { Float($0) / 7 }), Tensor(shape: [5], scalars: [1, 2, 3, 4, 5])]
        let data = TensorArchive.encode(header: Header(step: 2), tensors: tensors)
        XCTAssertNil(refusal(data))
        XCTAssertEqual(try TensorArchive.decode(Header.self, from: data).1, tensors)
        for offset in [10, data.count / 2, data.count - 40, data.count - 1] {
            var flipped = data
            flipped[offset] ^= 0x01
            XCTAssertTrue(refusal(flipped)?.contains("damaged") ?? false, "byte \(offset): \(refusal(flipped) ?? "accepted")")
        }
        for length in [data.count - 1, data.count - 33, data.count / 2, 12] {
            XCTAssertNotNil(refusal(data.prefix(length)), "truncated to \(length) bytes")
        }
        XCTAssertNotNil(refusal(data + Data([0])), "a byte appended")
        XCTAssertEqual(refusal(Data("not a checkpoint".utf8)), "not an Encore checkpoint")
    }

    /// An archive of the first layout (`ENCORECK1`, no checksum) cannot be checked and is refused.
    func testArchiveWithoutChecksumIsRefused() throws {
        let current = TensorArchive.encode(header: Header(step: 1), tensors: [Tensor(shape: [2], scalars: [1, 2])])
        var old = Data("ENCORECK1\n".utf8)
        old.append(current.dropFirst(10).dropLast(32))
        let reason = try XCTUnwrap(refusal(old))
        XCTAssertTrue(reason.contains("without a checksum"), reason)
    }
}
