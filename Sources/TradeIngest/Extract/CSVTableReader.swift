import Foundation
import TradeCore
import TradeConfig

/// Normalizers that merge several records into one row (e.g. summing over trade modes)
/// say how many records they merged away, so a file still balances:
/// records read = rows emitted + rows rejected + records merged.
public protocol RecordAccounting {
    var recordsMerged: Int { get }
}

/// Counts for one file read by a `CSVTableReader`.
public struct TableReadSummary: Sendable, Hashable {
    /// Non-blank data records (the header and blank rows not counted).
    public var records = 0
    public var blankRows = 0
    /// Records that produced at least one canonical row.
    public var rowsEmitted = 0
    public var rowsRejected = 0
    public var recordsMerged = 0
    /// Canonical outcomes (a wide record such as a USGS country row yields one per year column).
    public var outcomes = 0

    public var isBalanced: Bool { records == rowsEmitted + rowsRejected + recordsMerged }
}

/// A `SourceReader` for CSV files: `CSVReader` finds the header and the records (skipping
/// blank rows), a fresh `TableNormalizer` per file turns them into outcomes.
/// Definition options `max_record_bytes` and `max_columns` override the reader's limits.
/// A last record with no line ending is rejected when it may be cut short (`LastLineCheck`).
public struct CSVTableReader<Normalizer: TableNormalizer>: SourceReader {
    let makeNormalizer: @Sendable () -> Normalizer

    public init(_ makeNormalizer: @escaping @Sendable () -> Normalizer) {
        self.makeNormalizer = makeNormalizer
    }

    public func read(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
                     emit: (RowOutcome) throws -> Void) throws {
        _ = try readCounting(file, definition: definition, reference: reference, emit: emit)
    }

    /// Reads one file and returns its counts.
    public func readCounting(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
                             emit: (RowOutcome) throws -> Void) throws -> TableReadSummary {
        var limits = CSVReader.Limits()
        if let n = try definition.intOption("max_record_bytes", in: 1...(1 << 30)) { limits.maxRecordBytes = n }
        if let n = try definition.intOption("max_columns", in: 1...1_000_000) { limits.maxColumns = n }
        let reader = try CSVReader(url: file.url, display: file.displayPath, encoding: definition.encoding, limits: limits)
        guard let header = try reader.readHeader() else {
            throw Diagnostic("empty file: no header row", at: SourceLocation(file: file.displayPath, line: 1),
                             source: definition.name)
        }
        var normalizer = makeNormalizer()
        try normalizer.begin(header: header.fields, headerLine: header.line, file: file, definition: definition,
                             reference: reference)
        var summary = TableReadSummary()
        var lastLine = -1
        func counting(_ outcome: RowOutcome) throws {
            summary.outcomes += 1
            if case .rejected = outcome { summary.rowsRejected += 1 }
            else if outcome.rawLine != lastLine { summary.rowsEmitted += 1; lastLine = outcome.rawLine }
            try emit(outcome)
        }
        while try reader.nextRow({ row in
            if row.isBlank { summary.blankRows += 1; return }
            summary.records += 1
            if reader.lastRecordUnterminated,
               let cut = LastLineCheck.reject(row, header: header.fields, lastFieldQuoted: reader.lastFieldQuoted,
                                              file: file.displayPath) {
                try counting(.rejected(cut))
                return
            }
            try normalizer.normalize(row: row, emit: counting)
        }) != nil {}
        try normalizer.finish(emit: counting)
        if let accounting = normalizer as? RecordAccounting { summary.recordsMerged = accounting.recordsMerged }
        return summary
    }
}

/// A file's last record with no line ending may be the front of a longer one (a download or copy
/// cut short), and a cut number still parses (1618401 → 16184). Such a record stands only when it
/// visibly ends: it has at least the header's fields and its last field is quoted (the closing quote
/// ends it), empty, or not a number. Otherwise it is rejected, never loaded as a figure.
enum LastLineCheck {
    static func reject(_ row: TableRowView, header: [String], lastFieldQuoted: Bool, file: String) -> RejectedRow? {
        let last = row.count - 1
        let reason: String
        if row.count < header.count {
            reason = "last line has no line ending and is incomplete (file cut?): \(row.count) of the header's \(header.count) fields"
        } else if !lastFieldQuoted, isNumber(row[last]) {
            reason = "last line has no line ending and may be incomplete (file cut?): its last field \"\(row.string(last))\" "
                + "is a number that may have lost digits; end the file with a line ending if it is whole"
        } else {
            return nil
        }
        return RejectedRow(location: row.location(ofField: last, file: file),
                           columnName: last < header.count ? header[last] : nil, reason: reason, rawText: row.rawText)
    }

    /// Digits with the signs, separators and exponent a number may carry, and at least one digit.
    static func isNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var digits = false
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits = true
            case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "e"),
                 UInt8(ascii: "E"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                continue
            default: return false
            }
        }
        return digits
    }
}

extension RowOutcome {
    /// The raw line the outcome came from.
    public var rawLine: Int {
        switch self {
        case .trade(let r): return r.rawLine
        case .mineral(let r): return r.rawLine
        case .commodity(let r): return r.rawLine
        case .observation(let r): return r.rawLine
        case .rejected(let r): return r.location.line
        }
    }
}
