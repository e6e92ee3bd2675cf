import Foundation
import GRDB
import GRDBSQLite

/// Decides from its text whether an analyst's SQL may run through `Warehouse.query`, before it is prepared.
///
/// Defense in depth on top of the read-only connection and read transaction. It must run
/// before SQLite sees the text: SQLite applies setting PRAGMAs (`writable_schema = 1`,
/// `query_only = 0`) while *preparing* them, and reports them as read-only statements.
enum QueryGuard {
    /// What the guard allows.
    enum Verdict: Equatable {
        case refused(String)
        /// The text is no SQL statement SQLite knows (a misspelt keyword): a mistake, not a write.
        case syntaxError(String)
        /// A reading statement; `sqlite3_stmt_readonly` must still confirm it unless it is a PRAGMA.
        case allowed(isPragma: Bool)
    }

    /// Leading keywords of statements that only read.
    static let readKeywords: Set<String> = ["SELECT", "WITH", "VALUES", "EXPLAIN"]

    /// Leading keywords of SQLite's other statements: refused as writes, not as misspellings.
    static let otherStatementKeywords: Set<String> = [
        "INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "CREATE", "DROP", "ALTER", "ATTACH", "DETACH",
        "VACUUM", "REINDEX", "ANALYZE", "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE",
    ]

    /// PRAGMAs that take an argument yet only read (schema introspection and checks).
    static let readPragmasWithArgument: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_info", "index_xinfo", "index_list",
        "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
    ]

    /// The verdict on `sql`: exactly one statement, reading keyword, PRAGMA without a value.
    static func verdict(for sql: String) -> Verdict {
        var scanner = Scanner(Array(sql.utf8))
        guard scanner.isSingleStatement() else {
            return .refused("one statement at a time")
        }
        scanner.index = 0
        guard let keyword = scanner.word()?.uppercased() else { return .refused("empty statement") }
        if keyword == "PRAGMA" {
            guard var name = scanner.word() else { return .refused("PRAGMA without a name") }
            if scanner.peek() == UInt8(ascii: ".") {
                scanner.advance()
                guard let qualified = scanner.word() else { return .refused("PRAGMA without a name") }
                name = qualified
            }
            let next = scanner.peek()
            let hasArgument = next == UInt8(ascii: "=") || next == UInt8(ascii: "(")
            if hasArgument && !readPragmasWithArgument.contains(name.lowercased()) {
                return .refused("PRAGMA \(name) with a value changes a setting; only reading PRAGMAs are allowed")
            }
            return .allowed(isPragma: true)
        }
        guard readKeywords.contains(keyword) else {
            if !otherStatementKeywords.contains(keyword) {
                return .syntaxError("no SQL statement starts with \"\(keyword.lowercased())\" (statements start with SELECT, WITH, VALUES, EXPLAIN or PRAGMA)")
            }
            return .refused("only SELECT, WITH, VALUES, EXPLAIN and reading PRAGMA statements are allowed, not \(keyword)")
        }
        return .allowed(isPragma: false)
    }

    /// A minimal SQL token scanner: skips whitespace and comments, reads (quoted) identifiers.
    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func advance() { index += 1 }

        /// True when nothing but comments and whitespace follows the first top-level `;`.
        mutating func isSingleStatement() -> Bool {
            while let b = peek() {
                switch b {
                case UInt8(ascii: ";"):
                    advance()
                    while peek() == UInt8(ascii: ";") { advance() }
                    return peek() == nil
                case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
                    let close = b == UInt8(ascii: "[") ? UInt8(ascii: "]") : b
                    advance()
                    while index < bytes.count && bytes[index] != close { advance() }
                    advance()
                default:
                    advance()
                }
            }
            return true
        }

        /// The next significant byte, after whitespace and comments.
        mutating func peek() -> UInt8? {
            skipTrivia()
            return index < bytes.count ? bytes[index] : nil
        }

        /// The next identifier or keyword, unquoted (`"x"`, `` `x` ``, `[x]` or bare).
        mutating func word() -> String? {
            skipTrivia()
            guard index < bytes.count else { return nil }
            let open = bytes[index]
            let close: UInt8? = switch open {
            case UInt8(ascii: "\""): UInt8(ascii: "\"")
            case UInt8(ascii: "`"): UInt8(ascii: "`")
            case UInt8(ascii: "["): UInt8(ascii: "]")
            default: nil
            }
            if let close {
                let start = index + 1
                var end = start
                while end < bytes.count && bytes[end] != close { end += 1 }
                index = min(end + 1, bytes.count)
                return String(decoding: bytes[start..<min(end, bytes.count)], as: UTF8.self)
            }
            let start = index
            while index < bytes.count, Self.isWordByte(bytes[index]) { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        private static func isWordByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
        }

        private mutating func skipTrivia() {
            while index < bytes.count {
                let b = bytes[index]
                if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C {
                    index += 1
                } else if b == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") {
                    while index < bytes.count && bytes[index] != 0x0A { index += 1 }
                } else if b == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                    index += 2
                    while index + 1 < bytes.count && !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) {
                        index += 1
                    }
                    index = min(index + 2, bytes.count)
                } else {
                    return
                }
            }
        }
    }
}

/// Denies, while SQLite prepares a statement, every function outside a read-only allow-list of
/// SQLite's built-ins: `fts3_tokenizer('simple')` returns a heap pointer, and an extension or
/// application function has no business in an analyst's query.
///
/// It replaces GRDB's statement authorizer on the connection it is installed on. That one only
/// observes (tables read and written, for transaction observers and GRDB's database regions),
/// and a read-only query connection uses neither.
final class QueryAuthorizer: @unchecked Sendable {
    private let lock = NSLock()
    private var denied: String?

    /// The function refused since the last `clear()`.
    var deniedFunction: String? { lock.withLock { denied } }

    func clear() { lock.withLock { denied = nil } }

    /// Scalar, aggregate, window, date, math and JSON functions of SQLite that only compute.
    static let allowedFunctions: Set<String> = [
        // core scalar
        "abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "if", "ifnull", "iif", "instr",
        "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif", "octet_length",
        "printf", "quote", "random", "randomblob", "replace", "round", "rtrim", "sign", "soundex",
        "sqlite_version", "substr", "substring", "trim", "typeof", "unhex", "unicode", "unistr", "unistr_quote",
        "unlikely", "upper", "zeroblob",
        // date and time
        "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
        "current_date", "current_time", "current_timestamp",
        // aggregate
        "avg", "count", "group_concat", "string_agg", "sum", "total", "median", "percentile", "percentile_cont",
        "percentile_disc",
        // window
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
        "first_value", "last_value", "nth_value",
        // math
        "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh", "degrees",
        "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians", "sin", "sinh",
        "sqrt", "tan", "tanh", "trunc",
        // JSON
        "json", "jsonb", "json_array", "jsonb_array", "json_array_length", "json_error_position", "json_extract",
        "jsonb_extract", "->", "->>", "json_insert", "jsonb_insert", "json_object", "jsonb_object", "json_patch",
        "jsonb_patch", "json_pretty", "json_remove", "jsonb_remove", "json_replace", "jsonb_replace", "json_set",
        "jsonb_set", "json_type", "json_valid", "json_quote", "json_group_array", "jsonb_group_array",
        "json_group_object", "jsonb_group_object",
    ]

    func install(on db: Database) {
        sqlite3_set_authorizer(db.sqliteConnection, { context, action, _, name, _, _ in
            guard action == SQLITE_FUNCTION, let name else { return SQLITE_OK }
            let function = String(cString: name).lowercased()
            guard !QueryAuthorizer.allowedFunctions.contains(function) else { return SQLITE_OK }
            let authorizer = Unmanaged<QueryAuthorizer>.fromOpaque(context!).takeUnretainedValue()
            authorizer.lock.withLock { authorizer.denied = function }
            return SQLITE_DENY
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
