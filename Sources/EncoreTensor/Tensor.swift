/// Heap storage shared by tensors until one of them writes (copy-on-write).
///
/// The buffer is 64-byte aligned so that `SIMD16<Float>` loads never straddle cache lines.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int

    @usableFromInline
    init(count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    @usableFromInline
    func copy() -> TensorStorage {
        let fresh = TensorStorage(count: count)
        fresh.pointer.update(from: pointer, count: count)
        return fresh
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}

/// A dense, row-major tensor of `Float` with value semantics (copy-on-write).
///
/// Shapes are `[]` (a scalar), `[n]` (a vector) or `[rows, cols]` (a matrix). A vector is treated
/// as one row (`[1, n]`) by the matrix kernels. Element `(i, j)` of a matrix lives at
/// `i * cols + j`.
///
/// ```swift
/// var x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// x[1, 2] = 0       // copies the storage only if it is shared
/// ```
public struct Tensor: @unchecked Sendable {
    @usableFromInline var storage: TensorStorage
    /// The extent of each dimension: `[]`, `[n]` or `[rows, cols]`.
    public private(set) var shape: [Int]

    /// Creates a tensor of the given shape filled with `value`.
    /// - Parameters:
    ///   - shape: `[]`, `[n]` or `[rows, cols]`; every extent must be >= 0.
    ///   - value: the fill value (default 0).
    public init(shape: [Int], repeating value: Float = 0) {
        let count = Tensor.checkedCount(shape, op: "Tensor(shape:)")
        self.shape = shape
        storage = TensorStorage(count: count)
        storage.pointer.initialize(repeating: value, count: count)
    }

    /// Creates a tensor of the given shape from row-major scalars.
    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        let count = Tensor.checkedCount(shape, op: "Tensor(shape:scalars:)")
        requireShape(
            scalars.count == count,
            "Tensor(shape:scalars:): shape \(shape) needs \(count) scalars, got \(scalars.count)")
        self.shape = shape
        storage = TensorStorage(count: count)
        scalars.withUnsafeBufferPointer { source in
            if count > 0 { storage.pointer.initialize(from: source.baseAddress!, count: count) }
        }
    }

    /// Creates an uninitialised tensor; the caller must write every element before reading.
    /// - Parameter shape: `[]`, `[n]` or `[rows, cols]`.
    public init(uninitializedShape shape: [Int]) {
        self.init(uninitializedShape: shape, op: "Tensor(uninitializedShape:)")
    }

    /// `init(uninitializedShape:)` for an op that names itself if the shape is invalid.
    init(uninitializedShape shape: [Int], op: String) {
        let count = Tensor.checkedCount(shape, op: op)
        self.shape = shape
        storage = TensorStorage(count: count)
    }

    /// A `[rows, cols]` matrix of zeros.
    public static func zeros(_ rows: Int, _ cols: Int) -> Tensor { Tensor(shape: [rows, cols]) }

    /// A scalar tensor (shape `[]`).
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A `[rows, cols]` matrix from nested row arrays (convenient in tests).
    /// - Precondition: every row has the same length.
    public init(_ rows: [[Float]]) {
        let cols = rows.first?.count ?? 0
        requireShape(
            rows.allSatisfy { $0.count == cols },
            "Tensor(_:): rows have different lengths: \(rows.map(\.count))")
        self.init(shape: [rows.count, cols], scalars: rows.flatMap { $0 })
    }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }
    /// The tensor's rank: 0, 1 or 2.
    @inlinable public var rank: Int { shape.count }
    /// Rows when seen as a matrix: `shape[0]` for rank 2, 1 otherwise.
    @inlinable public var rows: Int { shape.count == 2 ? shape[0] : 1 }
    /// Columns when seen as a matrix: `shape[1]` for rank 2, `shape[0]` for rank 1, 1 for a scalar.
    @inlinable public var cols: Int { shape.count == 2 ? shape[1] : (shape.count == 1 ? shape[0] : 1) }

    /// All elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single value of a one-element tensor.
    public var scalarValue: Float {
        requireShape(count == 1, "scalarValue: needs exactly one element, shape is \(shape)")
        return storage.pointer[0]
    }

    /// Returns the same elements with a new shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        let newCount = Tensor.checkedCount(newShape, op: "reshaped")
        requireShape(
            newCount == count, "reshaped: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        var result = self
        result.shape = newShape
        return result
    }

    /// Element `i` of a vector, or element `i` in row-major order.
    @inlinable public subscript(i: Int) -> Float {
        get {
            if i < 0 || i >= count { shapeCheckFailure("Tensor[\(i)]: index out of range for shape \(shape)") }
            return storage.pointer[i]
        }
        set {
            if i < 0 || i >= count { shapeCheckFailure("Tensor[\(i)]: index out of range for shape \(shape)") }
            makeUnique()
            storage.pointer[i] = newValue
        }
    }

    /// Element `(row, col)` of a matrix.
    @inlinable public subscript(row: Int, col: Int) -> Float {
        get {
            if row < 0 || row >= rows || col < 0 || col >= cols {
                shapeCheckFailure("Tensor[\(row), \(col)]: index out of range for shape \(shape)")
            }
            return storage.pointer[row * cols + col]
        }
        set {
            if row < 0 || row >= rows || col < 0 || col >= cols {
                shapeCheckFailure("Tensor[\(row), \(col)]: index out of range for shape \(shape)")
            }
            makeUnique()
            storage.pointer[row * cols + col] = newValue
        }
    }

    @inlinable mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Read-only access to the contiguous row-major elements.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.pointer, count: count))
        }
    }

    /// Mutable access to the contiguous row-major elements (copies first if the storage is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
        }
    }

    /// Rows `range` of a matrix as a new `[range.count, cols]` tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        requireShape(
            range.lowerBound >= 0 && range.upperBound <= rows,
            "rows(_:): row range \(range) out of bounds for shape \(shape)")
        var result = Tensor(uninitializedShape: [range.count, cols])
        result.withUnsafeMutableBufferPointer { target in
            if target.count > 0 {
                target.baseAddress!.update(from: storage.pointer + range.lowerBound * cols, count: target.count)
            }
        }
        return result
    }

    /// The given rows of a matrix, in order, as a new `[indices.count, cols]` tensor.
    public func gatherRows(_ indices: [Int]) -> Tensor {
        let width = cols, rowCount = rows
        // Checked in a pass of their own, so the copy loop builds no message.
        if let bad = indices.first(where: { $0 < 0 || $0 >= rowCount }) {
            shapeCheckFailure("gatherRows: row \(bad) out of bounds for shape \(shape)")
        }
        var result = Tensor(uninitializedShape: [indices.count, width])
        let source = storage.pointer
        result.withUnsafeMutableBufferPointer { target in
            for (r, index) in indices.enumerated() {
                (target.baseAddress! + r * width).update(from: source + index * width, count: width)
            }
        }
        return result
    }

    /// The transpose of a matrix (a vector is treated as one row).
    public func transposed() -> Tensor {
        let (m, n) = (rows, cols)
        var result = Tensor(uninitializedShape: [n, m])
        let source = storage.pointer
        result.withUnsafeMutableBufferPointer { target in
            let t = target.baseAddress!
            let block = 32
            for i0 in stride(from: 0, to: m, by: block) {
                for j0 in stride(from: 0, to: n, by: block) {
                    for i in i0..<min(i0 + block, m) {
                        for j in j0..<min(j0 + block, n) { t[j * m + i] = source[i * n + j] }
                    }
                }
            }
        }
        return result
    }
}

extension Tensor: Equatable {
    /// Exact equality of shape and elements.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.scalars == rhs.scalars
    }
}

extension Tensor: CustomStringConvertible {
    /// A short description: shape and, for small tensors, the elements.
    public var description: String {
        count <= 64 ? "Tensor(\(shape), \(scalars))" : "Tensor(\(shape), \(count) elements)"
    }
}
