/// One record of a CSV file as read: fields decoded to UTF-8, where it starts, and its raw text.
public struct CSVRecord: Sendable, Hashable {
    /// 1-based physical line where the record starts (a quoted field may span lines).
    public var line: Int
    public var fields: [String]
    /// The record as read, without its line terminator.
    public var rawText: String

    public init(line: Int, fields: [String], rawText: String) {
        self.line = line
        self.fields = fields
        self.rawText = rawText
    }

    /// An empty line or a row of only separators (`,,,,`): callers skip it and do not count it as read.
    public var isBlank: Bool { fields.allSatisfy { $0.isEmpty } }

    /// The same row as the container-neutral `TableRecord` normalizers take.
    public var tableRecord: TableRecord { TableRecord(line: line, fields: fields, rawText: rawText) }
}
