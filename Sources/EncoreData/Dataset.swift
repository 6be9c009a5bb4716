/// One user-item interaction with dense (remapped) indices.
public struct Interaction: Sendable, Equatable {
    /// Dense user index in `0..<Dataset.userCount`.
    public var user: Int32
    /// Dense item index in `0..<Dataset.itemCount`.
    public var item: Int32
    /// The rating (explicit) or 1 (implicit).
    public var rating: Float
    /// Seconds since the epoch, or 0 when the source has none.
    public var timestamp: Int64

    /// Creates an interaction.
    public init(user: Int32, item: Int32, rating: Float, timestamp: Int64) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
    }
}

/// A set of interactions with dense user and item indices and their original IDs.
///
/// Users are `0..<userCount`, items `0..<itemCount`; `userIDs[u]` and `itemIDs[i]` are the IDs
/// of the source file, so every output can name the original user and item.
public struct Dataset: Sendable {
    /// A short name, e.g. `ml-1m` or `synthetic`.
    public var name: String
    /// The interactions, in source order (or as preprocessing left them).
    public var interactions: [Interaction]
    /// Original user ID of each dense user index.
    public var userIDs: [String]
    /// Original item ID of each dense item index.
    public var itemIDs: [String]
    /// Whether ratings are all 1 (implicit feedback).
    public var isImplicit: Bool
    /// The range of explicit ratings (e.g. `1...5`); nil for implicit data.
    public var ratingRange: ClosedRange<Float>?

    /// Creates a dataset; indices must be dense in `0..<userIDs.count` / `0..<itemIDs.count`.
    public init(
        name: String, interactions: [Interaction], userIDs: [String], itemIDs: [String],
        isImplicit: Bool, ratingRange: ClosedRange<Float>?
    ) {
        self.name = name
        self.interactions = interactions
        self.userIDs = userIDs
        self.itemIDs = itemIDs
        self.isImplicit = isImplicit
        self.ratingRange = ratingRange
    }

    /// Number of users (rows of the interaction matrix).
    public var userCount: Int { userIDs.count }
    /// Number of items (columns of the interaction matrix).
    public var itemCount: Int { itemIDs.count }
    /// Fraction of the `[users, items]` matrix that holds an interaction.
    public var density: Double {
        userCount == 0 || itemCount == 0 ? 0 : Double(interactions.count) / (Double(userCount) * Double(itemCount))
    }

    /// The `[users.count, itemCount]` matrix of the given users' interactions (row `r` is
    /// `users[r]`), or of all users when `users` is nil. Duplicate pairs keep the last rating.
    public func matrix(users: [Int]? = nil) -> SparseMatrix {
        let rowOfUser: [Int32]
        let rowCount: Int
        if let users {
            var map = [Int32](repeating: -1, count: userCount)
            for (r, u) in users.enumerated() {
                if u < 0 || u >= userCount { shapeCheckFailure("user \(u) outside 0..<\(userCount)") }
                map[u] = Int32(r)
            }
            rowOfUser = map
            rowCount = users.count
        } else {
            rowOfUser = (0..<Int32(userCount)).map { $0 }
            rowCount = userCount
        }
        var builder = CSRBuilder(rows: rowCount, cols: itemCount)
        for x in interactions {
            let r = rowOfUser[Int(x.user)]
            if r >= 0 { builder.append(row: r, col: x.item, value: x.rating) }
        }
        return builder.build()
    }

    /// Number of interactions of each user, `[userCount]`.
    public func interactionsPerUser() -> [Int] {
        var counts = [Int](repeating: 0, count: userCount)
        for x in interactions { counts[Int(x.user)] += 1 }
        return counts
    }

    /// Number of interactions of each item, `[itemCount]`.
    public func interactionsPerItem() -> [Int] {
        var counts = [Int](repeating: 0, count: itemCount)
        for x in interactions { counts[Int(x.item)] += 1 }
        return counts
    }
}

/// Collects (row, column, value) entries and builds a CSR matrix in O(nnz + rows).
///
/// Entries may come in any order; a repeated (row, column) keeps the value appended last.
struct CSRBuilder {
    let rows: Int
    let cols: Int
    var rowIndex: [Int32] = []
    var colIndex: [Int32] = []
    var values: [Float] = []

    init(rows: Int, cols: Int, capacity: Int = 0) {
        self.rows = rows
        self.cols = cols
        rowIndex.reserveCapacity(capacity)
        colIndex.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    init(rows: Int, cols: Int, rowIndex: [Int32], colIndex: [Int32], values: [Float]) {
        self.rows = rows
        self.cols = cols
        self.rowIndex = rowIndex
        self.colIndex = colIndex
        self.values = values
    }

    mutating func append(row: Int32, col: Int32, value: Float) {
        rowIndex.append(row)
        colIndex.append(col)
        values.append(value)
    }

    func build() -> SparseMatrix {
        let n = values.count
        requireShape(
            rowIndex.count == n && colIndex.count == n,
            "CSRBuilder.build: \(rowIndex.count) rows, \(colIndex.count) columns and \(n) values")
        requireShape(
            rows >= 0 && rowIndex.allSatisfy { $0 >= 0 && Int($0) < rows },
            "CSRBuilder.build: a row index lies outside 0..<\(rows)")
        requireShape(
            cols >= 0 && colIndex.allSatisfy { $0 >= 0 && Int($0) < cols },
            "CSRBuilder.build: a column index lies outside 0..<\(cols)")
        // Indices were checked above, so every access below stays in bounds.
        var pointers = [Int](repeating: 0, count: rows + 1)
        var order = [Int](repeating: 0, count: n)
        rowIndex.withUnsafeBufferPointer { rowBuffer in
            pointers.withUnsafeMutableBufferPointer { pointerBuffer in
                order.withUnsafeMutableBufferPointer { orderBuffer in
                    let p = pointerBuffer.baseAddress!
                    for r in rowBuffer { p[Int(r) &+ 1] &+= 1 }
                    for r in 0..<rows { p[r &+ 1] &+= p[r] }
                    guard n > 0 else { return }
                    var next = Array(pointerBuffer)
                    next.withUnsafeMutableBufferPointer { nextBuffer in
                        let (o, x) = (orderBuffer.baseAddress!, nextBuffer.baseAddress!)
                        for i in 0..<n {
                            let r = Int(rowBuffer[i])
                            o[x[r]] = i
                            x[r] &+= 1
                        }
                    }
                }
            }
        }
        var outColumns = [Int32](repeating: 0, count: n)
        var outValues = [Float](repeating: 0, count: n)
        var finalPointers = [Int](repeating: 0, count: rows + 1)
        var write = 0
        // Within a row, entries sort by (column, input position): a total order, so the result
        // does not depend on the sort algorithm, and the last duplicate comes last. The pair is
        // packed in one `UInt64` key (column bits above the position) when positions fit 32 bits.
        let packed = n <= Int(UInt32.max)
        var keys: [UInt64] = []
        var segment: [Int] = []
        colIndex.withUnsafeBufferPointer { columnBuffer in
            values.withUnsafeBufferPointer { valueBuffer in
                order.withUnsafeBufferPointer { orderBuffer in
                    pointers.withUnsafeBufferPointer { p in
                        outColumns.withUnsafeMutableBufferPointer { columnTarget in
                            outValues.withUnsafeMutableBufferPointer { valueTarget in
                                finalPointers.withUnsafeMutableBufferPointer { finalBuffer in
                                    let (cs, vs) = (columnBuffer, valueBuffer)
                                    let (ct, vt, f) = (columnTarget, valueTarget, finalBuffer)
                                    for r in 0..<rows {
                                        let rowOrder = orderBuffer[p[r]..<p[r &+ 1]]
                                        if packed {
                                            keys.removeAll(keepingCapacity: true)
                                            for i in rowOrder {
                                                keys.append(UInt64(UInt32(bitPattern: cs[i])) << 32 | UInt64(i))
                                            }
                                            keys.sort()
                                            segment.removeAll(keepingCapacity: true)
                                            for key in keys { segment.append(Int(key & 0xFFFF_FFFF)) }
                                        } else {
                                            segment.removeAll(keepingCapacity: true)
                                            segment.append(contentsOf: rowOrder)
                                            segment.sort { cs[$0] != cs[$1] ? cs[$0] < cs[$1] : $0 < $1 }
                                        }
                                        var last: Int32 = -1
                                        for i in segment {
                                            let c = cs[i]
                                            if c == last {
                                                vt[write &- 1] = vs[i]
                                            } else {
                                                ct[write] = c
                                                vt[write] = vs[i]
                                                write &+= 1
                                                last = c
                                            }
                                        }
                                        f[r &+ 1] = write
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        outColumns.removeLast(n - write)
        outValues.removeLast(n - write)
        return SparseMatrix(rows: rows, cols: cols, rowPointers: finalPointers, columnIndices: outColumns, values: outValues)
    }
}
