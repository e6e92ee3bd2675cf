import Foundation
import TradeCore
import TradeConfig

/// UN Comtrade API responses (`{"data": [...]}`, `{"elements": [...]}` or a bare array of
/// objects with the CSV's keys) → rows through `ComtradeNormalizer`.
///
/// The file is memory-mapped and scanned byte by byte; each record object is decoded on
/// its own, so only one record is materialized at a time, and a record's line is the
/// line where its `{` stands. A number reaches the normalizer as its literal (`1e309`, `0.10`),
/// judged by the same grammar as a CSV field: JSONDecoder reads numbers only as far as Double
/// goes and would render them again.
public struct ComtradeJSONReader: SourceReader {
    public init() {}

    public func read(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
                     emit: (RowOutcome) throws -> Void) throws {
        let data: Data
        do { data = try Data(contentsOf: file.url, options: .alwaysMapped) } catch {
            throw Diagnostic("cannot read file: \(error.localizedDescription)",
                             at: SourceLocation(file: file.displayPath, line: 1), source: definition.name)
        }
        var normalizer = ComtradeNormalizer()
        try normalizer.begin(header: ComtradeNormalizer.columns, headerLine: 1, file: file, definition: definition,
                             reference: reference)
        let decoder = JSONDecoder()
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var scanner = ComtradeJSONScanner(bytes: bytes, file: file.displayPath, source: definition.name)
            try scanner.forEachRecord { range, line in
                let slice = UnsafeRawBufferPointer(rebasing: raw[range])
                let text = String(decoding: slice, as: UTF8.self)
                let object: [String: Field]
                do {
                    object = try decoder.decode([String: Field].self, from: Data(slice))
                } catch {
                    throw Diagnostic("record is not a JSON object: \(error)",
                                     at: SourceLocation(file: file.displayPath, line: line), source: definition.name)
                }
                if let missing = ComtradeNormalizer.requiredColumns.first(where: { object[$0] == nil }) {
                    try emit(.rejected(RejectedRow(location: SourceLocation(file: file.displayPath, line: line),
                                                   columnName: missing, reason: "record has no key \(missing)",
                                                   rawText: text)))
                    return
                }
                let literals = try ComtradeJSONScanner(bytes: bytes, file: file.displayPath, source: definition.name)
                    .numberLiterals(in: range, line: line)
                let fields = ComtradeNormalizer.columns.map { Self.text(object[$0], literal: literals[$0]) }
                try normalizer.normalize(TableRecord(line: line, fields: fields, rawText: text), emit: emit)
            }
        }
        try normalizer.finish(emit: emit)
    }

    /// A record's value as JSONDecoder reads it; a number beyond the Double range is still a number.
    enum Field: Decodable {
        case null, bool(Bool), string(String), nested
        /// nil: beyond the Double range.
        case number(Double?)

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if (try? c.decode([Field].self)) != nil || (try? c.decode([String: Field].self)) != nil { self = .nested }
            else { self = .number(nil) }  // the document parsed, so what is left is a number
        }
    }

    /// A JSON value as the CSV would have written it (`842`, `4322339.354`, `True`); a number as
    /// its `literal` when the scanner found it.
    static func text(_ value: Field?, literal: String?) -> String {
        switch value {
        case .none, .null?, .nested?: return ""
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "True" : "False"
        case .number(let d)?:
            if let literal { return literal }
            guard let d else { return "" }
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        }
    }
}

/// Finds the record objects of a Comtrade response without decoding the whole document.
struct ComtradeJSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let file: String
    let source: String
    var pos = 0
    var line = 1

    init(bytes: UnsafeBufferPointer<UInt8>, file: String, source: String) {
        self.bytes = bytes
        self.file = file
        self.source = source
    }

    private func error(_ message: String) -> Diagnostic {
        Diagnostic(message, at: SourceLocation(file: file, line: line), source: source)
    }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x0A: line += 1; pos += 1
            case 0x20, 0x09, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == byte else {
            throw error(pos < bytes.count ? "malformed JSON: expected \"\(Character(UnicodeScalar(byte)))\""
                                          : "truncated JSON")
        }
        pos += 1
    }

    /// Skips a string starting at `"`; returns its raw bytes (escapes left as written).
    private mutating func string() throws -> ArraySlice<UInt8> {
        try expect(0x22)
        let start = pos
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x5C: pos += 2
            case 0x22:
                pos += 1
                return ArraySlice(UnsafeBufferPointer(rebasing: bytes[start..<(pos - 1)]))
            case 0x0A: line += 1; pos += 1
            default: pos += 1
            }
        }
        throw error("truncated JSON: unterminated string")
    }

    /// Skips any value.
    private mutating func skipValue() throws {
        skipWhitespace()
        guard pos < bytes.count else { throw error("truncated JSON") }
        switch bytes[pos] {
        case 0x22: _ = try string()
        case 0x7B, 0x5B:
            var depth = 0
            while pos < bytes.count {
                switch bytes[pos] {
                case 0x22: _ = try string(); continue
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth == 0 { pos += 1; return }
                case 0x0A: line += 1
                default: break
                }
                pos += 1
            }
            throw error("truncated JSON: unclosed object or array")
        default:
            while pos < bytes.count, ![0x2C, 0x7D, 0x5D, 0x20, 0x0A, 0x0D, 0x09].contains(bytes[pos]) { pos += 1 }
        }
    }

    /// The number-valued members of the record object at `range` (already decoded, so well formed),
    /// by key, each as its literal text. Keys written with escapes are left out.
    func numberLiterals(in range: Range<Int>, line: Int) throws -> [String: String] {
        var member = self
        member.pos = range.lowerBound
        member.line = line
        var literals: [String: String] = [:]
        try member.expect(0x7B)
        member.skipWhitespace()
        if member.pos < range.upperBound, bytes[member.pos] == 0x7D { return literals }
        while member.pos < range.upperBound {
            let key = try member.string()
            try member.expect(0x3A)
            member.skipWhitespace()
            let start = member.pos
            try member.skipValue()
            if start < member.pos, bytes[start] == UInt8(ascii: "-") || bytes[start] &- 48 < 10, !key.contains(0x5C) {
                literals[String(decoding: key, as: UTF8.self)] =
                    String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<member.pos]), as: UTF8.self)
            }
            member.skipWhitespace()
            guard member.pos < range.upperBound, bytes[member.pos] == 0x2C else { break }
            member.pos += 1
        }
        return literals
    }

    /// Calls `body` with the byte range and starting line of every object in the records array.
    mutating func forEachRecord(_ body: (Range<Int>, Int) throws -> Void) throws {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { pos = 3 }
        skipWhitespace()
        guard pos < bytes.count else { throw error("empty JSON document") }
        if bytes[pos] == 0x5B { return try records(body) }
        try expect(0x7B)
        var found = false
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == 0x7D { pos += 1 } else {
            while true {
                let key = String(decoding: try string(), as: UTF8.self)
                try expect(0x3A)
                skipWhitespace()
                if (key == "data" || key == "elements"), pos < bytes.count, bytes[pos] == 0x5B, !found {
                    found = true
                    try records(body)
                } else {
                    try skipValue()
                }
                skipWhitespace()
                guard pos < bytes.count else { throw error("truncated JSON") }
                if bytes[pos] == 0x2C { pos += 1; skipWhitespace(); continue }
                try expect(0x7D)
                break
            }
        }
        guard found else { throw error("no \"data\" or \"elements\" array of records in the response") }
    }

    private mutating func records(_ body: (Range<Int>, Int) throws -> Void) throws {
        try expect(0x5B)
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == 0x5D { pos += 1; return }
        while true {
            skipWhitespace()
            guard pos < bytes.count else { throw error("truncated JSON") }
            guard bytes[pos] == 0x7B else { throw error("malformed JSON: a record is not an object") }
            let start = pos, startLine = line
            try skipValue()
            try body(start..<pos, startLine)
            skipWhitespace()
            guard pos < bytes.count else { throw error("truncated JSON: unclosed records array") }
            if bytes[pos] == 0x2C { pos += 1; continue }
            try expect(0x5D)
            return
        }
    }
}
