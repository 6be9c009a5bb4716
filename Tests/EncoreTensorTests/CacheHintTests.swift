import EncoreShims
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
            encore_prefetch_read(raw + offset)
            offset += 64
        }
        encore_prefetch_read(UnsafeRawPointer(bitPattern: 64)!)  // inside no mapping
        for i in 0..<count { XCTAssertEqual(buffer[i], Float(i) * 0.5 - 7) }
    }

    /// The CPU features agree with the kernel list, and AVX-512 implies the AVX2 baseline.
    func testCPUFeaturesAreConsistent() {
        #if arch(x86_64)
        XCTAssertEqual(encore_cpu_has_avx2_fma(), 1, "the test binary runs, so the baseline is there")
        #endif
        if encore_cpu_has_avx512() != 0 { XCTAssertEqual(encore_cpu_has_avx2_fma(), 1) }
    }
}
