/// A raw row that could not be normalized: kept with its location, reason and text.
public struct RejectedRow: Sendable, Hashable {
    /// File, 1-based line and (when one column is at fault) 1-based column.
    public var location: SourceLocation
    /// Header name of the offending column, when known.
    public var columnName: String?
    public var reason: String
    /// The raw row as read (decoded to UTF-8; invalid bytes replaced).
    public var rawText: String

    public init(location: SourceLocation, columnName: String? = nil, reason: String, rawText: String) {
        self.location = location
        self.columnName = columnName
        self.reason = reason
        self.rawText = rawText
    }
}

/// What normalizing one raw record produced.
public enum RowOutcome: Sendable, Hashable {
    case trade(TradeRow)
    case mineral(MineralStat)
    case commodity(CommodityRow)
    case observation(SeriesObservation)
    case rejected(RejectedRow)
}
