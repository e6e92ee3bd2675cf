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
            try normalizer.normalize(row: row, emit: counting)
        }) != nil {}
        try normalizer.finish(emit: counting)
        if let accounting = normalizer as? RecordAccounting { summary.recordsMerged = accounting.recordsMerged }
        return summary
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
