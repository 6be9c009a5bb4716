import EncoreCacheHints
import XCTest

final class CacheHintTests: XCTestCase {
    /// The hint's contract: it changes no memory and never faults, not even for an address past
    /// the end of a buffer or outside every mapping (the kernels rely on this near the edges).
    func testPrefetchChangesNothingAndNeverFaults() {
        let count = 4096
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        for i in 0..<count { buffer[i] = Float(i) * 0.5 - 7 }
        let raw = UnsafeRawPointer(buffer)
        var offset = 0
        while offset < count * 4 + 4096 {  // through the buffer and a page past its end
            CacheHint.prefetchForRead(raw + offset)
            offset += 64
        }
        CacheHint.prefetchForRead(UnsafeRawPointer(bitPattern: 64)!)  // inside no mapping
        for i in 0..<count { XCTAssertEqual(buffer[i], Float(i) * 0.5 - 7) }
    }
}
