#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings of the C allocator that training loops depend on for speed.
///
/// A training step allocates and frees the same large buffers (a `[500, 3533]` batch of logits is
/// 7 MB) hundreds of times. With glibc's defaults each of those is a fresh `mmap`, and the kernel
/// zeroes every page again on first touch: `perf` put 9% of a Mult-DAE epoch in `clear_page_erms`.
/// `retainFreedMemory()` serves every block from the heap (no `mmap` per block, whatever its size)
/// and stops the heap from being trimmed, so freed buffers are reused from the heap instead. Raising
/// the mmap threshold alone is not enough: glibc caps it at 32 MiB, and at ML-20M size a Mult-VAE
/// batch's `[500, 20000]` logits are 40 MB, so with the threshold only a fifth of that epoch's
/// time went to page faults and unmapping (docs/models-ranking.md, "Work per epoch"). Memory the
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
        // M_TRIM_THRESHOLD is -1, M_MMAP_THRESHOLD -3 and M_MMAP_MAX -4 in malloc.h. With
        // M_MMAP_MAX 0 no block of the main heap is mmap-ed on its own (glibc still maps memory
        // for the heap when it cannot grow it with brk, and a block larger than a thread arena's
        // 64 MiB heap is still mapped); the threshold covers an allocator that ignores that setting.
        let trim = mallopt(-1, Int32.max)
        let threshold = mallopt(-3, 32 * 1024 * 1024)
        let mmapMax = mallopt(-4, 0)
        return trim == 1 && threshold == 1 && mmapMax == 1
        #else
        return true
        #endif
    }

    /// Hands the heap's free pages back to the kernel (glibc's `malloc_trim(0)`), keeping the
    /// address space: pages freed after loading data (the parsed or generated interactions, the
    /// split's working arrays) otherwise stay resident for the whole run, so every later buffer
    /// adds to a peak that already counts them. Call between phases, not inside a loop (the next
    /// touch of a returned page is a fresh, zeroed page). Returns whether the call was made
    /// (false off glibc, where it is not needed).
    @discardableResult
    public static func returnFreedMemory() -> Bool {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return false }
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
        return true
        #else
        return false
        #endif
    }
}
