import TradeCore
import TradeConfig

/// One data row of a table-shaped file (a CSV line, an XLSX sheet row), already decoded to UTF-8.
public struct TableRecord: Sendable, Hashable {
    /// 1-based line in the file where the row starts (sheet row number for XLSX).
    public var line: Int
    public var fields: [String]
    /// The row as read, for rejected rows.
    public var rawText: String

    public init(line: Int, fields: [String], rawText: String) {
        self.line = line
        self.fields = fields
        self.rawText = rawText
    }
}

/// Turns the rows of one table-shaped file into canonical rows, for any container
/// (CSV, XLSX): the container reader finds the header and the rows, the normalizer
/// knows the source's columns. One instance per file; `finish` emits anything held
/// back (e.g. cumulative series differenced per year).
public protocol TableNormalizer {
    /// Called once with the header row; throws a located `Diagnostic` when a required column is missing.
    mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                        reference: ReferenceData) throws
    /// Emits exactly one outcome per record (or several only when the definition says to split).
    mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws
    mutating func finish(emit: (RowOutcome) throws -> Void) throws
}

extension TableNormalizer {
    public mutating func finish(emit: (RowOutcome) throws -> Void) throws {}
}
