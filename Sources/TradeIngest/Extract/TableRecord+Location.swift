import TradeCore

extension TableRecord {
    /// Where field `index` (0-based) starts: the physical line and 1-based character column,
    /// found by re-scanning `rawText` as CSV. Used only for rejected rows, so the cost is paid
    /// only on bad rows. When `rawText` is not CSV-shaped (another container), the column is nil.
    public func location(ofField index: Int, file: String) -> SourceLocation {
        var fieldIndex = 0
        var lineOffset = 0
        var column = 1
        var inQuotes = false
        var atFieldStart = true
        var previous: Character = " "
        if index == 0 { return SourceLocation(file: file, line: line, column: 1) }
        for ch in rawText {
            defer { previous = ch }
            if atFieldStart { atFieldStart = false; if ch == "\"" { inQuotes = true; column += 1; continue } }
            if inQuotes {
                if ch == "\"" { inQuotes = false }
                else if ch == "\n" || ch == "\r" || ch == "\r\n" { lineOffset += 1; column = 1; continue }
            } else if ch == "\"" && previous == "\"" {
                inQuotes = true // doubled quote inside a quoted field
            } else if ch == "," {
                fieldIndex += 1
                column += 1
                if fieldIndex == index { return SourceLocation(file: file, line: line + lineOffset, column: column) }
                atFieldStart = true
                continue
            }
            column += 1
        }
        return SourceLocation(file: file, line: line, column: nil)
    }

    /// The field at `index`, or "" when the row is shorter than the header.
    public func field(_ index: Int?) -> String {
        guard let index, index < fields.count else { return "" }
        return fields[index]
    }
}
