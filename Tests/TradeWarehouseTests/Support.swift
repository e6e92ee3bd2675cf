import Foundation
import TradeCore
@testable import TradeWarehouse

/// A 64-hex-digit stand-in for a file's SHA-256, distinct per `n`.
func sha(_ n: Int) -> String {
    String(repeating: "0", count: 64 - String(n, radix: 16).count) + String(n, radix: 16)
}

func file(_ path: String, _ n: Int, mtime: Double = 1_700_000_000) -> FileIdentity {
    FileIdentity(path: path, sha256: sha(n), size: Int64(100 + n), mtime: mtime)
}

func trade(_ period: String, _ reporter: String = "CHN", _ partner: String, _ hs: String = "28469015",
           kg: Double?, usd: Double?, line: Int, flow: Flow = .export) throws -> RowOutcome {
    guard let period = Period(period) else { throw TestFailure("not a period: \(period)") }
    return .trade(TradeRow(period: period, reporter: reporter, partner: partner, flow: flow, hsCode: hs,
                           quantityKg: kg, valueUSD: usd, valuation: .fob, rawLine: line))
}

func rejected(_ file: String, line: Int, column: Int?, name: String?, reason: String, text: String) -> RowOutcome {
    .rejected(RejectedRow(location: SourceLocation(file: file, line: line, column: column), columnName: name,
                          reason: reason, rawText: text))
}

/// A single-column query result as strings (NULL as "NULL").
func column(_ warehouse: Warehouse, _ sql: String) throws -> [String] {
    try warehouse.query(sql).rows.map { row in row.first.map { $0 == .null ? "NULL" : $0.text } ?? "" }
}

/// The one integer a `SELECT count(*) …` returns.
func count(_ warehouse: Warehouse, _ sql: String) throws -> Int64 {
    guard case .integer(let n)? = try warehouse.query(sql).rows.first?.first else {
        throw TestFailure("not an integer: \(sql)")
    }
    return n
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system temp dir, removed by the caller with `removeItem`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tradewatch-wh-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A fresh, migrated warehouse file in a directory of its own, which the caller removes.
func scratchWarehouse() throws -> (warehouse: Warehouse, directory: URL) {
    let directory = try temporaryDirectory()
    return (try Warehouse(path: directory.appendingPathComponent("w.sqlite").path), directory)
}

/// An analyst query's column names and rows, collected whole.
struct QueryResult: Hashable {
    var columns: [String] = []
    var rows: [[QueryValue]] = []
}

extension Warehouse {
    /// Runs one analyst SQL statement through the streaming `query` and keeps the whole result.
    func query(_ sql: String, timeLimit: Double? = nil) throws -> QueryResult {
        var result = QueryResult()
        try query(sql, timeLimit: timeLimit, columns: { result.columns = $0 }, row: { result.rows.append($0) })
        return result
    }
}
