import Foundation
import TradeCore
import TradeConfig

/// UN Comtrade API responses (`{"data": [...]}`, `{"elements": [...]}` or a bare array of
/// objects with the CSV's keys) → rows through `ComtradeNormalizer`.
///
/// The file is read in chunks and scanned byte by byte; each record object is decoded on
/// its own, so only one record is in memory at a time, and a record's line is the line
/// where its `{` stands. A number reaches the normalizer as its literal (`1e309`, `0.10`),
/// judged by the same grammar as a CSV field: JSONDecoder reads numbers only as far as Double
/// goes and would render them again.
public struct ComtradeJSONReader: SourceReader {
    public init() {}

    public func read(_ file: RawFile, definition: SourceDefinition, reference: ReferenceData,
                     emit: (RowOutcome) throws -> Void) throws {
        let input = try RawInput(url: file.url, display: file.displayPath)
        defer { input.close() }
        var normalizer = ComtradeNormalizer()
        try normalizer.begin(header: ComtradeNormalizer.columns, headerLine: 1, file: file, definition: definition,
                             reference: reference)
        let decoder = JSONDecoder()
        var scanner = ComtradeJSONScanner(input: input, file: file.displayPath, source: definition.name)
        try scanner.forEachRecord { bytes, line in
            let text = String(decoding: bytes, as: UTF8.self)
            let object: [String: Field]
            do {
                object = try decoder.decode([String: Field].self, from: Data(bytes))
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
            let literals = JSONNumberLiterals.members(of: bytes)
            let fields = ComtradeNormalizer.columns.map { Self.text(object[$0], literal: literals[$0]) }
            try normalizer.normalize(TableRecord(line: line, fields: fields, rawText: text), emit: emit)
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
///
/// The file is read in chunks with ordinary reads (a memory map would turn a file truncated
/// while it is read into SIGBUS); the window keeps the current record from its `{` on, so
/// memory stays flat however long the file and a record may be at most `maxRecordBytes`.
struct ComtradeJSONScanner {
    private let input: RawInput
    private let file: String
    private let source: String
    private let maxRecordBytes: Int
    private var buffer: [UInt8]
    /// Bytes of `buffer` that hold file content.
    private var end = 0
    private var pos = 0
    /// Where the record being scanned starts in `buffer`; a refill keeps it.
    private var recordStart: Int?
    private var line = 1

    static let defaultChunkSize = 1 << 16

    init(input: RawInput, file: String, source: String, chunkSize: Int = defaultChunkSize,
         maxRecordBytes: Int = 1 << 20) {
        self.input = input
        self.file = file
        self.source = source
        self.maxRecordBytes = maxRecordBytes
        buffer = [UInt8](repeating: 0, count: max(1, min(chunkSize, maxRecordBytes)))
    }

    private func error(_ message: String) -> Diagnostic {
        Diagnostic(message, at: SourceLocation(file: file, line: line), source: source)
    }

    /// The byte at `pos`, reading the next chunk when the window is used up; nil at end of file.
    @inline(__always)
    private mutating func peek() throws -> UInt8? {
        if pos < end { return buffer[pos] }
        return try refill() ? buffer[pos] : nil
    }

    /// Drops the bytes before the current record (or `pos`) and reads more; false at end of file.
    private mutating func refill() throws -> Bool {
        let keep = recordStart ?? pos
        if keep > 0 {
            buffer.withUnsafeMutableBufferPointer { b in
                _ = b.baseAddress!.update(from: b.baseAddress! + keep, count: end - keep)
            }
            end -= keep
            pos -= keep
            if recordStart != nil { recordStart = 0 }
        }
        if end == buffer.count {
            guard buffer.count < maxRecordBytes else {
                throw error("record longer than \(maxRecordBytes) bytes")
            }
            buffer += [UInt8](repeating: 0, count: min(buffer.count, maxRecordBytes - buffer.count))
        }
        let n = try input.read(into: &buffer, count: buffer.count - end, at: end)
        end += n
        return n > 0
    }

    private mutating func skipWhitespace() throws {
        while let byte = try peek() {
            switch byte {
            case 0x0A: line += 1; pos += 1
            case 0x20, 0x09, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws {
        try skipWhitespace()
        guard let found = try peek() else { throw error("truncated JSON") }
        guard found == byte else { throw error("malformed JSON: expected \"\(Character(UnicodeScalar(byte)))\"") }
        pos += 1
    }

    /// Skips a string starting at `"`; returns its first `keep` raw bytes (escapes left as written).
    @discardableResult
    private mutating func string(keep: Int = 0) throws -> [UInt8] {
        try expect(0x22)
        var kept: [UInt8] = []
        while let byte = try peek() {
            pos += 1
            switch byte {
            case 0x5C:
                guard try peek() != nil else { break }
                pos += 1
            case 0x22: return kept
            case 0x0A: line += 1
            default: if kept.count < keep { kept.append(byte) }
            }
        }
        throw error("truncated JSON: unterminated string")
    }

    /// Skips any value.
    private mutating func skipValue() throws {
        try skipWhitespace()
        guard let first = try peek() else { throw error("truncated JSON") }
        switch first {
        case 0x22: try string()
        case 0x7B, 0x5B:
            var depth = 0
            while let byte = try peek() {
                switch byte {
                case 0x22: try string(); continue
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
            while let byte = try peek(), ![0x2C, 0x7D, 0x5D, 0x20, 0x0A, 0x0D, 0x09].contains(byte) { pos += 1 }
        }
    }

    /// Calls `body` with the bytes and starting line of every object in the records array.
    mutating func forEachRecord(_ body: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        if try peek() == 0xEF {
            for byte: UInt8 in [0xEF, 0xBB, 0xBF] {
                guard try peek() == byte else { throw error("malformed JSON: expected \"{\" or \"[\"") }
                pos += 1
            }
        }
        try skipWhitespace()
        guard let first = try peek() else { throw error("empty JSON document") }
        if first == 0x5B { return try records(body) }
        try expect(0x7B)
        var found = false
        try skipWhitespace()
        if try peek() == 0x7D { pos += 1 } else {
            while true {
                let key = try string(keep: 9)
                try expect(0x3A)
                try skipWhitespace()
                if key == Array("data".utf8) || key == Array("elements".utf8), try peek() == 0x5B, !found {
                    found = true
                    try records(body)
                } else {
                    try skipValue()
                }
                try skipWhitespace()
                guard let next = try peek() else { throw error("truncated JSON") }
                if next == 0x2C { pos += 1; try skipWhitespace(); continue }
                try expect(0x7D)
                break
            }
        }
        guard found else { throw error("no \"data\" or \"elements\" array of records in the response") }
    }

    private mutating func records(_ body: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        try expect(0x5B)
        try skipWhitespace()
        if try peek() == 0x5D { pos += 1; return }
        while true {
            try skipWhitespace()
            guard let first = try peek() else { throw error("truncated JSON") }
            guard first == 0x7B else { throw error("malformed JSON: a record is not an object") }
            let startLine = line
            recordStart = pos
            try skipValue()
            let start = recordStart!
            recordStart = nil
            try body(buffer[start..<pos], startLine)
            try skipWhitespace()
            guard let next = try peek() else { throw error("truncated JSON: unclosed records array") }
            if next == 0x2C { pos += 1; continue }
            try expect(0x5D)
            return
        }
    }
}

/// The number-valued members of one JSON object, by key, each as its literal text. The object has
/// been decoded already, so it is well formed; keys written with escapes are left out.
enum JSONNumberLiterals {
    static func members(of object: ArraySlice<UInt8>) -> [String: String] {
        var literals: [String: String] = [:]
        var i = object.startIndex
        let end = object.endIndex
        func skipSpace() { while i < end, [0x20, 0x09, 0x0A, 0x0D].contains(object[i]) { i += 1 } }
        /// Past a string starting at `i` (on its quote); true when it held an escape.
        func skipString() -> Bool {
            var escaped = false
            i += 1
            while i < end, object[i] != 0x22 {
                if object[i] == 0x5C { escaped = true; i += 1 }
                i += 1
            }
            i += 1
            return escaped
        }
        /// Past a value starting at `i`: a string, a nested array or object, or a scalar.
        func skipValue() {
            if object[i] == 0x22 { _ = skipString(); return }
            var depth = 0
            while i < end {
                let b = object[i]
                if b == 0x22 { _ = skipString(); continue }
                if b == 0x7B || b == 0x5B { depth += 1 }
                else if b == 0x7D || b == 0x5D {
                    if depth == 0 { return }
                    depth -= 1
                    if depth == 0 { i += 1; return }
                } else if depth == 0, b == 0x2C { return }
                i += 1
            }
        }
        skipSpace()
        guard i < end, object[i] == 0x7B else { return literals }
        i += 1
        while true {
            skipSpace()
            guard i < end, object[i] == 0x22 else { return literals }
            let keyStart = i + 1
            let escaped = skipString()
            let key = String(decoding: object[keyStart..<(i - 1)], as: UTF8.self)
            skipSpace()
            guard i < end, object[i] == 0x3A else { return literals }
            i += 1
            skipSpace()
            guard i < end else { return literals }
            let start = i
            skipValue()
            var stop = i
            while stop > start, [0x20, 0x09, 0x0A, 0x0D].contains(object[stop - 1]) { stop -= 1 }
            if !escaped, object[start] == UInt8(ascii: "-") || object[start] &- 48 < 10 {
                literals[key] = String(decoding: object[start..<stop], as: UTF8.self)
            }
            skipSpace()
            guard i < end, object[i] == 0x2C else { return literals }
            i += 1
        }
    }
}
