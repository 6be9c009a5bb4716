/// One 16-float row of a C tile: `C[0..<16] = alpha * acc + beta * C`; beta 0 never reads C (so
/// NaNs there vanish).
///
/// This file is compiled twice, like `SparseDenseOperands.swift`: here for the 6 x 16 tile and,
/// through a symbolic link, in EncoreAVX512Kernels for the 12 x 32 micro-kernel, so both tiles
/// write C with the same operations.
enum GEMMRowStore {
    @inline(__always)
    static func store(_ acc: SIMD16<Float>, _ c: UnsafeMutablePointer<Float>, _ alpha: Float, _ beta: Float) {
        let raw = UnsafeMutableRawPointer(c)
        if beta == 0 {
            raw.storeBytes(of: acc * alpha, as: SIMD16<Float>.self)
        } else if beta == 1 {
            let old = UnsafeRawPointer(c).loadUnaligned(as: SIMD16<Float>.self)
            raw.storeBytes(of: old.addingProduct(alpha, acc), as: SIMD16<Float>.self)
        } else {
            let old = UnsafeRawPointer(c).loadUnaligned(as: SIMD16<Float>.self)
            raw.storeBytes(of: (old * beta).addingProduct(alpha, acc), as: SIMD16<Float>.self)
        }
    }
}
