import Foundation
import GRDB
import GRDBSQLite
import TradeCore

extension Warehouse {
    /// Runs one analyst SQL statement, handing `columns` the column names and then `row` each row
    /// as SQLite steps to it: no more than one row is held here, whatever the result's size.
    ///
    /// Only reading statements run (SELECT/WITH/VALUES/EXPLAIN that SQLite reports read-only,
    /// PRAGMAs without a value), inside a read transaction; ATTACH is disabled on every connection.
    /// With `timeLimit` (seconds), SQLite is interrupted once that much time has passed since the
    /// statement started. `parameters` gives the values of named parameters (`:code`, `@code`,
    /// `$code`, keyed without the prefix); every parameter needs one and every one given must be
    /// used. Errors are Diagnostics carrying SQLite's message.
    public func query(_ sql: String, parameters: [String: String] = [:], timeLimit: Double? = nil,
                      columns: ([String]) throws -> Void, row: ([QueryValue]) throws -> Void) throws {
        let deadline = timeLimit.map { QueryDeadline(seconds: $0) }
        authorizer?.clear()
        do {
            // Always a read transaction (query_only): `query` never writes, whatever the connection.
            try dbWriter.read { db in
                let statement = try Self.prepareAnalystStatement(sql, db)
                statement.setUncheckedArguments(try Self.arguments(parameters, for: statement))
                try columns(statement.columnNames)
                deadline?.install(on: db)
                defer { deadline?.remove(from: db) }
                let cursor = try Row.fetchCursor(statement)
                while let next = try cursor.next() {
                    try row(next.databaseValues.map(QueryValue.init))
                }
            }
        } catch let error as DatabaseError {
            if let deadline, deadline.expired {
                throw Diagnostic("query stopped: time limit of \(Self.seconds(deadline.seconds)) s reached (--timeout)")
            }
            if let name = authorizer?.deniedFunction {
                throw Diagnostic("query refused: function \(name)() is not on the read-only allow-list (queries are read-only)")
            }
            let message = error.message ?? "\(error.resultCode)"
            if message.hasSuffix("syntax error") || message.hasPrefix("unrecognized token") || message == "incomplete input" {
                throw Diagnostic("SQL syntax error: \(message)")
            }
            throw Diagnostic("query failed: \(message)")
        }
    }

    /// Prepares `sql` if the guard allows it and SQLite confirms it only reads.
    private static func prepareAnalystStatement(_ sql: String, _ db: Database) throws -> Statement {
        // Judge the text before SQLite prepares it: preparing a PRAGMA already applies it.
        let isPragma: Bool
        switch QueryGuard.verdict(for: sql) {
        case .refused(let reason): throw Diagnostic("query refused: \(reason) (queries are read-only)")
        case .syntaxError(let reason): throw Diagnostic("SQL syntax error: \(reason)")
        case .allowed(let pragma): isPragma = pragma
        }
        let statement = try db.makeStatement(sql: sql)
        if !isPragma && !statement.isReadonly {
            throw Diagnostic("query refused: the statement would change the warehouse (queries are read-only)")
        }
        return statement
    }

    /// The statement's named parameters bound from `parameters`: a whole number without leading
    /// zeros as an integer (`LIMIT :n`), anything else as text; column affinity converts either
    /// for comparisons (`hs_code = :code`).
    static func arguments(_ parameters: [String: String], for statement: Statement) throws -> StatementArguments {
        var names: [String] = []
        for index in 0..<sqlite3_bind_parameter_count(statement.sqliteStatement) {
            guard let name = sqlite3_bind_parameter_name(statement.sqliteStatement, index + 1) else {
                throw Diagnostic("query parameters must be named (:name), not ?: give values with -p name value")
            }
            let text = String(cString: name)
            let bare = String(text.dropFirst())
            if !names.contains(bare) { names.append(bare) }
            if text.hasPrefix("?") { throw Diagnostic("query parameters must be named (:name), not \(text)") }
        }
        if let missing = names.first(where: { parameters[$0] == nil }) {
            throw Diagnostic("the query uses :\(missing) but no value was given (-p \(missing) VALUE)")
        }
        if let unused = parameters.keys.sorted().first(where: { !names.contains($0) }) {
            let has = names.isEmpty ? "it has none" : "it has " + names.map { ":" + $0 }.joined(separator: ", ")
            throw Diagnostic("-p \(unused): the query has no parameter :\(unused) (\(has))")
        }
        var values: [String: (any DatabaseValueConvertible)?] = [:]
        for name in names {
            let text = parameters[name]!
            let whole = Int64(text).flatMap { _ in text == "0" || !(text.hasPrefix("0") || text.hasPrefix("-0") || text.hasPrefix("+")) ? Int64(text) : nil }
            values[name] = whole.map { $0 as any DatabaseValueConvertible } ?? text
        }
        return StatementArguments(values)
    }

    /// `1` for whole seconds, `0.5` otherwise.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension QueryValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .blob(b)
        }
    }
}

/// A wall-clock limit on one statement, checked by SQLite's progress handler every
/// `checkInterval` virtual-machine instructions (a recursive CTE never returns to Swift
/// between rows, so a timer on this side could not stop it).
final class QueryDeadline: @unchecked Sendable {
    let seconds: Double
    private let end: UInt64
    /// Set by the handler when it stopped the statement.
    private(set) var expired = false
    static let checkInterval: Int32 = 10_000

    init(seconds: Double) {
        self.seconds = seconds
        let nanoseconds = min(seconds, 1e9) * 1e9
        end = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, nanoseconds))
    }

    func install(on db: Database) {
        sqlite3_progress_handler(db.sqliteConnection, Self.checkInterval, { context in
            let deadline = Unmanaged<QueryDeadline>.fromOpaque(context!).takeUnretainedValue()
            guard DispatchTime.now().uptimeNanoseconds >= deadline.end else { return 0 }
            deadline.expired = true
            return 1
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    func remove(from db: Database) {
        sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil)
    }
}
