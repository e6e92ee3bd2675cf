import Foundation
import TradeCore
import TradeWarehouse

/// Renders `query` rows as they arrive and hands the text on in chunks of about `chunkBytes`.
///
/// CSV, TSV, Markdown and JSON need nothing but the current row. The aligned table needs column widths: they
/// come from the first `tableSampleRows` rows, held until then; a later, wider cell pushes the
/// rest of its line right instead of widening the column (the table would otherwise need the
/// whole result first).
struct QueryWriter {
    static let chunkBytes = 1 << 16
    static let tableSampleRows = 1000

    private let format: QueryOutputFormat
    private let output: (Data) throws -> Void
    private var buffer = ""
    private var columns: [String] = []
    private var rowCount = 0
    /// Table: the sampled rows, until the widths are fixed.
    private var sample: [[String]] = []
    private var widths: [Int]?
    /// JSON: each key once, sorted, with the index of the column that supplies its value
    /// (the last of equal names, as a dictionary keeps it).
    private var jsonKeys: [(key: String, column: Int)] = []

    init(format: QueryOutputFormat, output: @escaping (Data) throws -> Void) {
        self.format = format
        self.output = output
    }

    mutating func begin(columns: [String]) throws {
        self.columns = columns
        switch format {
        case .table: break
        case .csv: try write(TableRenderer.csvLine(columns))
        case .tsv: try write(Self.tsvLine(columns))
        case .markdown:
            try write(Self.markdownLine(columns) + "|" + columns.map { _ in " --- |" }.joined() + "\n")
        case .json:
            var last: [String: Int] = [:]
            for (i, name) in columns.enumerated() { last[name] = i }
            jsonKeys = last.keys.sorted().map { ($0, last[$0]!) }
            try write("[")
        }
    }

    mutating func row(_ values: [QueryValue]) throws {
        rowCount += 1
        switch format {
        case .csv:
            try write(TableRenderer.csvLine(values.map { $0 == .null ? nil : $0.text }))
        case .tsv:
            try write(Self.tsvLine(values.map { $0 == .null ? "" : $0.text }))
        case .markdown:
            try write(Self.markdownLine(values.map { $0 == .null ? "NULL" : $0.text }))
        case .json:
            try write((rowCount == 1 ? "\n" : ",\n") + jsonObject(values))
        case .table:
            let cells = values.map { $0 == .null ? "NULL" : $0.text }
            if let widths {
                try write(TableRenderer.line(cells, widths))
            } else {
                sample.append(cells)
                if sample.count == Self.tableSampleRows { try writeTableSample() }
            }
        }
    }

    mutating func finish() throws {
        switch format {
        case .csv, .tsv, .markdown: break
        case .json: try write(rowCount == 0 ? "]\n" : "\n]\n")
        case .table:
            if widths == nil { try writeTableSample() }
            try write(TableRenderer.footer(rows: rowCount))
        }
        try flush()
    }

    private mutating func writeTableSample() throws {
        let widths = TableRenderer.columnWidths(header: columns, rows: sample)
        self.widths = widths
        try write(TableRenderer.line(columns, widths) + TableRenderer.line(widths.map { String(repeating: "-", count: $0) }, widths))
        for cells in sample { try write(TableRenderer.line(cells, widths)) }
        sample = []
    }

    /// One row as a pretty-printed object with sorted keys, indented as an array element.
    private func jsonObject(_ values: [QueryValue]) throws -> String {
        var members: [String] = []
        for (key, column) in jsonKeys where column < values.count {
            members.append("    " + Self.jsonString(key) + " : " + (try jsonValue(values[column], column: key)))
        }
        return members.isEmpty ? "  {}" : "  {\n" + members.joined(separator: ",\n") + "\n  }"
    }

    private func jsonValue(_ value: QueryValue, column: String) throws -> String {
        switch value {
        case .null: return "null"
        case .integer(let n): return String(n)
        case .real(let d):
            guard d.isFinite else {
                throw Diagnostic("query failed: row \(rowCount), column \(column) holds \(d), which JSON cannot represent (use --csv)")
            }
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .text(let t): return Self.embeddedJSON(t) ?? Self.jsonString(t)
        case .blob(let b): return Self.jsonString(b.base64EncodedString())
        }
    }

    /// A text value that holds a JSON object or array (`evidence`), as that JSON rather than a
    /// string of it; nil for any other text.
    static func embeddedJSON(_ text: String) -> String? {
        guard let first = text.first(where: { !$0.isWhitespace }), first == "{" || first == "[",
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// A tab-separated line: tabs, newlines and backslashes in a cell escaped as `\t`, `\n`, `\\`
    /// (the convention of PostgreSQL's and MySQL's text formats), so every row is one line.
    static func tsvLine(_ cells: [String]) -> String {
        cells.map { cell in
            var out = ""
            for c in cell {
                switch c {
                case "\\": out += "\\\\"
                case "\t": out += "\\t"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\r\n": out += "\\r\\n"
                default: out.append(c)
                }
            }
            return out
        }.joined(separator: "\t") + "\n"
    }

    /// A Markdown table row: `|` escaped, line breaks as `<br>`.
    static func markdownLine(_ cells: [String]) -> String {
        "|" + cells.map { cell in
            " " + cell.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r\n", with: "<br>")
                .replacingOccurrences(of: "\n", with: "<br>") + " |"
        }.joined() + "\n"
    }

    /// A JSON string literal (`JSONValue.quote`).
    static func jsonString(_ s: String) -> String { JSONValue.quote(s) }

    private mutating func write(_ text: String) throws {
        buffer += text
        if buffer.utf8.count >= Self.chunkBytes { try flush() }
    }

    private mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try output(Data(buffer.utf8))
        buffer = ""
    }
}
