// This module is compiled with `-parse-stdlib` (see Package.swift) for one reason: the compiler's
// `Builtin` module is the only way Swift code can reach LLVM's `llvm.prefetch`. Nothing else lives
// here, because a module built with `-parse-stdlib` optimised our SIMD loops 3-6x worse when we
// tried (the kernels stay in EncoreTensor and inline `prefetchForRead` across the module boundary).
import Swift

/// Software prefetch, the one cache control Encore's kernels need that the standard library lacks.
public enum CacheHint {
    /// Asks the CPU to start loading the cache line that holds `address` into every cache level
    /// (`prefetcht0` on x86-64, `prfm pldl1keep` on arm64).
    ///
    /// A hint only: it changes no memory and no result, never faults (not even for an address
    /// outside any mapping), and retires at once. That last point is why it beats "touching" the
    /// line with an ordinary load: a load that misses holds up retirement until its data arrives,
    /// so the out-of-order window fills and the core stalls anyway.
    @inlinable @inline(__always)
    public static func prefetchForRead(_ address: UnsafeRawPointer) {
        // llvm.prefetch(address, rw: 0 = read, locality: 3 = keep in all levels, cache type: 1 = data)
        Builtin.int_prefetch_RawPointer(address._rawValue, Int32(0)._value, Int32(3)._value, Int32(1)._value)
    }
}
