/// One record of a CSV file as read: the container-neutral `TableRecord` (line where the record
/// starts — a quoted field may span lines — fields decoded to UTF-8, raw text without terminator).
public typealias CSVRecord = TableRecord

extension TableRecord {
    /// An empty line or a row of only separators (`,,,,`): callers skip it and do not count it as read.
    public var isBlank: Bool { fields.allSatisfy { $0.isEmpty } }
}
