import Foundation
import TradeCore

/// A text encoding TradeWatch reads (CSV files are transcoded to UTF-8 before parsing).
public enum TextEncoding: String, Sendable, Hashable {
    case utf8 = "UTF-8"
    case gb18030 = "GB18030"
    case utf16LE = "UTF-16LE"
    case utf16BE = "UTF-16BE"
}

/// Decides a file's encoding from a definition's `encoding` key.
///
/// `auto`: UTF-16 BOM → UTF-16; UTF-8 BOM → UTF-8; the whole file valid UTF-8 → UTF-8;
/// else GB18030 (a superset of GBK and GB2312). The UTF-8 check streams the file in
/// fixed-size chunks, so memory stays flat (the file is read twice).
public enum TextEncodingDetector {
    /// The encoding to use and how many BOM bytes to skip.
    public static func detect(url: URL, declared: String, display: String) throws -> (TextEncoding, bomLength: Int) {
        let d = try detection(url: url, declared: declared, display: display)
        return (d.encoding, d.bomLength)
    }

    /// What `detect` decided, and for a file `auto` took for GB18030 where its UTF-8 broke off.
    struct Detection {
        var encoding: TextEncoding
        var bomLength: Int
        /// Byte offset and 1-based line of the first byte that is not UTF-8.
        var utf8Invalid: (offset: Int, line: Int)?
    }

    static func detection(url: URL, declared: String, display: String) throws -> Detection {
        let handle = try RawInput(url: url, display: display)
        defer { handle.close() }
        var head = [UInt8](repeating: 0, count: 4)
        let n = try handle.read(into: &head, count: 4)
        let prefix = Array(head[0..<n])
        let bom = bomEncoding(prefix)
        switch declared.lowercased() {
        case "utf-8", "utf8":
            return Detection(encoding: .utf8, bomLength: bom?.0 == .utf8 ? 3 : 0)
        case "gb18030", "gbk", "gb2312":
            return Detection(encoding: .gb18030, bomLength: 0)
        case "utf-16", "utf16":
            if let bom, bom.0 != .utf8 { return Detection(encoding: bom.0, bomLength: bom.1) }
            return Detection(encoding: .utf16LE, bomLength: 0)
        case "auto", "":
            if let bom { return Detection(encoding: bom.0, bomLength: bom.1) }
            try handle.rewind()
            guard let invalid = try firstInvalidUTF8(handle) else { return Detection(encoding: .utf8, bomLength: 0) }
            try handle.rewind()
            return Detection(encoding: .gb18030, bomLength: 0,
                             utf8Invalid: (invalid, try newlines(handle, before: invalid) + 1))
        default:
            throw Diagnostic("unknown encoding \"\(declared)\" (expected auto, utf-8, gb18030, utf-16)",
                             at: SourceLocation(file: display, line: 1))
        }
    }

    /// The encoding a byte-order mark announces, with the mark's length.
    public static func bomEncoding(_ bytes: [UInt8]) -> (TextEncoding, Int)? {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return (.utf8, 3) }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return (.utf16LE, 2) }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return (.utf16BE, 2) }
        return nil
    }

    /// Offset of the first byte that is not UTF-8, nil when the whole input is.
    static func firstInvalidUTF8(_ input: RawInput) throws -> Int? {
        var validator = UTF8Validator()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try input.read(into: &buffer, count: buffer.count)
            if n == 0 { return validator.finish() }
            if let bad = buffer.withUnsafeBufferPointer({ validator.feed(UnsafeBufferPointer(rebasing: $0[0..<n])) }) {
                return bad
            }
        }
    }

    /// LF bytes in the input's first `end` bytes (an LF is never part of a UTF-8 or GB18030 character).
    static func newlines(_ input: RawInput, before end: Int) throws -> Int {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var count = 0, read = 0
        while read < end {
            let n = try input.read(into: &buffer, count: min(buffer.count, end - read))
            if n == 0 { break }
            count += buffer[0..<n].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            read += n
        }
        return count
    }
}

/// Streaming UTF-8 validation across chunk boundaries (a sequence may be split between two chunks).
struct UTF8Validator {
    /// Bytes consumed so far.
    private(set) var offset = 0
    private var need = 0          // continuation bytes still expected
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    private var sequenceStart = 0

    /// Feeds a chunk; returns the byte offset (0-based, from the start of the stream) of the first invalid sequence.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        let count = bytes.count
        let raw = UnsafeRawBufferPointer(bytes)
        while i < count {
            if need == 0 {
                // Fast path: ASCII runs, eight bytes at a time (no byte with the high bit set).
                while i + 8 <= count, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                guard i < count else { break }
            }
            let b = bytes[i]
            if need == 0 {
                if b < 0x80 { i += 1; continue }
                sequenceStart = offset + i
                switch b {
                case 0xC2...0xDF: need = 1; lower = 0x80; upper = 0xBF
                case 0xE0: need = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF: need = 2; lower = 0x80; upper = 0xBF
                case 0xED: need = 2; lower = 0x80; upper = 0x9F
                case 0xF0: need = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3: need = 3; lower = 0x80; upper = 0xBF
                case 0xF4: need = 3; lower = 0x80; upper = 0x8F
                default: return offset + i
                }
            } else {
                guard b >= lower, b <= upper else { return sequenceStart }
                lower = 0x80; upper = 0xBF
                need -= 1
            }
            i += 1
        }
        offset += count
        return nil
    }

    /// At end of input: the offset of a truncated final sequence, if any.
    func finish() -> Int? { need == 0 ? nil : sequenceStart }
}
