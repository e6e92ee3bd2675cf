import Foundation
import GRDB
import TradeCore

extension Warehouse {
    /// Runs one analyst SQL statement and returns its columns and rows.
    ///
    /// Only reading statements run (SELECT/WITH/VALUES/EXPLAIN that SQLite reports read-only,
    /// PRAGMAs without a value), inside a read transaction; ATTACH is disabled on every connection.
    /// Errors are Diagnostics carrying SQLite's message.
    public func query(_ sql: String) throws -> QueryResult {
        let run: (Database) throws -> QueryResult = { db in
            // Judge the text before SQLite prepares it: preparing a PRAGMA already applies it.
            let isPragma: Bool
            switch QueryGuard.verdict(for: sql) {
            case .refused(let reason): throw Diagnostic("query refused: \(reason) (queries are read-only)")
            case .allowed(let pragma): isPragma = pragma
            }
            let statement = try db.makeStatement(sql: sql)
            if !isPragma && !statement.isReadonly {
                throw Diagnostic("query refused: the statement would change the warehouse (queries are read-only)")
            }
            let columns = statement.columnNames
            var rows: [[QueryValue]] = []
            let cursor = try Row.fetchCursor(statement)
            while let row = try cursor.next() {
                rows.append(row.databaseValues.map { value -> QueryValue in
                    switch value.storage {
                    case .null: return .null
                    case .int64(let i): return .integer(i)
                    case .double(let d): return .real(d)
                    case .string(let s): return .text(s)
                    case .blob(let b): return .blob(b)
                    }
                })
            }
            return QueryResult(columns: columns, rows: rows)
        }
        do {
            // Always a read transaction (query_only): `query` never writes, whatever the connection.
            return try dbWriter.read(run)
        } catch let error as DatabaseError {
            throw Diagnostic("query failed: \(error.message ?? "\(error.resultCode)")")
        }
    }
}
