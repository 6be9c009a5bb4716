#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EncoreTensor
import Foundation

/// A CBLAS shared library (OpenBLAS, MKL, BLIS, ...) opened at run time with `dlopen`, for
/// `encore bench gemm --against`: timing Encore's GEMM and the library's `cblas_sgemm` call by
/// call in one process. Nothing in Encore links against it; the package keeps zero dependencies.
///
/// Both CBLAS integer widths are handled: the usual LP64 interface (`cblas_sgemm`, 32-bit sizes)
/// and the ILP64 one of numpy's and scipy's bundled OpenBLAS (`scipy_cblas_sgemm64_`, 64-bit
/// sizes), chosen by which symbol the library exports.
public struct CBLASLibrary: Sendable {
    /// `cblas_sgemm` with 32-bit integer arguments (LP64).
    private typealias SGEMM32 = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    /// `cblas_sgemm` with 64-bit integer sizes (ILP64); the enum arguments stay C `int`.
    private typealias SGEMM64 = @convention(c) (
        Int32, Int32, Int32, Int64, Int64, Int64, Float, UnsafePointer<Float>?, Int64,
        UnsafePointer<Float>?, Int64, Float, UnsafeMutablePointer<Float>?, Int64) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias CoreName = @convention(c) () -> UnsafePointer<CChar>?

    /// `sgemm` symbols tried in order, with whether each has 64-bit integers.
    static let sgemmSymbols: [(name: String, ilp64: Bool)] = [
        ("scipy_cblas_sgemm64_", true), ("cblas_sgemm64_", true), ("cblas_sgemm", false),
    ]
    /// Thread-count setters tried in order (OpenBLAS's names; other libraries read environment variables).
    static let threadSymbols = ["scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads"]
    /// Kernel-name getters tried in order (OpenBLAS reports the kernel family it chose, e.g. `SkylakeX`).
    static let coreNameSymbols = ["scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"]

    /// The path the library was opened from.
    public let path: String
    /// The `sgemm` symbol in use.
    public let symbol: String
    private let sgemm32: SGEMM32?
    private let sgemm64: SGEMM64?
    private let setThreads: SetThreads?
    private let coreNameFunction: CoreName?

    /// Opens `path` and finds its `cblas_sgemm`.
    /// - Throws: `BenchError` (a usage error, exit 64, in the CLI) naming the path when the file cannot be loaded or exports
    ///   no known `sgemm` symbol; the message carries `dlerror()`'s reason.
    public init(path: String) throws(BenchError) {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw BenchError("--against: cannot load the CBLAS library '\(path)': \(reason)")
        }
        func find(_ name: String) -> UnsafeMutableRawPointer? { dlsym(handle, name) }
        guard let (name, ilp64, address) = Self.sgemmSymbols.lazy.compactMap({ entry in
            find(entry.name).map { (entry.name, entry.ilp64, $0) }
        }).first else {
            dlclose(handle)
            let tried = Self.sgemmSymbols.map(\.name).joined(separator: ", ")
            throw BenchError("--against: '\(path)' exports no sgemm symbol (tried \(tried))")
        }
        self.path = path
        symbol = name
        sgemm64 = ilp64 ? unsafeBitCast(address, to: SGEMM64.self) : nil
        sgemm32 = ilp64 ? nil : unsafeBitCast(address, to: SGEMM32.self)
        setThreads = Self.threadSymbols.lazy.compactMap(find).first.map { unsafeBitCast($0, to: SetThreads.self) }
        coreNameFunction = Self.coreNameSymbols.lazy.compactMap(find).first.map { unsafeBitCast($0, to: CoreName.self) }
        // The handle stays open for the life of the process: the function pointers above need it.
    }

    /// Whether the library exposes a thread-count setter (OpenBLAS does).
    public var canSetThreads: Bool { setThreads != nil }

    /// Sets the library's thread count, when it has a setter.
    public func setThreadCount(_ threads: Int) { setThreads?(Int32(clamping: threads)) }

    /// The kernel family OpenBLAS chose for this CPU (`SkylakeX`, `Haswell`, ...), or nil for other libraries.
    public var coreName: String? {
        guard let pointer = coreNameFunction?() else { return nil }
        return String(cString: pointer).trimmingCharacters(in: .whitespaces)
    }

    /// `c = alpha · op(a) · op(b) + beta · c` through the library's `cblas_sgemm`, row-major,
    /// with the same shape rules as `Tensor.matmul(_:_:transposeA:transposeB:alpha:beta:into:threads:)`:
    /// `a` is [m, k] (or [k, m] when `transposeA`), `b` is [k, n] (or [n, k]), `c` is [m, n].
    public func multiply(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool,
                  alpha: Float = 1, beta: Float = 0, into c: inout Tensor) {
        let m = transposeA ? a.cols : a.rows, k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        requireArgument((transposeB ? b.cols : b.rows) == k && c.rows == m && c.cols == n,
                     "CBLASLibrary.multiply: a \(a.shape) x b \(b.shape) does not give c \(c.shape)")
        let rowMajor: Int32 = 101, noTranspose: Int32 = 111, transpose: Int32 = 112
        let lda = a.cols, ldb = b.cols, ldc = max(n, 1)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    let ta = transposeA ? transpose : noTranspose, tb = transposeB ? transpose : noTranspose
                    if let sgemm64 {
                        sgemm64(rowMajor, ta, tb, Int64(m), Int64(n), Int64(k), alpha, pa.baseAddress, Int64(max(lda, 1)),
                                pb.baseAddress, Int64(max(ldb, 1)), beta, pc.baseAddress, Int64(ldc))
                    } else if let sgemm32 {
                        sgemm32(rowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, pa.baseAddress, Int32(max(lda, 1)),
                                pb.baseAddress, Int32(max(ldb, 1)), beta, pc.baseAddress, Int32(ldc))
                    }
                }
            }
        }
    }
}
