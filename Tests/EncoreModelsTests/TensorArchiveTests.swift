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
}
