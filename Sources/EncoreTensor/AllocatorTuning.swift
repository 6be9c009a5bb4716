#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings of the C allocator that training loops depend on for speed.
///
/// A training step allocates and frees the same large buffers (a `[500, 3533]` batch of logits is
/// 7 MB) hundreds of times. With glibc's defaults each of those is a fresh `mmap`, and the kernel
/// zeroes every page again on first touch: `perf` put 9% of a Mult-DAE epoch in `clear_page_erms`.
/// `retainFreedMemory()` raises the mmap threshold to glibc's maximum (32 MiB on 64-bit) and stops
/// the heap from being trimmed, so freed buffers are reused from the heap instead. Memory the
/// process freed stays mapped until it exits (it is reused, not leaked). A no-op off glibc (macOS's
/// allocator keeps large freed regions on its own).
public enum AllocatorTuning {
    /// Applies the settings; call once at process start (the `encore` executable does).
    /// Returns whether the allocator accepted them.
    @discardableResult
    public static func retainFreedMemory() -> Bool {
        #if canImport(Glibc)
        // malloc.h is not part of the Glibc module, so mallopt is looked up at run time.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        // M_TRIM_THRESHOLD is -1 and M_MMAP_THRESHOLD -3 in malloc.h; 32 MiB is glibc's ceiling
        // for the mmap threshold on 64-bit.
        let trim = mallopt(-1, Int32.max)
        let mmap = mallopt(-3, 32 * 1024 * 1024)
        return trim == 1 && mmap == 1
        #else
        return true
        #endif
    }

    /// Buffers of at least this many bytes are 2 MiB aligned and advised to use huge pages
    /// (numpy's threshold for the same advice).
    public static let hugePageThreshold = 4 << 20

    /// The alignment `TensorStorage` asks for: 2 MiB at or above `hugePageThreshold`, else 64 bytes.
    @inlinable
    public static func alignment(forBytes byteCount: Int) -> Int {
        #if os(Linux)
        return byteCount >= hugePageThreshold ? 2 << 20 : 64
        #else
        return 64
        #endif
    }

    /// Asks Linux to back a large, 2 MiB-aligned buffer with transparent huge pages
    /// (`madvise(MADV_HUGEPAGE)`); does nothing below `hugePageThreshold` or on other systems.
    ///
    /// Why: the CSR x dense input layers read rows of a multi-megabyte dense operand in random
    /// order; with 4 KiB pages nearly every row misses the TLB (Zen 3's 2,048-entry L2 TLB covers
    /// 8 MiB). With 2 MiB pages `encore bench sparse` at one thread ran about 18% faster (median
    /// of 40 interleaved runs, 5.04 ms vs 6.16 ms). numpy gives its large arrays the same advice,
    /// so the scipy reference already has it. Only the advice is given: with THP set to `never`
    /// the call is refused and the buffer stays on 4 KiB pages, which is harmless.
    public static func adviseHugePages(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        guard byteCount >= hugePageThreshold else { return }
        // MADV_HUGEPAGE is 14 in <linux/mman.h>; the range is rounded down to whole pages so it
        // never touches a neighbouring allocation's tail page.
        let pageAligned = byteCount & ~(4096 - 1)
        _ = madvise(pointer, pageAligned, 14)
        #endif
    }
}
