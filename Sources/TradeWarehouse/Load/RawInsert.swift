import GRDB
import GRDBSQLite
#if canImport(Glibc)
import Glibc
#endif

/// A prepared INSERT reused for every row of a file, bound with raw `sqlite3_bind_*` calls.
///
/// Bindings survive `sqlite3_reset`, so per-file constants (file id, source) are bound once with
/// `bindForAllRows`. Per-row text goes through `bind`: it is copied, NUL-terminated, into a buffer
/// owned by the insert and bound without a copy (`SQLITE_STATIC`); SQLite then neither allocates
/// per value nor copies again when a CHECK calls a function on it (it needs a terminated string).
/// Such a binding lasts one row: a parameter left pointing into the buffer and not bound again for
/// the next row is set to NULL before that row's `step()`, so a value is never read after the
/// buffer has been overwritten.
/// GRDB's `execute(arguments:)` and Codable records allocate per value; this is the bulk path.
final class RawInsert {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    /// This row's text values, each followed by a NUL byte.
    private let rowText: UnsafeMutableBufferPointer<CChar>
    private var rowTextUsed = 0
    /// Parameters pointing into `rowText` (bit `i` for parameter `i`).
    private var rowTextParameters: UInt64 = 0
    /// Parameters bound (any way) since the last `step()`.
    private var boundThisRow: UInt64 = 0

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the bind call returns.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    /// Room for a row's short texts (codes, periods, names); a longer value is bound as a copy.
    private static let rowTextCapacity = 4096

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        // A Database handed to a write block is always open.
        connection = db.sqliteConnection!
        rowText = .allocate(capacity: Self.rowTextCapacity)
    }

    deinit {
        // The statement may still point into the buffer: unbind before freeing it.
        sqlite3_clear_bindings(handle)
        rowText.deallocate()
    }

    /// Binds a value that stays the same for every row of the file (SQLite keeps its own copy).
    func bindForAllRows(_ index: Int32, _ value: String) {
        if index < 64 { rowTextParameters &= ~(1 << UInt64(index)) }
        var value = value
        value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { bindCopy(index, $0) }
        }
    }

    /// Binds `text` as a copy SQLite makes (`SQLITE_TRANSIENT`).
    private func bindCopy(_ index: Int32, _ text: UnsafeBufferPointer<CChar>) {
        guard let base = text.baseAddress, !text.isEmpty else {
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
            return
        }
        sqlite3_bind_text(handle, index, base, Int32(text.count), Self.transient)
    }

    /// Binds this row's text; valid until `step()`.
    func bind(_ index: Int32, _ value: String) {
        markBound(index)
        var value = value
        value.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                let start = rowTextUsed
                // A NUL inside the value would end it early: such a value (and a long one) is bound as a copy.
                guard text.count < rowText.count - start, index < 64,
                      text.isEmpty || memchr(text.baseAddress!, 0, text.count) == nil else {
                    bindCopy(index, text)
                    return
                }
                if let base = text.baseAddress { (rowText.baseAddress! + start).update(from: base, count: text.count) }
                rowText[start + text.count] = 0
                rowTextUsed = start + text.count + 1
                rowTextParameters |= 1 << UInt64(index)
                // Length -1: SQLite measures the value and knows it is terminated.
                _ = sqlite3_bind_text(handle, index, rowText.baseAddress! + start, -1, nil)
            }
        }
    }

    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    func bind(_ index: Int32, _ value: Int64) {
        markBound(index)
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int) {
        bind(index, Int64(value))
    }

    func bind(_ index: Int32, _ value: Int?) {
        if let value { bind(index, value) } else { bindNull(index) }
    }

    func bind(_ index: Int32, _ value: Bool) {
        bind(index, Int64(value ? 1 : 0))
    }

    func bind(_ index: Int32, _ value: Double?) {
        markBound(index)
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    private func bindNull(_ index: Int32) {
        markBound(index)
        sqlite3_bind_null(handle, index)
    }

    /// Records that `index` has this row's value, not (yet) one in the buffer.
    @inline(__always)
    private func markBound(_ index: Int32) {
        guard index < 64 else { return }
        boundThisRow |= 1 << UInt64(index)
        rowTextParameters &= ~(1 << UInt64(index))
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
        unbindStaleText()
        let code = sqlite3_step(handle)
        defer { endRow() }
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

    /// Sets to NULL the parameters still pointing into the buffer from an earlier row (every per-row
    /// insert binds all its parameters, so this is normally none).
    private func unbindStaleText() {
        var stale = rowTextParameters & ~boundThisRow
        rowTextParameters &= boundThisRow
        while stale != 0 {
            sqlite3_bind_null(handle, Int32(stale.trailingZeroBitCount))
            stale &= stale - 1
        }
    }

    /// Resets the statement; the buffer is free for the next row's texts.
    private func endRow() {
        sqlite3_reset(handle)
        boundThisRow = 0
        rowTextUsed = 0
    }
}
