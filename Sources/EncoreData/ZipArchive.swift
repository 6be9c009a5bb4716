import Foundation

/// A reader of zip archives (stored and deflate entries, no zip64 or encryption), enough for the
/// MovieLens archives.
public struct ZipArchive: Sendable {
    /// One file in the archive.
    public struct Entry: Sendable, Equatable {
        /// The path inside the archive (`ml-100k/u.data`).
        public var path: String
        /// 0 stored, 8 deflate.
        public var method: Int
        /// CRC-32 of the uncompressed bytes.
        public var crc32: UInt32
        /// Compressed size in bytes.
        public var compressedSize: Int
        /// Uncompressed size in bytes.
        public var size: Int
        /// Offset of the local header.
        var localHeaderOffset: Int
        /// Whether the entry is a directory.
        public var isDirectory: Bool { path.hasSuffix("/") }
    }

    /// The archive bytes.
    public let bytes: [UInt8]
    /// A name for messages.
    public let file: String
    /// The entries, in central-directory order.
    public let entries: [Entry]

    /// Reads the central directory of `bytes`.
    /// - Throws: `DataError.badArchive` when the bytes are not a supported zip archive.
    public init(bytes: [UInt8], file: String = "archive") throws {
        self.bytes = bytes
        self.file = file
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        guard bytes.count >= 22 else { throw DataError.badArchive(file: file, reason: "too short for a zip archive") }
        var end = -1
        var at = bytes.count - 22
        while at >= max(0, bytes.count - 22 - 65_535) {
            if u32(at) == 0x0605_4b50 { end = at; break }
            at -= 1
        }
        guard end >= 0 else { throw DataError.badArchive(file: file, reason: "no end-of-central-directory record") }
        let count = u16(end + 10)
        var offset = u32(end + 16)
        var entries: [Entry] = []
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, u32(offset) == 0x0201_4b50 else {
                throw DataError.badArchive(file: file, reason: "bad central directory entry at byte \(offset)")
            }
            let nameLength = u16(offset + 28), extraLength = u16(offset + 30), commentLength = u16(offset + 32)
            guard offset + 46 + nameLength <= bytes.count else { throw DataError.badArchive(file: file, reason: "truncated entry name") }
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            if u32(offset + 20) == 0xFFFF_FFFF || u32(offset + 24) == 0xFFFF_FFFF {
                throw DataError.badArchive(file: file, reason: "zip64 entries are not supported (\(name))")
            }
            entries.append(Entry(path: name, method: u16(offset + 10), crc32: UInt32(u32(offset + 16)),
                                 compressedSize: u32(offset + 20), size: u32(offset + 24), localHeaderOffset: u32(offset + 42)))
            offset += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// Reads the archive at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: [UInt8](data), file: url.path)
    }

    /// The uncompressed bytes of `entry`, checked against its size and CRC-32.
    public func extract(_ entry: Entry) throws -> [UInt8] {
        let h = entry.localHeaderOffset
        guard h + 30 <= bytes.count, bytes[h] == 0x50, bytes[h + 1] == 0x4b, bytes[h + 2] == 3, bytes[h + 3] == 4 else {
            throw DataError.badArchive(file: file, reason: "bad local header for \(entry.path)")
        }
        let start = h + 30 + (Int(bytes[h + 26]) | Int(bytes[h + 27]) << 8) + (Int(bytes[h + 28]) | Int(bytes[h + 29]) << 8)
        guard start + entry.compressedSize <= bytes.count else { throw DataError.badArchive(file: file, reason: "\(entry.path) is truncated") }
        let raw = Array(bytes[start..<(start + entry.compressedSize)])
        let output: [UInt8]
        switch entry.method {
        case 0: output = raw
        case 8: output = try Inflate.decompress(raw, file: "\(file)/\(entry.path)", expectedSize: entry.size)
        default: throw DataError.badArchive(file: file, reason: "\(entry.path) uses unsupported compression method \(entry.method)")
        }
        guard output.count == entry.size else {
            throw DataError.badArchive(file: file, reason: "\(entry.path) unpacked to \(output.count) bytes, expected \(entry.size)")
        }
        guard CRC32.checksum(output) == entry.crc32 else { throw DataError.badArchive(file: file, reason: "\(entry.path) fails its CRC-32 check") }
        return output
    }
}

/// CRC-32 (IEEE 802.3, as used by zip and gzip).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
