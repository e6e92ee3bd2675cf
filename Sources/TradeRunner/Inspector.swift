import Foundation
import TradeCore
import TradeWarehouse

/// Output forms of `tradewatch query`.
public enum QueryOutputFormat: Sendable {
    case table, csv, json
}

/// Read-only views of the warehouse for people: `query` and `status`.
public struct Inspector {
    public let warehousePath: String
    public let pipelinesDirectory: String

    public init(warehousePath: String, pipelinesDirectory: String = "Pipelines") {
        self.warehousePath = warehousePath
        self.pipelinesDirectory = pipelinesDirectory
    }

    func openReadOnly() throws -> Warehouse {
        guard FileManager.default.fileExists(atPath: warehousePath) else {
            throw RunFailure(.failure, "tradewatch: no warehouse at \(warehousePath): run `tradewatch run` (or `make run`) first")
        }
        return try Warehouse.openReadOnly(path: warehousePath)
    }

    /// Runs SQL on a read-only connection and renders the result.
    public func query(_ sql: String, format: QueryOutputFormat) throws -> String {
        let result = try openReadOnly().query(sql)
        let cells: [[String?]] = result.rows.map { $0.map(\.text) }
        switch format {
        case .table: return TableRenderer.aligned(header: result.columns, rows: cells)
        case .csv: return TableRenderer.csv(header: result.columns, rows: cells)
        case .json: return try TableRenderer.json(header: result.columns, rows: result.rows)
        }
    }
}

/// Renders query results as an aligned text table, CSV or JSON.
enum TableRenderer {
    static func aligned(header: [String], rows: [[String?]]) -> String {
        let shown = rows.map { $0.map { $0 ?? "NULL" } }
        var widths = header.map(\.count)
        for row in shown {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], displayWidth(cell)) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                cell + String(repeating: " ", count: max(0, widths[i] - displayWidth(cell)))
            }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        var out = line(header)
        out += line(widths.map { String(repeating: "-", count: $0) })
        for row in shown { out += line(row) }
        out += "(\(rows.count) row\(rows.count == 1 ? "" : "s"))\n"
        return out
    }

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
        func field(_ s: String?) -> String {
            guard let s else { return "" }
            if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return s
        }
        var out = header.map(field).joined(separator: ",") + "\n"
        for row in rows { out += row.map(field).joined(separator: ",") + "\n" }
        return out
    }

    static func json(header: [String], rows: [[QueryValue]]) throws -> String {
        let objects: [JSONValue] = rows.map { row in
            var object: [String: JSONValue] = [:]
            for (i, value) in row.enumerated() where i < header.count {
                switch value {
                case .null: object[header[i]] = .null
                case .integer(let n): object[header[i]] = .number(Double(n))
                case .real(let d): object[header[i]] = .number(d)
                case .text(let t): object[header[i]] = .string(t)
                case .blob(let b): object[header[i]] = .string(b.base64EncodedString())
                }
            }
            return .object(object)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(objects), as: UTF8.self) + "\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
