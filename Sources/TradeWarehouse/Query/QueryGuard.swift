/// Decides from its text whether an analyst's SQL may run through `Warehouse.query`, before it is prepared.
///
/// Defense in depth on top of the read-only connection and read transaction. It must run
/// before SQLite sees the text: SQLite applies setting PRAGMAs (`writable_schema = 1`,
/// `query_only = 0`) while *preparing* them, and reports them as read-only statements.
enum QueryGuard {
    /// What the guard allows.
    enum Verdict: Equatable {
        case refused(String)
        /// A reading statement; `sqlite3_stmt_readonly` must still confirm it unless it is a PRAGMA.
        case allowed(isPragma: Bool)
    }

    /// Leading keywords of statements that only read.
    static let readKeywords: Set<String> = ["SELECT", "WITH", "VALUES", "EXPLAIN"]

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
