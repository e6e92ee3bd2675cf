import TradeCore
import TradeConfig

/// One data row of a table-shaped file (a CSV line, an XLSX sheet row), already decoded to UTF-8.
public struct TableRecord: Sendable, Hashable {
    /// 1-based line in the file where the row starts (sheet row number for XLSX).
    public var line: Int
    public var fields: [String]
    private var raw: Raw
    /// Where each field starts in `rawText`'s UTF-8 bytes, as the CSV reader found them; nil when
    /// the record did not come from a CSV reader.
    let fieldStarts: [Int]?

    private enum Raw: Sendable {
        case text(String)
        /// Cells to join with `,` when the text is asked for (rarely: for a rejected row).
        case cells([String])
    }

    /// The row as read, for rejected rows.
    public var rawText: String {
        get {
            switch raw {
            case .text(let text): text
            case .cells(let cells): cells.joined(separator: ",")
            }
        }
        set { raw = .text(newValue) }
    }

    public init(line: Int, fields: [String], rawText: String) {
        self.init(line: line, fields: fields, rawText: rawText, fieldStarts: nil)
    }

    /// A CSV record with the reader's field positions (byte offsets into `rawText`).
    init(line: Int, fields: [String], rawText: String, fieldStarts: [Int]?) {
        self.line = line
        self.fields = fields
        raw = .text(rawText)
        self.fieldStarts = fieldStarts
    }

    /// A row whose raw text is `cells` joined by `,` (an XLSX row), joined only if someone asks.
    public init(line: Int, fields: [String], rawCells: [String]) {
        self.line = line
        self.fields = fields
        raw = .cells(rawCells)
        fieldStarts = nil
    }

    /// The cells of a record joined from cells (XLSX), nil for one read as text.
    var rawCells: [String]? {
        if case .cells(let cells) = raw { return cells }
        return nil
    }

    public static func == (a: TableRecord, b: TableRecord) -> Bool {
        a.line == b.line && a.fields == b.fields && a.rawText == b.rawText
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(line)
        hasher.combine(fields)
    }
}

/// One data row's fields as UTF-8 bytes, borrowed from the reader for the duration of one call.
///
/// Normalizers of wide rows (47 Comtrade columns) read the few fields they need from it
/// without a String per field; the raw text is decoded only for a rejected row.
public struct TableRowView {
    /// 1-based line in the file where the row starts.
    public let line: Int
    /// Field `i` is `bytes[starts[i]..<ends[i]]`.
    private let bytes: UnsafeBufferPointer<UInt8>
    private let starts: UnsafeBufferPointer<Int>
    private let ends: UnsafeBufferPointer<Int>
    private let raw: UnsafeBufferPointer<UInt8>
    /// Where each field starts in `raw` (the CSV reader's positions); nil for a row not read as CSV.
    private let rawStarts: UnsafeBufferPointer<Int>?

    /// `starts` and `ends` index `bytes`; `starts` may have one more element than `ends`.
    /// `rawStarts`, when given, index `raw`.
    public init(line: Int, bytes: UnsafeBufferPointer<UInt8>, starts: UnsafeBufferPointer<Int>,
                ends: UnsafeBufferPointer<Int>, raw: UnsafeBufferPointer<UInt8>,
                rawStarts: UnsafeBufferPointer<Int>? = nil) {
        self.line = line
        self.bytes = bytes
        self.starts = starts
        self.ends = ends
        self.raw = raw
        self.rawStarts = rawStarts
    }

    /// Where field `index` starts in the file (its physical line and 1-based character column), from
    /// the reader's positions; without them, or for a field past the row's end, the column is nil.
    public func location(ofField index: Int, file: String) -> SourceLocation {
        guard let rawStarts, index >= 0, index < rawStarts.count else { return SourceLocation(file: file, line: line) }
        return TableRecord.location(ofOffset: rawStarts[index], in: raw, line: line, file: file)
    }

    public var count: Int { ends.count }

    /// Field `i`'s bytes; empty for an index past the row's last field (or negative: a column the header lacks).
    public subscript(i: Int) -> UnsafeBufferPointer<UInt8> {
        guard i >= 0, i < ends.count else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(rebasing: bytes[starts[i]..<ends[i]])
    }

    public func string(_ i: Int) -> String { String(decoding: self[i], as: UTF8.self) }

    public var fields: [String] { (0..<count).map(string) }

    /// The row as read (for rejected rows).
    public var rawText: String { String(decoding: raw, as: UTF8.self) }

    /// Every field empty (an empty line or only separators).
    public var isBlank: Bool {
        for i in 0..<ends.count where ends[i] != starts[i] { return false }
        return true
    }

    public var record: TableRecord {
        TableRecord(line: line, fields: fields, rawText: rawText, fieldStarts: rawStarts.map(Array.init))
    }
}

extension TableRecord {
    /// The record as a `TableRowView` (for normalizers that read rows as bytes).
    public func withRowView<R>(_ body: (TableRowView) throws -> R) rethrows -> R {
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var ends: [Int] = []
        for field in fields {
            starts.append(bytes.count)
            bytes.append(contentsOf: field.utf8)
            ends.append(bytes.count)
        }
        let raw = Array(rawText.utf8)
        return try bytes.withUnsafeBufferPointer { bytes in
            try starts.withUnsafeBufferPointer { starts in
                try ends.withUnsafeBufferPointer { ends in
                    try raw.withUnsafeBufferPointer { raw in
                        try fieldStarts.withOptionalBuffer { rawStarts in
                            try body(TableRowView(line: line, bytes: bytes, starts: starts, ends: ends, raw: raw,
                                                  rawStarts: rawStarts))
                        }
                    }
                }
            }
        }
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
    /// The same for a row borrowed as bytes (CSV); by default its fields are decoded into a `TableRecord`.
    mutating func normalize(row: TableRowView, emit: (RowOutcome) throws -> Void) throws
    mutating func finish(emit: (RowOutcome) throws -> Void) throws
}

extension TableNormalizer {
    public mutating func normalize(row: TableRowView, emit: (RowOutcome) throws -> Void) throws {
        try normalize(row.record, emit: emit)
    }

    public mutating func finish(emit: (RowOutcome) throws -> Void) throws {}
}

extension Optional where Wrapped == [Int] {
    /// The array's buffer, or nil, for the duration of `body`.
    fileprivate func withOptionalBuffer<R>(_ body: (UnsafeBufferPointer<Int>?) throws -> R) rethrows -> R {
        guard let array = self else { return try body(nil) }
        return try array.withUnsafeBufferPointer { try body($0) }
    }
}
