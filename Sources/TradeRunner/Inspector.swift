import Foundation
import TradeCore
import TradeWarehouse

/// Output forms of `tradewatch query`.
public enum QueryOutputFormat: Sendable {
    case table, csv, tsv, markdown, json
}

/// Read-only views of the warehouse for people: `query` and `status`.
public struct Inspector {
    public let warehousePath: String
    public let pipelinesDirectory: String
    public let rawDirectory: String

    public init(warehousePath: String, pipelinesDirectory: String = "Pipelines", rawDirectory: String = "Raw") {
        self.warehousePath = warehousePath
        self.pipelinesDirectory = pipelinesDirectory
        self.rawDirectory = rawDirectory
    }

    func openReadOnly(command: String) throws -> Warehouse {
        try PathChecks.requireWarehouse(warehousePath, command: command)
        return try Warehouse.openReadOnly(path: warehousePath)
    }

    /// Runs SQL on a read-only connection and streams the rendered result to `output` in chunks of
    /// about `QueryWriter.chunkBytes` as SQLite steps through the rows: memory stays flat however
    /// many rows the query returns. `timeLimit` (seconds) stops a statement that runs longer.
    public func query(_ sql: String, parameters: [String: String] = [:], format: QueryOutputFormat,
                      timeLimit: Double? = nil, output: (Data) throws -> Void) throws {
        let warehouse = try openReadOnly(command: "query")
        // The writer keeps `output` only while the query runs.
        try withoutActuallyEscaping(output) { output in
            var writer = QueryWriter(format: format, output: output)
            try warehouse.query(sql, parameters: parameters, timeLimit: timeLimit, columns: { try writer.begin(columns: $0) },
                                row: { try writer.row($0) })
            try writer.finish()
        }
    }
}

/// Renders tables (`status`, `query`) as aligned text or CSV.
enum TableRenderer {
    static func aligned(header: [String], rows: [[String?]]) -> String {
        let shown = rows.map { $0.map { $0 ?? "NULL" } }
        let widths = columnWidths(header: header, rows: shown)
        var out = line(header, widths) + line(widths.map { String(repeating: "-", count: $0) }, widths)
        for row in shown { out += line(row, widths) }
        return out + footer(rows: rows.count)
    }

    /// The widest of each column's header and cells, in terminal columns.
    static func columnWidths(header: [String], rows: [[String]]) -> [Int] {
        var widths = header.map(displayWidth)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(cell)) }
        }
        return widths
    }

    /// One table line; a cell wider than its column pushes the rest of the line right.
    static func line(_ cells: [String], _ widths: [Int]) -> String {
        cells.enumerated().map { i, cell in
            cell + String(repeating: " ", count: max(0, (i < widths.count ? widths[i] : 0) - displayWidth(cell)))
        }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }

    static func footer(rows: Int) -> String { "(\(rows) row\(rows == 1 ? "" : "s"))\n" }

    /// Terminal columns a string takes: CJK characters are two wide.
    static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { width, scalar in
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return width + (wide ? 2 : 1)
        }
    }

    static func csv(header: [String], rows: [[String?]]) -> String {
        var out = csvLine(header)
        for row in rows { out += csvLine(row) }
        return out
    }

    static func csvLine(_ cells: [String?]) -> String {
        cells.map(csvField).joined(separator: ",") + "\n"
    }

    static func csvField(_ s: String?) -> String {
        guard let s else { return "" }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
