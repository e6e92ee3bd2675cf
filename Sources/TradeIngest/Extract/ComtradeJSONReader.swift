import Foundation
import TradeCore
import TradeConfig

/// UN Comtrade API responses (`{"data": [...]}`, `{"elements": [...]}` or a bare array of
/// objects with the CSV's keys) → rows through `ComtradeNormalizer`.
///
/// The file is read in chunks and scanned byte by byte; each record object is decoded on
/// its own, so only one record is in memory at a time, and a record's line is the line
/// where its `{` stands.
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
            let object: [String: JSONValue]
            do {
                object = try decoder.decode([String: JSONValue].self, from: Data(bytes))
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
            let fields = ComtradeNormalizer.columns.map { Self.text(object[$0]) }
            try normalizer.normalize(TableRecord(line: line, fields: fields, rawText: text), emit: emit)
        }
        try normalizer.finish(emit: emit)
    }

    /// A JSON scalar as the CSV would have written it (`842`, `4322339.354`, `True`).
    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .none, .null?: return ""
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "True" : "False"
        case .number(let d)?:
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .array?, .object?: return ""
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
