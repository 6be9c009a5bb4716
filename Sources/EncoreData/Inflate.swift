/// A DEFLATE (RFC 1951) decompressor: stored, fixed-Huffman and dynamic-Huffman blocks.
public enum Inflate {
    /// Decompresses a raw DEFLATE stream.
    /// - Throws: `DataError.badArchive` for a corrupt stream (`file` names it in the message).
    public static func decompress(_ input: [UInt8], file: String = "stream", expectedSize: Int? = nil) throws -> [UInt8] {
        var reader = BitReader(bytes: input, file: file)
        var out: [UInt8] = []
        if let expectedSize { out.reserveCapacity(expectedSize) }
        var final = false
        while !final {
            final = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0:
                reader.alignToByte()
                let len = try reader.bits(16), nlen = try reader.bits(16)
                guard len == ~nlen & 0xFFFF else { throw DataError.badArchive(file: file, reason: "stored block length check failed") }
                out.append(contentsOf: try reader.bytes(len))
            case 1:
                try inflateBlock(&reader, &out, Huffman.fixedLiterals, Huffman.fixedDistances)
            case 2:
                let (lit, dist) = try readDynamicTables(&reader)
                try inflateBlock(&reader, &out, lit, dist)
            default:
                throw DataError.badArchive(file: file, reason: "invalid deflate block type 3")
            }
        }
        return out
    }

    private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    private static func inflateBlock(_ r: inout BitReader, _ out: inout [UInt8], _ lit: Huffman, _ dist: Huffman) throws {
        while true {
            let symbol = try lit.decode(&r)
            if symbol < 256 { out.append(UInt8(symbol)); continue }
            if symbol == 256 { return }
            let li = symbol - 257
            guard li < 29 else { throw DataError.badArchive(file: r.file, reason: "bad length symbol \(symbol)") }
            let length = lengthBase[li] + (try r.bits(lengthExtra[li]))
            let di = try dist.decode(&r)
            guard di < 30 else { throw DataError.badArchive(file: r.file, reason: "bad distance symbol \(di)") }
            let distance = distBase[di] + (try r.bits(distExtra[di]))
            guard distance <= out.count else { throw DataError.badArchive(file: r.file, reason: "distance \(distance) before start of output") }
            let start = out.count - distance
            for k in 0..<length { out.append(out[start + k]) }
        }
    }

    private static func readDynamicTables(_ r: inout BitReader) throws -> (Huffman, Huffman) {
        let hlit = try r.bits(5) + 257, hdist = try r.bits(5) + 1, hclen = try r.bits(4) + 4
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for k in 0..<hclen { codeLengths[order[k]] = try r.bits(3) }
        let codeHuffman = try Huffman(lengths: codeLengths, file: r.file)
        var lengths: [Int] = []
        while lengths.count < hlit + hdist {
            let symbol = try codeHuffman.decode(&r)
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else { throw DataError.badArchive(file: r.file, reason: "repeat with no previous length") }
                lengths.append(contentsOf: repeatElement(previous, count: 3 + (try r.bits(2))))
            case 17: lengths.append(contentsOf: repeatElement(0, count: 3 + (try r.bits(3))))
            default: lengths.append(contentsOf: repeatElement(0, count: 11 + (try r.bits(7))))
            }
        }
        guard lengths.count == hlit + hdist else { throw DataError.badArchive(file: r.file, reason: "code lengths overflow") }
        return (try Huffman(lengths: Array(lengths[0..<hlit]), file: r.file),
                try Huffman(lengths: Array(lengths[hlit...]), file: r.file))
    }
}

/// LSB-first bit reader over a byte array.
struct BitReader {
    let bytes: [UInt8]
    let file: String
    var position = 0
    var bitBuffer: UInt64 = 0
    var bitCount = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func bits(_ n: Int) throws -> Int {
        if n == 0 { return 0 }
        while bitCount < n {
            guard position < bytes.count else { throw DataError.badArchive(file: file, reason: "deflate stream ends early") }
            bitBuffer |= UInt64(bytes[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        return value
    }

    mutating func alignToByte() {
        let drop = bitCount % 8
        bitBuffer >>= UInt64(drop)
        bitCount -= drop
    }

    mutating func bytes(_ n: Int) throws -> ArraySlice<UInt8> {
        // After alignment, whole bytes may still sit in the bit buffer.
        var result: [UInt8] = []
        while bitCount >= 8 && result.count < n { result.append(UInt8(try bits(8))) }
        let rest = n - result.count
        guard position + rest <= bytes.count else { throw DataError.badArchive(file: file, reason: "stored block ends early") }
        result.append(contentsOf: bytes[position..<(position + rest)])
        position += rest
        return result[...]
    }
}

/// A canonical Huffman decoding table (counts and symbols, decoded bit by bit).
struct Huffman {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []

    init(lengths: [Int], file: String) throws {
        for l in lengths { counts[l] += 1 }
        counts[0] = 0
        var offsets = [Int](repeating: 0, count: 16)
        for l in 1..<16 { offsets[l] = offsets[l - 1] + counts[l - 1] }
        symbols = [Int](repeating: 0, count: lengths.count)
        for (symbol, l) in lengths.enumerated() where l > 0 {
            symbols[offsets[l]] = symbol
            offsets[l] += 1
        }
    }

    func decode(_ r: inout BitReader) throws -> Int {
        var code = 0, first = 0, index = 0
        for l in 1..<16 {
            code |= try r.bits(1)
            let count = counts[l]
            if code - count < first { return symbols[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw DataError.badArchive(file: r.file, reason: "invalid Huffman code")
    }

    static let fixedLiterals = try! Huffman(
        lengths: Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112) + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8),
        file: "fixed")
    static let fixedDistances = try! Huffman(lengths: Array(repeating: 5, count: 30), file: "fixed")
}
