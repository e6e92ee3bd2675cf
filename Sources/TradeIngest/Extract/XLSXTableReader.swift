import Foundation
import TradeCore
import TradeConfig

/// An XLSX sheet as a table: finds the sheet and the header row, then streams the rows
/// after it into a `TableNormalizer` (China customs exports, or any other table source).
///
/// Plug: `XLSXTableReader { ChinaCustomsNormalizer() }` for `china-customs-xlsx`.
///
/// Options: `sheet` (name) or `sheet_index` (1-based; default the first sheet);
/// `header_row` (1-based, default 1); `date_columns` (header names whose numbers styled as a
/// date are Excel date serials, rewritten as `YYYY-MM`, or `YYYY-MM-DD` with `date_format: date`;
/// any other cell, such as China customs' 数据年月 `202401` or `2024`, is left as written for the
/// normalizer to check);
/// `max_entry_bytes` (default 512 MiB) and `max_total_bytes` (default 2 GiB) for the
/// ZIP-bomb guard. Rows above the header and rows with no cells are not records; every
/// other row is a `TableRecord` (line = sheet row number, rawText = cells joined by `,`, made only
/// for a rejected row).
public struct XLSXTableReader: SourceReader {
    public let normalizerFactory: @Sendable () -> any TableNormalizer

    public init(normalizerFactory: @escaping @Sendable () -> any TableNormalizer) {
        self.normalizerFactory = normalizerFactory
    }

    public func read(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
                     emit: (RowOutcome) throws -> Void) throws {
        let options = try XLSXTableOptions(definition: definition)
        let workbook = try XLSXReader(url: file.url, displayPath: file.displayPath, limits: options.limits)
        let sheet: XLSXSheet
        if let name = options.sheetName {
            guard let s = workbook.sheet(named: name) else {
                throw Diagnostic("sheet \"\(name)\" not found in \(file.displayPath) (sheets: "
                                 + workbook.sheets.map(\.name).joined(separator: ", ") + ")",
                                 at: definition.location(of: "sheet"), source: definition.name)
            }
            sheet = s
        } else {
            guard workbook.sheets.indices.contains(options.sheetIndex - 1) else {
                throw Diagnostic("sheet_index \(options.sheetIndex) but \(file.displayPath) has \(workbook.sheets.count) sheets",
                                 at: definition.location(of: "sheet_index"), source: definition.name)
            }
            sheet = workbook.sheets[options.sheetIndex - 1]
        }

        var normalizer = normalizerFactory()
        var header: [String]?
        var dateColumns: Set<Int> = []
        let date1904 = workbook.date1904
        try withoutActuallyEscaping(emit) { emit in
            try workbook.forEachRow(of: sheet) { number, cells, dateCells in
                if header == nil {
                    guard number >= options.headerRow else { return }
                    guard number == options.headerRow else {
                        throw Diagnostic("header row \(options.headerRow) is empty in sheet \(sheet.name)",
                                         at: SourceLocation(file: file.displayPath, line: options.headerRow),
                                         source: definition.name)
                    }
                    let names = cells.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                    header = names
                    for (i, name) in names.enumerated() where options.dateColumns.contains(name) { dateColumns.insert(i) }
                    try normalizer.begin(header: names, headerLine: number, file: file, definition: definition,
                                         reference: reference)
                    return
                }
                if cells.allSatisfy({ $0.isEmpty }) { return }
                var fields = cells
                if let header, fields.count < header.count {
                    fields.append(contentsOf: repeatElement("", count: header.count - fields.count))
                }
                for i in dateCells where dateColumns.contains(i) {
                    fields[i] = Self.dateText(fields[i], format: options.dateFormat, date1904: date1904)
                }
                try normalizer.normalize(TableRecord(line: number, fields: fields, rawCells: cells),
                                         emit: emit)
            }
            guard header != nil else {
                throw Diagnostic("sheet \(sheet.name) has no header row \(options.headerRow)",
                                 at: SourceLocation(file: file.displayPath, line: 1), source: definition.name)
            }
            try normalizer.finish(emit: emit)
        }
    }

    /// A date column's number styled as a date: the Excel serial becomes `YYYY-MM` (or `YYYY-MM-DD`);
    /// a six-digit `YYYYMM` or a serial out of range stays as written.
    static func dateText(_ text: String, format: XLSXTableOptions.DateFormat, date1904: Bool) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.count == 6, Period(t) != nil { return t }
        guard let serial = Double(t) else { return text }
        switch format {
        case .month: return XLSXDate.period(serial: serial, date1904: date1904)?.description ?? text
        case .date: return XLSXDate.isoDate(serial: serial, date1904: date1904) ?? text
        }
    }
}

/// The `options:` an XLSX table source reads, validated with their YAML locations.
struct XLSXTableOptions {
    enum DateFormat { case month, date }

    var sheetName: String?
    var sheetIndex = 1
    var headerRow = 1
    var dateColumns: Set<String> = []
    var dateFormat = DateFormat.month
    var limits = XLSXReader.Limits()

    init(definition: SourceDefinition) throws {
        let o = definition.options
        func positive(_ key: String) throws -> Int? {
            guard let v = o[key] else { return nil }
            guard let s = v.string, let n = Int(s), n > 0 else {
                throw Diagnostic("\(key) must be a positive integer", at: v.location, source: definition.name)
            }
            return n
        }
        if let v = o["sheet"] {
            guard let s = v.string, !s.isEmpty else {
                throw Diagnostic("sheet must be a sheet name", at: v.location, source: definition.name)
            }
            sheetName = s
        }
        sheetIndex = try positive("sheet_index") ?? 1
        headerRow = try positive("header_row") ?? 1
        if let v = o["date_columns"] {
            let items = v.list?.compactMap(\.string) ?? v.string.map { [$0] } ?? []
            guard !items.isEmpty else {
                throw Diagnostic("date_columns must be a list of header names", at: v.location, source: definition.name)
            }
            dateColumns = Set(items)
        }
        if let v = o["date_format"] {
            switch v.string {
            case "month"?: dateFormat = .month
            case "date"?: dateFormat = .date
            default: throw Diagnostic("date_format must be month or date", at: v.location, source: definition.name)
            }
        }
        if let n = try positive("max_entry_bytes") { limits.maxEntryBytes = UInt64(n) }
        if let n = try positive("max_total_bytes") { limits.maxTotalBytes = UInt64(n) }
    }
}
