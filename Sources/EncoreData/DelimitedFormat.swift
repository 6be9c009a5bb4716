/// How a delimited ratings file is laid out: separator, header, and which column is what.
///
/// Columns are 0-based. IDs may be any strings; they are remapped to dense indices and kept.
public struct DelimitedFormat: Sendable, Equatable {
    /// The field separator, one or more bytes (`"\t"`, `","`, `"::"`).
    public var separator: String
    /// Whether the first line is a header to skip.
    public var hasHeader: Bool
    /// Column of the user ID.
    public var userColumn: Int
    /// Column of the item ID.
    public var itemColumn: Int
    /// Column of the rating; nil for implicit files (every line is a rating of 1).
    public var ratingColumn: Int?
    /// Column of the timestamp; nil when the file has none (timestamps are then 0).
    public var timestampColumn: Int?

    /// Creates a format.
    public init(
        separator: String, hasHeader: Bool = false, userColumn: Int = 0, itemColumn: Int = 1,
        ratingColumn: Int? = 2, timestampColumn: Int? = 3
    ) {
        requireArgument(!separator.isEmpty, "DelimitedFormat needs a non-empty separator")
        self.separator = separator
        self.hasHeader = hasHeader
        self.userColumn = userColumn
        self.itemColumn = itemColumn
        self.ratingColumn = ratingColumn
        self.timestampColumn = timestampColumn
    }

    /// MovieLens 100K `u.data`: `user<TAB>item<TAB>rating<TAB>timestamp`, no header.
    public static let movieLens100K = DelimitedFormat(separator: "\t")
    /// MovieLens 1M / 10M `ratings.dat`: `user::item::rating::timestamp`, no header.
    public static let movieLensDat = DelimitedFormat(separator: "::")
    /// MovieLens 20M / 25M / latest `ratings.csv`: `userId,movieId,rating,timestamp` with a header.
    public static let movieLensCSV = DelimitedFormat(separator: ",", hasHeader: true)

    /// The highest column index the format reads.
    var maxColumn: Int {
        [userColumn, itemColumn, ratingColumn ?? 0, timestampColumn ?? 0].max()!
    }
}

/// What a load did besides producing the dataset.
public struct LoadReport: Sendable, Equatable {
    /// Data lines read (header and blank lines excluded).
    public var lines: Int = 0
    /// Malformed lines skipped (only with `skipBadLines`).
    public var skippedLines: Int = 0
    /// The first skipped line, as `file:line: text`, for the message.
    public var firstSkipped: String?

    /// Creates an empty report.
    public init() {}
}
