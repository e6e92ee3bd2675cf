import GRDB
import GRDBSQLite

/// A prepared INSERT reused for every row of a file, bound with raw `sqlite3_bind_*` calls.
///
/// Bindings survive `sqlite3_reset`, so per-file constants (file id, source) are bound once.
/// GRDB's `execute(arguments:)` or Codable records are 2.5–6× slower on million-row files.
struct RawInsert {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the bind call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        // A Database handed to a write block is always open.
        connection = db.sqliteConnection!
    }

    func bind(_ index: Int32, _ value: String) {
        var value = value
        // Native strings are contiguous UTF-8: bind the bytes without a C-string copy.
        value.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                sqlite3_bind_text(handle, index, "", 0, Self.transient)
                return
            }
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { text in
                _ = sqlite3_bind_text(handle, index, text, Int32(bytes.count), Self.transient)
            }
        }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    func bind(_ index: Int32, _ value: Int?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Bool) {
        sqlite3_bind_int64(handle, index, value ? 1 : 0)
    }

    func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// What one execution did.
    enum Outcome {
        case inserted
        /// `ON CONFLICT DO NOTHING` skipped the row (its natural key is already in this file).
        case duplicate
        /// A CHECK or NOT NULL constraint refused the row; SQLite's message.
        case refused(String)
    }

    /// Executes the statement with the current bindings; throws for anything but a refused row.
    func step() throws -> Outcome {
        let code = sqlite3_step(handle)
        defer { sqlite3_reset(handle) }
        switch code {
        case SQLITE_DONE:
            return sqlite3_changes(connection) == 1 ? .inserted : .duplicate
        case let code where ResultCode(rawValue: code) == .SQLITE_CONSTRAINT_CHECK
            || ResultCode(rawValue: code) == .SQLITE_CONSTRAINT_NOTNULL:
            return .refused(String(cString: sqlite3_errmsg(connection)))
        default:
            let message = String(cString: sqlite3_errmsg(connection))
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}
