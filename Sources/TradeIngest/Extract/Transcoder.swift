import Foundation
import TradeCore
#if canImport(Glibc)
import Glibc
#endif

/// Streams a file as UTF-8 bytes whatever its encoding: UTF-8 is passed through
/// (validated when declared), GB18030 and UTF-16 go through Glibc `iconv` in
/// fixed-size chunks. A multibyte character split across two read chunks is carried
/// over to the next chunk; an invalid sequence throws a located `Diagnostic`
/// ("cannot decode … as GB18030 at byte N").
public final class Transcoder {
    public let encoding: TextEncoding
    let display: String
    private let input: RawInput
    private let validateUTF8: Bool
    private var validator = UTF8Validator()
    private var cd: iconv_t?
    private var inBuffer: [UInt8]
    private var inStart = 0
    private var inEnd = 0
    /// File offset of `inBuffer[0]`.
    private var bufferFileOffset: Int
    private var eof = false
    /// Newlines emitted so far, to say on which line a decoding error happened.
    private var newlines = 0
    private let bomLength: Int
    /// For a file `auto` read as GB18030: where its UTF-8 broke off (offset, line).
    private var utf8Invalid: (offset: Int, line: Int)?

    /// Opens `url`; `declared` is the definition's `encoding` (`auto`, `utf-8`, `gb18030`, `gbk`, `utf-16`).
    public convenience init(url: URL, declared: String, display: String, chunkSize: Int = 1 << 16) throws {
        let detection = try TextEncodingDetector.detection(url: url, declared: declared, display: display)
        try self.init(url: url, encoding: detection.encoding, bomLength: detection.bomLength,
                      validate: declared.lowercased() != "auto", display: display, chunkSize: chunkSize)
        utf8Invalid = detection.utf8Invalid
    }

    public init(url: URL, encoding: TextEncoding, bomLength: Int, validate: Bool, display: String,
                chunkSize: Int = 1 << 16) throws {
        self.encoding = encoding
        self.display = display
        self.validateUTF8 = validate
        self.bomLength = bomLength
        input = try RawInput(url: url, display: display)
        try input.skip(bomLength)
        bufferFileOffset = bomLength
        inBuffer = encoding == .utf8 ? [] : [UInt8](repeating: 0, count: max(chunkSize, 4)) // 4: the longest GB18030 character
        if encoding != .utf8 {
            let handle = iconv_open("UTF-8", encoding.rawValue)
            if handle == iconv_t(bitPattern: -1) {
                throw Diagnostic("iconv cannot convert from \(encoding.rawValue)", at: SourceLocation(file: display, line: 1))
            }
            cd = handle
        }
    }

    deinit {
        if let cd { iconv_close(cd) }
        input.close()
    }

    /// Fills `out` from index 0 with the next UTF-8 bytes; returns the count, 0 at end of file.
    /// `out` must hold at least 16 bytes.
    public func read(into out: inout [UInt8]) throws -> Int {
        precondition(out.count >= 16)
        if encoding == .utf8 { return try readUTF8(into: &out) }
        return try readIconv(into: &out)
    }

    private func readUTF8(into out: inout [UInt8]) throws -> Int {
        let n = try input.read(into: &out, count: out.count)
        if validateUTF8 {
            if n == 0 {
                if let bad = validator.finish() { throw decodeError(at: bomLength + bad, out: out, produced: 0) }
            } else if let bad = out.withUnsafeBufferPointer({ validator.feed(UnsafeBufferPointer(rebasing: $0[0..<n])) }) {
                let local = bad - (validator.offset)
                throw decodeError(at: bomLength + bad, out: out, produced: max(0, min(n, local)))
            }
        }
        // Lines are counted only to locate a decoding error, which unvalidated UTF-8 cannot raise.
        if validateUTF8 { countNewlines(out, n) }
        return n
    }

    private func readIconv(into out: inout [UInt8]) throws -> Int {
        while true {
            if inStart == inEnd && !eof { try refill() }
            if inStart == inEnd && eof { return 0 }
            var inLeft = inEnd - inStart
            var outLeft = out.count
            let before = inStart
            let result: Int = inBuffer.withUnsafeMutableBytes { inRaw in
                out.withUnsafeMutableBytes { outRaw in
                    var inPtr: UnsafeMutablePointer<CChar>? = (inRaw.baseAddress! + before).assumingMemoryBound(to: CChar.self)
                    var outPtr: UnsafeMutablePointer<CChar>? = outRaw.baseAddress!.assumingMemoryBound(to: CChar.self)
                    return iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                }
            }
            let err = errno
            inStart = inEnd - inLeft
            let produced = out.count - outLeft
            if result == -1 {
                switch err {
                case E2BIG:
                    break // output full: hand back what we have
                case EINVAL:
                    // An incomplete character at the end of the chunk: keep it and read more.
                    if eof {
                        throw decodeError(at: bufferFileOffset + inStart, out: out, produced: produced,
                                          what: "incomplete character at end of file")
                    }
                    if produced == 0 { try refill(); continue }
                case EILSEQ:
                    throw decodeError(at: bufferFileOffset + inStart, out: out, produced: produced)
                default:
                    throw Diagnostic("iconv failed: \(String(cString: strerror(err)))", at: SourceLocation(file: display, line: newlines + 1))
                }
            }
            if produced > 0 {
                countNewlines(out, produced)
                return produced
            }
            if inStart == inEnd && eof { return 0 }
        }
    }

    /// Moves unconsumed bytes to the front and reads more.
    private func refill() throws {
        let left = inEnd - inStart
        if left > 0 && inStart > 0 {
            inBuffer.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                memmove(base, base + inStart, left)
            }
        }
        bufferFileOffset += inStart
        inStart = 0
        inEnd = left
        let n = try input.read(into: &inBuffer, count: inBuffer.count - left, at: left)
        if n == 0 { eof = true }
        inEnd += n
    }

    private func countNewlines(_ out: [UInt8], _ n: Int) {
        out.withUnsafeBufferPointer { p in
            var c = 0
            for i in 0..<n where p[i] == 0x0A { c += 1 }
            newlines += c
        }
    }

    private func decodeError(at offset: Int, out: [UInt8], produced: Int, what: String = "invalid byte sequence") -> Diagnostic {
        countNewlines(out, produced)
        // Read further as UTF-8 than as GB18030: a UTF-8 file with a line in another encoding, which is
        // where the error is.
        if let utf8Invalid, utf8Invalid.offset > offset {
            return Diagnostic("cannot decode \(display) as UTF-8 at byte \(utf8Invalid.offset): invalid byte sequence "
                              + "(the bytes before it are UTF-8: a line saved in another encoding, such as GB18030?)",
                              at: SourceLocation(file: display, line: utf8Invalid.line))
        }
        let name = encoding == .utf16LE || encoding == .utf16BE ? "UTF-16" : encoding.rawValue
        return Diagnostic("cannot decode \(display) as \(name) at byte \(offset): \(what)",
                          at: SourceLocation(file: display, line: newlines + 1))
    }
}
