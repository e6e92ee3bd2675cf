import TradeCore

extension TableRecord {
    /// Where field `index` (0-based) starts: the physical line and 1-based character column. For a
    /// CSV record, from the reader's own field positions; for a row joined from cells (XLSX), the
    /// column in that joined text; for any other record, or a field past the row's end, no column.
    public func location(ofField index: Int, file: String) -> SourceLocation {
        if let cells = rawCells {
            guard index >= 0, index < cells.count else { return SourceLocation(file: file, line: line) }
            let before = cells[..<index].reduce(0) { $0 + $1.unicodeScalars.count + 1 }
            return SourceLocation(file: file, line: line, column: before + 1)
        }
        guard let fieldStarts, index >= 0, index < fieldStarts.count else { return SourceLocation(file: file, line: line) }
        var text = rawText
        return text.withUTF8 { Self.location(ofOffset: fieldStarts[index], in: $0, line: line, file: file) }
    }

    /// The line and 1-based character column of byte `offset` of a record's raw bytes that start on
    /// `line`: line breaks inside quoted fields (CR, LF, CRLF) move to the next line.
    static func location(ofOffset offset: Int, in raw: UnsafeBufferPointer<UInt8>, line: Int, file: String) -> SourceLocation {
        let end = min(max(offset, 0), raw.count)
        var physicalLine = line
        var column = 1
        var previous: UInt8 = 0
        for i in 0..<end {
            let byte = raw[i]
            if byte == UInt8(ascii: "\n") {
                if previous != UInt8(ascii: "\r") { physicalLine += 1 }
                column = 1
            } else if byte == UInt8(ascii: "\r") {
                physicalLine += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            previous = byte
        }
        return SourceLocation(file: file, line: physicalLine, column: column)
    }

    /// The field at `index`, or "" when the row is shorter than the header.
    public func field(_ index: Int?) -> String {
        guard let index, index < fields.count else { return "" }
        return fields[index]
    }
}
