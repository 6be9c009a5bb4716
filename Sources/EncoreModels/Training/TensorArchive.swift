import Foundation

/// A small binary container: a JSON header followed by raw little-endian Float32 tensors, so
/// checkpoints restore weights bit-exactly and quickly (no decimal round trip), sealed by a
/// SHA-256 checksum so that a damaged file (a changed byte, a cut-off end) is refused instead of
/// silently restoring wrong weights.
///
/// Layout: `ENCORECK2\n`, UInt64 header length, header JSON, UInt64 tensor count, then per tensor
/// UInt64 rank, UInt64 extents, Float32 scalars; last, the 32-byte SHA-256 of everything before it.
/// Archives of the first layout (`ENCORECK1\n`, no checksum) are refused: they cannot be checked.
public enum TensorArchive {
    static let magic = Data("ENCORECK2\n".utf8)
    /// The magic of the first layout, which had no checksum.
    static let uncheckedMagic = Data("ENCORECK1\n".utf8)
    /// Bytes of the trailing checksum.
    static let checksumLength = 32

    /// Encodes a header and tensors, sealed with their checksum.
    public static func encode<Header: Encodable>(header: Header, tensors: [Tensor]) -> Data {
        var data = magic
        let json = (try? JSONEncoder().encode(header)) ?? Data()
        append(UInt64(json.count), to: &data)
        data.append(json)
        append(UInt64(tensors.count), to: &data)
        for tensor in tensors {
            append(UInt64(tensor.shape.count), to: &data)
            for extent in tensor.shape { append(UInt64(extent), to: &data) }
            tensor.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        }
        data.append(contentsOf: checksum(of: data))
        return data
    }

    /// Decodes what `encode` wrote, after checking its checksum.
    /// - Throws: `ModelError.badCheckpoint` when the bytes are not such an archive, when the
    ///   checksum does not match (a damaged or truncated file), or for an archive of the first
    ///   layout, which carries no checksum.
    public static func decode<Header: Decodable>(_ type: Header.Type, from data: Data) throws -> (Header, [Tensor]) {
        try verify(data)
        var reader = Reader(data: data.prefix(data.count - checksumLength))
        reader.offset = magic.count
        let headerLength = try reader.integer()
        let headerBytes = try reader.bytes(headerLength)
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: headerBytes) } catch {
            throw ModelError.badCheckpoint("its header is unreadable (\(error))")
        }
        let count = try reader.integer()
        var tensors: [Tensor] = []
        for _ in 0..<count {
            let rank = try reader.integer()
            guard rank <= 2 else { throw ModelError.badCheckpoint("tensor of rank \(rank)") }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(try reader.integer()) }
            // Sizes are checked against the bytes present before anything is allocated.
            var byteCount = MemoryLayout<Float>.stride
            for extent in shape {
                let (product, overflow) = byteCount.multipliedReportingOverflow(by: extent)
                guard !overflow else { throw ModelError.badCheckpoint("a tensor of shape \(shape) is too large") }
                byteCount = product
            }
            let bytes = try reader.bytes(byteCount)
            var tensor = Tensor(uninitializedShape: shape)
            tensor.withUnsafeMutableBufferPointer { target in
                _ = bytes.copyBytes(to: target)
            }
            tensors.append(tensor)
        }
        guard reader.offset == reader.data.count else {
            throw ModelError.badCheckpoint("it has \(reader.data.count - reader.offset) bytes after its last tensor")
        }
        return (header, tensors)
    }

    /// Checks that `data` is an archive of the current layout whose checksum matches its bytes.
    /// - Throws: `ModelError.badCheckpoint` saying what is wrong.
    public static func verify(_ data: Data) throws {
        if data.starts(with: uncheckedMagic) {
            throw ModelError.badCheckpoint("it was written by an older version of encore without a checksum, so it cannot be checked")
        }
        guard data.starts(with: magic) else { throw ModelError.badCheckpoint("not an Encore checkpoint") }
        guard data.count >= magic.count + checksumLength else {
            throw ModelError.badCheckpoint("it is damaged: truncated to \(data.count) bytes")
        }
        let body = data.prefix(data.count - checksumLength)
        guard checksum(of: body) == Array(data.suffix(checksumLength)) else {
            throw ModelError.badCheckpoint("it is damaged: its SHA-256 checksum does not match its \(data.count) bytes")
        }
    }

    /// SHA-256 of `data`, fed in 1 MiB chunks so that no copy of a large archive is made.
    static func checksum(of data: Data) -> [UInt8] {
        var hash = SHA256()
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let chunk = 1 << 20
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                hash.update(bytes[start..<min(start + chunk, bytes.count)])
            }
        }
        return hash.finalize()
    }

    private static func append(_ value: UInt64, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private struct Reader {
        let data: Data
        var offset = 0
        mutating func bytes(_ count: Int) throws -> Data {
            guard count >= 0, offset + count <= data.count else { throw ModelError.badCheckpoint("it is truncated") }
            defer { offset += count }
            return data.subdata(in: data.startIndex + offset..<data.startIndex + offset + count)
        }
        mutating func integer() throws -> Int {
            let raw = try bytes(8)
            let value = raw.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let result = Int(UInt64(littleEndian: value))
            guard result >= 0 && result < 1 << 40 else { throw ModelError.badCheckpoint("a size is corrupt") }
            return result
        }
    }
}
