import Foundation
import TradeCore

/// The RFC 4180 reader: streams a file through a fixed-size buffer and splits it into
/// records at the byte level (UTF-8 after transcoding), so memory stays flat whatever
/// the file's size.
///
/// - Quoted fields with doubled quotes, embedded separators and line breaks; a record's
///   `line` is the physical line where it starts.
/// - CRLF, LF and lone CR line ends; a UTF-8 BOM is stripped (UTF-16/GB18030 are transcoded first).
/// - Blank rows (empty, or only separators) come back with `isBlank` so callers can skip them.
/// - Lenient where RFC 4180 is silent and real files differ: a quote inside an unquoted field
///   and text after a closing quote are kept literally.
/// - Hostile input: a record longer than `limits.maxRecordBytes` or wider than
///   `limits.maxColumns`, a NUL byte, or a quote left open at end of file ("truncated
///   mid-row") throws a located `Diagnostic`.
/// - A last record with no line ending is returned like any other; `lastRecordUnterminated`
///   and `lastFieldQuoted` tell callers it may be cut short (`CSVTableReader` decides).
public final class CSVReader {
    public struct Limits: Sendable, Hashable {
        public var maxRecordBytes: Int
        public var maxColumns: Int
        public init(maxRecordBytes: Int = 1 << 20, maxColumns: Int = 4096) {
            self.maxRecordBytes = maxRecordBytes
            self.maxColumns = maxColumns
        }
    }

    public let display: String
    public let limits: Limits
    public let separator: UInt8
    private let source: UTF8ChunkSource
    private var chunk: [UInt8]
    private var pos = 0
    private var end = 0
    private var atEOF = false
    /// Physical line (1-based) of the next byte.
    private var line = 1
    /// The previous byte was a CR: a following LF belongs to the same line end.
    private var afterCR = false
    /// The current record, reused for every record (Strings are made only on request): its bytes
    /// with quoted fields unescaped, where each field starts and ends in them, and the raw bytes.
    private var fieldBytes: [UInt8] = []
    private var bounds: FieldBounds
    private var raw: [UInt8] = []
    private var recordLine = 1
    /// Records returned so far (blank ones included).
    public private(set) var recordCount = 0
    /// The record last returned ended at end of file with no line ending: it may be cut short.
    public private(set) var lastRecordUnterminated = false
    /// The last field of the record last returned was quoted: its closing quote shows where it ends.
    public private(set) var lastFieldQuoted = false

    /// Reads `url`, transcoding per `encoding` (`auto`, `utf-8`, `gb18030`, `gbk`, `utf-16`).
    public convenience init(url: URL, display: String, encoding: String = "auto", limits: Limits = Limits(),
                            separator: UInt8 = UInt8(ascii: ",")) throws {
        let transcoder = try Transcoder(url: url, declared: encoding, display: display)
        self.init(source: transcoder, display: display, limits: limits, separator: separator)
    }

    public init(source: UTF8ChunkSource, display: String, limits: Limits = Limits(),
                separator: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 16) {
        self.source = source
        self.display = display
        self.limits = limits
        self.separator = separator
        chunk = [UInt8](repeating: 0, count: max(bufferSize, 16))
        bounds = FieldBounds(capacity: min(limits.maxColumns, 64))
    }

    deinit { bounds.deallocate() }

    /// The first non-blank record with names trimmed and trailing empty names dropped
    /// (spreadsheet exports pad headers with empty cells); nil for an empty file.
    public func readHeader() throws -> CSVRecord? {
        while let record = try next() {
            if record.isBlank { continue }
            var names = record.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
            while let last = names.last, last.isEmpty { names.removeLast() }
            return CSVRecord(line: record.line, fields: names, rawText: record.rawText)
        }
        return nil
    }

    /// Calls `body` for each record after the current position, blank ones included.
    public func forEach(_ body: (CSVRecord) throws -> Void) throws {
        while let record = try next() { try body(record) }
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    private static let quote = UInt8(ascii: "\"")
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    /// The next record, or nil at end of file.
    public func next() throws -> CSVRecord? {
        try nextRow { row in row.record }
    }

    /// Reads the next record and passes it to `body` as bytes, without a String per field;
    /// nil at end of file. The row borrows the reader's buffers: it is valid only inside `body`.
    public func nextRow<R>(_ body: (TableRowView) throws -> R) throws -> R? {
        guard try advance() else { return nil }
        recordCount += 1
        let starts = UnsafeBufferPointer(start: bounds.starts, count: bounds.count + 1)
        let ends = UnsafeBufferPointer(start: bounds.ends, count: bounds.count)
        let rawStarts = UnsafeBufferPointer(start: bounds.rawStarts, count: bounds.count)
        return try fieldBytes.withUnsafeBufferPointer { bytes in
            try raw.withUnsafeBufferPointer { raw in
                try body(TableRowView(line: recordLine, bytes: bytes, starts: starts, ends: ends, raw: raw,
                                      rawStarts: rawStarts))
            }
        }
    }

    /// The record being read: its bytes with quoted fields unescaped, its field bounds and raw bytes
    /// (moved out of the stored properties while the record is read: on a class's stored
    /// properties every append would pay a dynamic exclusivity check), the scanner's state, and
    /// the line where the record and any open quote began.
    private struct RecordScan {
        var fieldBytes: [UInt8]
        var bounds: FieldBounds
        var raw: [UInt8]
        var state = State.fieldStart
        var started = false
        var startLine: Int
        var quoteOpenedLine: Int
        /// Where in `raw` the open quote is; its column is worked out only for the error message.
        var quoteOpenedOffset = 0
    }

    /// Reads the next record into the buffers; false at end of file.
    private func advance() throws -> Bool {
        var scan = RecordScan(fieldBytes: fieldBytes, bounds: bounds, raw: raw, startLine: line, quoteOpenedLine: line)
        (fieldBytes, raw) = ([], [])
        defer { (fieldBytes, bounds, raw) = (scan.fieldBytes, scan.bounds, scan.raw) }
        scan.fieldBytes.removeAll(keepingCapacity: true)
        scan.bounds.removeAll()
        scan.raw.removeAll(keepingCapacity: true)
        while true {
            if pos == end, try refill() { return try finishAtEndOfFile(&scan) }
            // Swallow the LF of a CRLF that ended the previous record.
            if afterCR && !scan.started {
                afterCR = false
                if chunk[pos] == Self.lf { pos += 1; continue }
            }
            if !scan.started { (scan.started, scan.startLine) = (true, line) }
            if try copyOrdinaryRun(&scan) { continue }
            if try step(&scan) { return true }
        }
    }

    /// Reads the next chunk once the current one is used up; true at end of file.
    @inline(__always)
    private func refill() throws -> Bool {
        if !atEOF {
            end = try source.read(into: &chunk)
            pos = 0
            if end == 0 { atEOF = true }
        }
        return atEOF
    }

    /// At end of file the record read so far is the last one (false when there is none); a quote
    /// still open means the file was cut mid-row.
    private func finishAtEndOfFile(_ scan: inout RecordScan) throws -> Bool {
        guard scan.started else { return false }
        if scan.state == .quoted {
            let quoteOpenedColumn = column(ofOffset: scan.quoteOpenedOffset, in: scan.raw)
            throw Diagnostic("truncated mid-row: quoted field opened at line \(scan.quoteOpenedLine) column \(quoteOpenedColumn) is not closed at end of file",
                             at: SourceLocation(file: display, line: scan.quoteOpenedLine, column: quoteOpenedColumn))
        }
        try endField(&scan.bounds, at: scan.fieldBytes.count, rawNext: scan.raw.count, scan.startLine)
        recordLine = scan.startLine
        (lastRecordUnterminated, lastFieldQuoted) = (true, scan.state == .quoteInQuoted)
        return true
    }

    /// Copies a run of ordinary bytes in one go; separators between unquoted fields end fields
    /// within the run (it is copied whole, so the separators stay between the fields' bytes).
    /// False when the next byte is one `step` must see.
    @inline(__always)
    private func copyOrdinaryRun(_ scan: inout RecordScan) throws -> Bool {
        let (start, end, sep, maxColumns, state) = (pos, self.end, separator, limits.maxColumns, scan.state)
        let offset = scan.fieldBytes.count - start  // chunk byte i goes to fieldBytes[offset + i]
        let rawOffset = scan.raw.count - start      // and to raw[rawOffset + i]
        var atFieldStart = state == .fieldStart
        var tooManyFields = false
        let stop: Int = chunk.withUnsafeBufferPointer { p in
            var i = start
            switch state {
            case .fieldStart, .unquoted:
                while i < end {
                    let b = p[i]
                    if b == sep {
                        guard scan.bounds.end(at: offset + i, nextStart: offset + i + 1, rawNextStart: rawOffset + i + 1,
                                              limit: maxColumns) else {
                            tooManyFields = true
                            break
                        }
                        atFieldStart = true
                    } else if b == Self.cr || b == Self.lf || b == 0 || (b == Self.quote && atFieldStart) {
                        break
                    } else {
                        atFieldStart = false
                    }
                    i += 1
                }
            case .quoted:
                while i < end {
                    let b = p[i]
                    if b == Self.quote || b == Self.cr || b == Self.lf || b == 0 { break }
                    i += 1
                }
            case .quoteInQuoted:
                break
            }
            return i
        }
        if tooManyFields { throw tooWide(scan.startLine) }
        guard stop > start else { return false }
        chunk.withUnsafeBufferPointer { p in
            let run = UnsafeBufferPointer(rebasing: p[start..<stop])
            scan.fieldBytes.append(contentsOf: run)
            scan.raw.append(contentsOf: run)
        }
        afterCR = false
        pos = stop
        if state != .quoted { scan.state = atFieldStart ? .fieldStart : .unquoted }
        if scan.raw.count > limits.maxRecordBytes { throw tooLong(scan.startLine) }
        return true
    }

    /// One byte the state machine must see: a quote, a separator after a closing quote, a line
    /// end or NUL. True when it ends the record.
    @inline(__always)
    private func step(_ scan: inout RecordScan) throws -> Bool {
        let b = chunk[pos]
        pos += 1
        if b == 0 {
            throw Diagnostic("NUL byte in field \(scan.bounds.count + 1): binary data, or UTF-16 text without a byte-order mark?",
                             at: SourceLocation(file: display, line: line, column: column(ofOffset: scan.raw.count, in: scan.raw)))
        }
        switch scan.state {
        case .fieldStart, .unquoted:
            if b == separator {
                scan.raw.append(b)
                try endField(&scan.bounds, at: scan.fieldBytes.count, rawNext: scan.raw.count, scan.startLine)
                scan.state = .fieldStart
            } else if b == Self.quote {
                // Only reached at the start of a field.
                (scan.quoteOpenedLine, scan.quoteOpenedOffset) = (line, scan.raw.count)
                scan.raw.append(b)
                scan.state = .quoted
            } else { // CR or LF ends the record
                return try endRecord(&scan, lineEnd: b, lastFieldQuoted: false)
            }
        case .quoted:
            if b == Self.quote {
                scan.raw.append(b)
                scan.state = .quoteInQuoted
            } else { // a line break inside quotes is content
                if !(b == Self.lf && afterCR) { line += 1 }
                afterCR = b == Self.cr
                scan.fieldBytes.append(b)
                scan.raw.append(b)
                if scan.raw.count > limits.maxRecordBytes { throw tooLong(scan.startLine) }
                return false
            }
        case .quoteInQuoted:
            if b == Self.quote {
                scan.fieldBytes.append(b)
                scan.raw.append(b)
                scan.state = .quoted
            } else if b == separator {
                scan.raw.append(b)
                try endField(&scan.bounds, at: scan.fieldBytes.count, rawNext: scan.raw.count, scan.startLine)
                scan.state = .fieldStart
            } else if b == Self.cr || b == Self.lf {
                return try endRecord(&scan, lineEnd: b, lastFieldQuoted: true)
            } else {
                // Text after a closing quote: keep it (lenient).
                scan.fieldBytes.append(b)
                scan.raw.append(b)
                scan.state = .unquoted
            }
        }
        afterCR = false
        if scan.raw.count > limits.maxRecordBytes { throw tooLong(scan.startLine) }
        return false
    }

    /// A line end outside quotes ends the record.
    @inline(__always)
    private func endRecord(_ scan: inout RecordScan, lineEnd: UInt8, lastFieldQuoted quoted: Bool) throws -> Bool {
        line += 1
        afterCR = lineEnd == Self.cr
        try endField(&scan.bounds, at: scan.fieldBytes.count, rawNext: scan.raw.count, scan.startLine)
        recordLine = scan.startLine
        (lastRecordUnterminated, lastFieldQuoted) = (false, quoted)
        return true
    }

    /// Ends a field at `offset` of the field bytes; the next one starts at `rawNext` of the raw bytes.
    private func endField(_ bounds: inout FieldBounds, at offset: Int, rawNext: Int, _ startLine: Int) throws {
        guard bounds.end(at: offset, nextStart: offset, rawNextStart: rawNext, limit: limits.maxColumns) else {
            throw tooWide(startLine)
        }
    }

    private func tooWide(_ startLine: Int) -> Diagnostic {
        Diagnostic("record has more than \(limits.maxColumns) columns (malformed or hostile input)",
                   at: SourceLocation(file: display, line: startLine))
    }

    private func tooLong(_ startLine: Int) -> Diagnostic {
        Diagnostic("record longer than \(limits.maxRecordBytes) bytes (an unclosed quote, or hostile input)",
                   at: SourceLocation(file: display, line: startLine))
    }

    /// 1-based character column of byte `offset` of the current record on its current physical line.
    private func column(ofOffset offset: Int, in raw: [UInt8]) -> Int {
        var col = 1
        var i = offset - 1
        while i >= 0 {
            let b = raw[i]
            if b == Self.lf || b == Self.cr { break }
            if b & 0xC0 != 0x80 { col += 1 }
            i -= 1
        }
        return col
    }
}

/// Where each field of the current record starts and ends in its bytes: field `i` is
/// `starts[i]..<ends[i]`, and `starts` has one more entry, for the field being read. `rawStarts[i]`
/// is where field `i` starts in the record's raw bytes (at its opening quote when quoted): the
/// reader's own positions, from which a rejected row's column is worked out.
///
/// Storage is allocated once per reader and grows up to the column limit, so ending a field is two
/// stores; array appends paid a uniqueness and a capacity check each, twice per field of every row.
private struct FieldBounds {
    private(set) var starts: UnsafeMutablePointer<Int>
    private(set) var ends: UnsafeMutablePointer<Int>
    private(set) var rawStarts: UnsafeMutablePointer<Int>
    private var capacity: Int
    /// Fields ended so far.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 0)
        starts = .allocate(capacity: self.capacity + 1)
        ends = .allocate(capacity: self.capacity)
        rawStarts = .allocate(capacity: self.capacity + 1)
        starts[0] = 0
        rawStarts[0] = 0
    }

    /// Starts a new record (its first field starts at 0).
    mutating func removeAll() {
        count = 0
        starts[0] = 0
        rawStarts[0] = 0
    }

    /// Ends the current field at `end`; the next one starts at `nextStart`. False when `limit`
    /// fields are ended already.
    @inline(__always)
    mutating func end(at end: Int, nextStart: Int, rawNextStart: Int, limit: Int) -> Bool {
        if count == capacity {
            guard capacity < limit else { return false }
            grow(limit: limit)
        }
        ends[count] = end
        count += 1
        starts[count] = nextStart
        rawStarts[count] = rawNextStart
        return true
    }

    private mutating func grow(limit: Int) {
        let newCapacity = min(limit, max(capacity * 2, 16))
        let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity + 1)
        let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        let newRawStarts = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity + 1)
        newStarts.update(from: starts, count: count + 1)
        newEnds.update(from: ends, count: count)
        newRawStarts.update(from: rawStarts, count: count + 1)
        deallocate()
        (starts, ends, rawStarts, capacity) = (newStarts, newEnds, newRawStarts, newCapacity)
    }

    func deallocate() {
        starts.deallocate()
        ends.deallocate()
        rawStarts.deallocate()
    }
}
