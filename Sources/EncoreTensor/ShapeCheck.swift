// Argument checks that hold in every build configuration.
//
// An optimised build stops on a failed `precondition` with an illegal instruction and no text,
// and `-Ounchecked` drops the check altogether (a shape mismatch then returns garbage). These
// checks always run and always print their message, through `fatalError`. Every public op calls
// them once at its entry, naming itself and the shapes involved, and only then runs its loops on
// raw pointers.

/// Stops the program with `message` unless `condition` holds: the check of shapes, extents and
/// indices at the entry of a public tensor op, kept in release builds.
///
/// Only a failing check builds its message; a passing one costs a comparison and a branch.
/// Messages start with the op's name and print every shape involved:
///
/// ```swift
/// requireShape(k == kB, "matmul: inner dimensions differ: a \(a.shape) x b \(b.shape)")
/// // Fatal error: matmul: inner dimensions differ: a [2, 3] x b [4, 5]
/// ```
/// - Parameters:
///   - condition: what the arguments must satisfy.
///   - message: `"<op>: <what is wrong>: <shapes>"`, evaluated only when `condition` is false.
@inlinable @inline(__always)
public func requireShape(
    _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    if _slowPath(!condition) { argumentCheckFailed(message, file: file, line: line) }
}

/// Stops the program with `message` unless `condition` holds: `requireShape` for arguments that
/// are not shapes (a rate, a count, `k`), with the same guarantees.
/// - Parameters:
///   - condition: what the arguments must satisfy.
///   - message: `"<op>: <what is wrong>"` with the offending values, evaluated only on failure.
@inlinable @inline(__always)
public func requireArgument(
    _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) {
    if _slowPath(!condition) { argumentCheckFailed(message, file: file, line: line) }
}

/// Stops the program with `message`: `requireShape(false, message)` for the `else` of a `guard`.
@inline(never)
public func shapeCheckFailure(
    _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) -> Never {
    argumentCheckFailed(message, file: file, line: line)
}

/// The cold path of the checks: kept out of line so that callers inline only the comparison.
@inline(never) @usableFromInline
func argumentCheckFailed(_ message: () -> String, file: StaticString, line: UInt) -> Never {
    fatalError(message(), file: file, line: line)
}

extension Tensor {
    /// The element count of `shape`, after checking that it is a valid tensor shape: rank 0, 1
    /// or 2, every extent >= 0, and a byte size that fits in `Int`.
    /// - Parameter op: the name printed when the check fails.
    @usableFromInline
    static func checkedCount(_ shape: [Int], op: String) -> Int {
        requireShape(shape.count <= 2, "\(op): Tensor supports rank 0, 1 or 2, got shape \(shape)")
        requireShape(shape.allSatisfy { $0 >= 0 }, "\(op): extents must be >= 0, got shape \(shape)")
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            requireShape(
                !overflow && product <= Int.max / MemoryLayout<Float>.stride,
                "\(op): shape \(shape) has more elements than memory can address")
            count = product
        }
        return count
    }
}
