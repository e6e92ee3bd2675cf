import Foundation
import CLibXML2
import TradeCore

/// A streaming XML 1.0 scanner for UTF-8 documents without a DTD, for the SDMX messages and XLSX
/// parts the readers take: it does less than libxml2 (no DTD, no other encodings, no namespace
/// URIs) in less than half the instructions, and it hands `XMLStreamParserState` the callbacks
/// libxml2's SAX2 interface would, so handlers, limits and tapes are shared.
///
/// What a handler sees is what libxml2 gives it (`XMLScannerTests` compares the two on real and on
/// mutated documents): `xmlns` declarations are not attributes; predefined entities and character
/// references are decoded (`&amp;` in an attribute arrives as `&#38;`, as from libxml2); attribute
/// whitespace becomes spaces; `\r\n` and a lone `\r` in text become `\n`; CDATA arrives as text.
///
/// Well-formedness is checked as strictly: matching tags, one root, names, attribute syntax and
/// duplicates, references, `]]>` and `--` where they may not be, UTF-8 and the XML character range.
/// Any `<!DOCTYPE` is refused. Tokens are bounded (`maxTokenBytes`), so input that never closes a
/// tag cannot grow memory.
///
/// A document that is not UTF-8 (a UTF-16 byte order mark, or a declaration naming another encoding)
/// makes `feed` throw `NotUTF8` before any event, with every byte still held: the caller hands
/// `heldBytes` to libxml2 instead.
final class XMLScanner {
    /// The document is not UTF-8: nothing was delivered, `heldBytes` is the whole input so far.
    struct NotUTF8: Error {}

    // One scan runs at a time and never re-enters itself (feed → callbacks → handler never calls
    // back into the scanner): the stored properties skip Swift's run-time exclusivity checks.
    private let state: XMLStreamParserState
    private let displayPath: String
    private let classes = xmlByteClass
    /// Largest tag, comment, processing instruction or CDATA section.
    let maxTokenBytes: Int

    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    /// Bytes held in `buffer`.
    @exclusivity(unchecked) private var count = 0
    /// First byte not yet consumed.
    @exclusivity(unchecked) private var position = 0
    /// Absolute offset of `buffer[0]` in the document.
    @exclusivity(unchecked) private var base = 0
    /// Line of `position`, and absolute offset of that line's first byte (for columns).
    @exclusivity(unchecked) private(set) var line: Int32 = 1
    @exclusivity(unchecked) private var lineStart = 0

    private enum Phase { case declaration, prolog, content, epilog }
    @exclusivity(unchecked) private var phase = Phase.declaration

    /// Open elements: names stored `prefix:local NUL [prefix NUL]` in `names`.
    private struct Open {
        var offset: Int
        var qnameLength: Int
        var localOffset: Int
        var prefixOffset: Int  // -1 when there is no prefix
    }
    @exclusivity(unchecked) private var open: UnsafeMutablePointer<Open>
    @exclusivity(unchecked) private var openCount = 0
    /// The state refuses depths beyond `maxDepth`, so no more are ever pushed.
    private let openCapacity: Int
    @exclusivity(unchecked) private var names: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var namesCapacity = 4096
    @exclusivity(unchecked) private var namesCount = 0

    /// The tag being read: its attributes' names (NUL-terminated) and decoded values in `scratch`,
    /// then libxml2's five pointers per attribute in `slots`.
    private struct Attribute {
        var qnameStart: Int   // in buffer
        var qnameLength: Int
        var colon: Int        // offset of ':' in the qname, -1 if none
        var value: Int        // in buffer, or in scratch when `decoded`
        var valueLength: Int
        var decoded: Bool
    }
    @exclusivity(unchecked) private var attributes: UnsafeMutablePointer<Attribute>
    @exclusivity(unchecked) private var attributeCount = 0
    @exclusivity(unchecked) private var attributeCapacity = 64
    @exclusivity(unchecked) private var scratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var scratchCapacity = 4096
    @exclusivity(unchecked) private var scratchCount = 0
    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<UnsafePointer<xmlChar>?>
    @exclusivity(unchecked) private var slotCapacity = 64
    /// The tag's attributes for a tape (`XMLStreamParserState.recordStart`).
    @exclusivity(unchecked) private var scanned: UnsafeMutablePointer<XMLEventTape.ScannedAttribute>
    @exclusivity(unchecked) private var scannedCapacity = 64

    init(state: XMLStreamParserState, displayPath: String, limits: XMLStreamParser.Limits) {
        self.state = state
        self.displayPath = displayPath
        maxTokenBytes = max(limits.maxTextBytes, 4 * limits.maxAttributeBytes)
        capacity = XMLStreamParser.chunkSize + 4096
        buffer = .allocate(capacity: capacity)
        names = .allocate(capacity: namesCapacity)
        scratch = .allocate(capacity: scratchCapacity)
        slots = .allocate(capacity: 5 * slotCapacity)
        openCapacity = limits.maxDepth + 2
        open = .allocate(capacity: openCapacity)
        attributes = .allocate(capacity: attributeCapacity)
        scanned = .allocate(capacity: scannedCapacity)
    }

    deinit {
        buffer.deallocate()
        names.deallocate()
        scratch.deallocate()
        slots.deallocate()
        open.deallocate()
        attributes.deallocate()
        scanned.deallocate()
    }

    /// Every byte fed so far, valid only before the first event (see `NotUTF8`).
    var heldBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: buffer, count: count) }

    // MARK: input

    /// Scans the next piece of the document; events go to the state as they complete.
    func feed(_ raw: UnsafeRawBufferPointer) throws {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        if position > 0 {
            count -= position
            if count > 0 { buffer.update(from: buffer + position, count: count) }
            base += position
            position = 0
        }
        if count + raw.count > capacity { grow(&buffer, count: count, capacity: &capacity, toAtLeast: count + raw.count) }
        (buffer + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: raw.count)
        count += raw.count
        try scan(final: false)
    }

    /// The end of the document: throws if it is truncated or has no root element.
    func finish() throws {
        try scan(final: true)
        if position < count {
            throw malformed("the document ends inside a tag, comment or CDATA section", at: position, truncated: true)
        }
        if openCount > 0 {
            throw Diagnostic("truncated XML: the document ends inside \(openCount) open element(s)",
                             at: location(at: count))
        }
        if phase == .declaration || phase == .prolog {
            throw Diagnostic(base + count == 0 ? "empty XML document" : "malformed XML: the document has no root element",
                             at: location(at: count))
        }
    }

    private func location(at index: Int) -> SourceLocation {
        SourceLocation(file: displayPath, line: Int(line), column: max(1, base + index - lineStart + 1))
    }

    private func malformed(_ message: String, at index: Int, truncated: Bool = false) -> Diagnostic {
        Diagnostic((truncated ? "truncated XML: " : "malformed XML: ") + message, at: location(at: index))
    }

    // MARK: the document

    private func scan(final: Bool) throws {
        if phase == .declaration {
            guard let next = try declaration(final: final) else { return }
            position = next
            phase = .prolog
        }
        while position < count {
            if state.stopped { return }
            if buffer[position] != UInt8(ascii: "<") {
                let next = try text(from: position, final: final)
                // Stopped before a reference, line end or character the buffer does not hold whole yet.
                if next == position { return }
                position = next
                continue
            }
            guard position + 1 < count else {
                if final { throw malformed("the document ends after '<'", at: position, truncated: true) }
                return
            }
            let next: Int?
            switch buffer[position + 1] {
            case UInt8(ascii: "/"): next = try endTag(at: position)
            case UInt8(ascii: "?"): next = try processingInstruction(at: position)
            case UInt8(ascii: "!"): next = try markupDeclaration(at: position, final: final)
            default: next = try startTag(at: position)
            }
            guard let next else {
                if count - position > maxTokenBytes {
                    throw malformed("a tag, comment or CDATA section longer than \(maxTokenBytes) bytes", at: position)
                }
                return
            }
            position = next
        }
    }

    /// The byte order mark and `<?xml …?>` declaration, if any: nil until enough is held to decide.
    private func declaration(final: Bool) throws -> Int? {
        // libxml2 detects an encoding from the first four bytes, so hand it no fewer.
        guard count >= 4 || final else { return nil }
        let head = Array(UnsafeBufferPointer(start: buffer, count: min(count, 5)))
        if head.starts(with: [0xFE, 0xFF]) || head.starts(with: [0xFF, 0xFE])
            || head.starts(with: [0, 0x3C]) || head.starts(with: [0x3C, 0]) {
            throw NotUTF8()
        }
        var start = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let declaration: [UInt8] = Array("<?xml".utf8)
        let available = min(count - start, 6)
        guard available >= 6 || final else { return nil }
        let opening = Array(UnsafeBufferPointer(start: buffer + start, count: available))
        guard opening.count == 6, opening.starts(with: declaration), Self.isWhitespace(opening[5]) else { return start }
        guard let close = find("?>", from: start + 6) else {
            if count > 4096 { throw malformed("unterminated XML declaration", at: start) }
            if final { throw malformed("the document ends inside the XML declaration", at: start, truncated: true) }
            return nil
        }
        let text = String(decoding: UnsafeBufferPointer(start: buffer + start + 5, count: close - start - 5), as: UTF8.self)
        guard let match = try Self.declarationPattern.wholeMatch(in: text) else {
            throw malformed("the XML declaration must be version, then encoding and standalone if any", at: start)
        }
        if let encoding = match.output.1 ?? match.output.2, !["utf-8", "utf8"].contains(encoding.lowercased()) { throw NotUTF8() }
        if text.contains("\n") { line += Int32(text.split(separator: "\n", omittingEmptySubsequences: false).count - 1) }
        return close + 2
    }

    /// ` version="1.x" [encoding="…"] [standalone="yes|no"]` (either quote), as XML 1.0 orders them (libxml2
    /// lets the space before `standalone` go missing after an encoding, and so does this).
    nonisolated(unsafe) private static let declarationPattern =
        #/[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.[0-9]*"|'1\.[0-9]*')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._\-]*)"|'([A-Za-z][A-Za-z0-9._\-]*)'))?(?:[ \t\r\n]*standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*/#

    private func find(_ literal: StaticString, from: Int) -> Int? {
        let n = literal.utf8CodeUnitCount
        let needle = literal.utf8Start
        var i = from
        while i + n <= count {
            if buffer[i] == needle[0] {
                var j = 1
                while j < n && buffer[i + j] == needle[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return nil
    }

    // MARK: text

    /// Character data up to the next `<`, delivered in pieces (raw runs straight from the buffer,
    /// decoded references and line ends from a small one); returns where it stopped, which is before
    /// a reference, line end or UTF-8 sequence that the buffer does not hold whole yet.
    private func text(from start: Int, final: Bool) throws -> Int {
        if phase != .content { return try whitespaceOutside(from: start) }
        let classes = self.classes
        let buffer = self.buffer, count = self.count
        var i = start
        var run = start
        func flush(_ upTo: Int) {
            if upTo > run { state.characters(buffer + run, upTo - run) }
        }
        while i < count {
            let c = buffer[i]
            if classes[Int(c)] & ByteClass.textSpecial == 0 {
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "<"):
                flush(i)
                return i
            case UInt8(ascii: "\n"):
                i += 1
                line += 1
                lineStart = base + i
            case UInt8(ascii: "\t"):
                i += 1
            case UInt8(ascii: "\r"):
                guard i + 1 < count || final else { flush(i); return i }
                flush(i)
                if i + 1 < count && buffer[i + 1] == UInt8(ascii: "\n") {
                    run = i + 1
                    i += 1
                } else {
                    // libxml2 delivers it as `\n` but does not count it as a line.
                    var newline = UInt8(ascii: "\n")
                    state.characters(&newline, 1)
                    i += 1
                    run = i
                }
            case UInt8(ascii: "&"):
                flush(i)
                guard let (next, scalar) = try reference(at: i, final: final) else { return i }
                // `reference` checked it is an XML character, so it is a scalar (a small String: no allocation).
                var character = String(Unicode.Scalar(scalar)!)
                character.withUTF8 { state.characters($0.baseAddress!, $0.count) }
                i = next
                run = i
            case UInt8(ascii: "]"):
                guard i + 2 < count || final else { flush(i); return i }
                if i + 2 < count && buffer[i + 1] == UInt8(ascii: "]") && buffer[i + 2] == UInt8(ascii: ">") {
                    throw malformed("']]>' is not allowed in text", at: i)
                }
                i += 1
            default:
                if c < 0x80 { throw malformed("character 0x\(String(c, radix: 16)) is not allowed in XML", at: i) }
                let n = try utf8Sequence(at: i, final: final)
                if n == 0 { flush(i); return i }
                i += n
            }
            if state.stopped { return i }
        }
        flush(i)
        return i
    }

    /// Whitespace before or after the root element (not reported, as in SAX); up to the next `<`.
    private func whitespaceOutside(from start: Int) throws -> Int {
        var i = start
        skipWhitespace(&i)
        if i < count && buffer[i] != UInt8(ascii: "<") { throw malformed("text outside the root element", at: i) }
        return i
    }

    /// `&…;` at `i`: the index after it and the character it stands for; nil if the buffer ends first.
    private func reference(at i: Int, final: Bool) throws -> (Int, UInt32)? {
        var j = i + 1
        let limit = min(count, i + 40)
        while j < limit && buffer[j] != UInt8(ascii: ";") { j += 1 }
        guard j < limit else {
            if j == count && !final && j - i < 40 { return nil }
            throw malformed("'&' must start a reference such as &amp;", at: i)
        }
        let body = UnsafeBufferPointer(start: buffer + i + 1, count: j - i - 1)
        var scalar: UInt32 = 0
        if body.first == UInt8(ascii: "#") {
            let hex = body.count > 1 && body[1] == UInt8(ascii: "x")
            let digits = body.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty else { throw malformed("empty character reference", at: i) }
            for d in digits {
                let v: UInt32
                switch d {
                case 48...57: v = UInt32(d - 48)
                case 97...102 where hex: v = UInt32(d - 87)
                case 65...70 where hex: v = UInt32(d - 55)
                default: throw malformed("bad character reference", at: i)
                }
                scalar = scalar * (hex ? 16 : 10) + v
                if scalar > 0x10FFFF { throw malformed("character reference beyond U+10FFFF", at: i) }
            }
            guard Self.isXMLChar(scalar) else {
                throw malformed("character reference to U+\(String(scalar, radix: 16, uppercase: true)), not allowed in XML", at: i)
            }
        } else {
            switch String(decoding: body, as: UTF8.self) {
            case "lt": scalar = 0x3C
            case "gt": scalar = 0x3E
            case "amp": scalar = 0x26
            case "apos": scalar = 0x27
            case "quot": scalar = 0x22
            case let name: throw malformed("entity '\(name)' is not defined", at: i)
            }
        }
        return (j + 1, scalar)
    }

    static func isXMLChar(_ c: UInt32) -> Bool {
        c == 0x9 || c == 0xA || c == 0xD || (0x20...0xD7FF).contains(c) || (0xE000...0xFFFD).contains(c)
            || (0x10000...0x10FFFF).contains(c)
    }

    /// Length of the UTF-8 sequence at `i` (a byte ≥ 0x80), 0 if the buffer ends inside it; throws
    /// for invalid UTF-8 or a character XML does not allow (U+FFFE, U+FFFF).
    private func utf8Sequence(at i: Int, final: Bool) throws -> Int {
        try utf8Scalar(at: i, final: final).length
    }

    /// The UTF-8 sequence at `i` (a byte ≥ 0x80): its length (0 if the buffer ends inside it) and scalar.
    private func utf8Scalar(at i: Int, final: Bool) throws -> (length: Int, scalar: UInt32) {
        let b0 = buffer[i]
        var need: Int
        var scalar: UInt32
        switch b0 {
        case 0xC2...0xDF: need = 2; scalar = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: need = 3; scalar = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: need = 4; scalar = UInt32(b0 & 0x07)
        default: throw malformed("the input is not proper UTF-8 (byte 0x\(String(b0, radix: 16, uppercase: true)))", at: i)
        }
        for k in 1..<need {
            guard i + k < count else {
                if final { throw malformed("the input is not proper UTF-8 (it ends inside a character)", at: i) }
                return (0, 0)
            }
            let b = buffer[i + k]
            guard b & 0xC0 == 0x80 else {
                throw malformed("the input is not proper UTF-8 (byte 0x\(String(b0, radix: 16, uppercase: true)))", at: i)
            }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        let valid = switch need {
        case 3: scalar >= 0x800 && !(0xD800...0xDFFF).contains(scalar) && scalar != 0xFFFE && scalar != 0xFFFF
        case 4: scalar >= 0x10000 && scalar <= 0x10FFFF
        default: true
        }
        guard valid else { throw malformed("the input is not proper UTF-8 or holds a character XML does not allow", at: i) }
        return (need, scalar)
    }

    // MARK: names

    @inline(__always)
    static func isWhitespace(_ c: UInt8) -> Bool {
        c <= 0x20 && (c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D)
    }

    /// Skips whitespace from `i`, counting lines.
    @inline(__always)
    private func skipWhitespace(_ i: inout Int) {
        while i < count {
            let c = buffer[i]
            guard Self.isWhitespace(c) else { return }
            i += 1
            if c == UInt8(ascii: "\n") {
                line += 1
                lineStart = base + i
            }
        }
    }

    /// XML 1.0 (fifth edition) NameStartChar beyond ASCII, as libxml2 applies it.
    static func isNameStart(_ c: UInt32) -> Bool {
        switch c {
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D,
             0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            true
        default: false
        }
    }

    /// XML 1.0 (fifth edition) NameChar beyond ASCII.
    static func isNameChar(_ c: UInt32) -> Bool {
        isNameStart(c) || c == 0xB7 || (0x300...0x36F).contains(c) || (0x203F...0x2040).contains(c)
    }

    /// The character at `i` in a name: its length, whether it may start a name (`:` included) and
    /// whether it may continue one; nil if the buffer ends inside it.
    @inline(__always)
    private func nameCharacter(at i: Int) throws -> (length: Int, start: Bool, part: Bool)? {
        let c = buffer[i]
        if c < 0x80 {
            let cls = classes[Int(c)]
            return (1, cls & ByteClass.nameStart != 0, cls & ByteClass.nameChar != 0)
        }
        let (n, scalar) = try utf8Scalar(at: i, final: false)
        if n == 0 { return nil }
        return (n, Self.isNameStart(scalar), Self.isNameChar(scalar))
    }

    /// The end of the XML name at `start` and, if it is a qualified name `prefix:local`, the offset of
    /// its colon (else -1: libxml2 then reports the whole name as the local name, with no prefix;
    /// `a:b:c` is prefix `a`, local `b:c`, and `a:b:1` is malformed, as libxml2 has it); nil if the
    /// buffer ends inside it.
    @inline(__always)
    private func qualifiedName(at start: Int, what: String) throws -> (end: Int, colon: Int)? {
        guard start < count, let (firstLength, isStart, _) = try nameCharacter(at: start) else { return nil }
        guard isStart else { throw malformed("\(what) expected", at: start) }
        var i = start + firstLength
        // A name that starts with ':' has no prefix.
        var colon = buffer[start] == UInt8(ascii: ":") ? -2 : -1
        var second = -1
        while i < count {
            let c = buffer[i]
            if c < 0x80 {
                guard classes[Int(c)] & ByteClass.nameChar != 0 else { break }
                if c == UInt8(ascii: ":") {
                    if colon == -1 { colon = i - start } else if colon >= 0 && second < 0 { second = i - start }
                }
                i += 1
                continue
            }
            guard let (n, _, isPart) = try nameCharacter(at: i) else { return nil }
            guard isPart else { break }
            i += n
        }
        guard i < count else { return nil }  // the name may go on in the next piece
        guard colon >= 0 else { return (i, -1) }
        // The local part must start like a name without a colon, or the whole name is the local name.
        let after = start + colon + 1
        guard after < i, buffer[after] != UInt8(ascii: ":"), let (_, localStarts, _) = try nameCharacter(at: after),
              localStarts else { return (i, -1) }
        if second >= 0, start + second + 1 < i {
            // libxml2 reads a name after a second colon; what cannot start one ends the tag badly.
            guard let (_, startsAgain, _) = try nameCharacter(at: start + second + 1), startsAgain else {
                throw malformed("'\(String(decoding: UnsafeBufferPointer(start: buffer + start, count: i - start), as: UTF8.self))' is not a qualified name", at: start)
            }
        }
        return (i, colon)
    }

    // MARK: tags

    @inline(__always)
    private func reserveNames(_ n: Int) {
        if namesCount + n > namesCapacity { grow(&names, count: namesCount, capacity: &namesCapacity, toAtLeast: namesCount + n) }
    }

    @inline(__always)
    private func reserveScratch(_ n: Int) {
        if scratchCount + n > scratchCapacity {
            grow(&scratch, count: scratchCount, capacity: &scratchCapacity, toAtLeast: scratchCount + n)
        }
    }

    /// Copies `prefix:local NUL [prefix NUL]` from the buffer to `target` (room reserved); returns
    /// the offsets of the local name and of the prefix (-1 if none) relative to `target`.
    @inline(__always)
    private func storeName(from start: Int, length: Int, colon: Int, to target: UnsafeMutablePointer<UInt8>) -> (Int, Int) {
        copyBytes(from: buffer + start, to: target, count: length)
        target[length] = 0
        guard colon >= 0 else { return (0, -1) }
        copyBytes(from: buffer + start, to: target + length + 1, count: colon)
        target[length + 1 + colon] = 0
        return (colon + 1, length + 1)
    }

    /// `<name attributes…>` or `<name …/>` at `start`: nil if the buffer ends first.
    private func startTag(at start: Int) throws -> Int? {
        if phase == .epilog { throw malformed("extra content after the root element", at: start) }
        let savedLine = line, savedLineStart = lineStart
        guard let (nameEnd, colon) = try qualifiedName(at: start + 1, what: "an element name") else { return nil }
        attributeCount = 0
        scratchCount = 0
        var i = nameEnd
        var empty = false
        while true {
            let before = i
            skipWhitespace(&i)
            guard i < count else { line = savedLine; lineStart = savedLineStart; return nil }
            let c = buffer[i]
            if c == UInt8(ascii: ">") { i += 1; break }
            if c == UInt8(ascii: "/") {
                guard i + 1 < count else { line = savedLine; lineStart = savedLineStart; return nil }
                guard buffer[i + 1] == UInt8(ascii: ">") else { throw malformed("'/' must be followed by '>' in a tag", at: i) }
                i += 2
                empty = true
                break
            }
            guard i > before else { throw malformed("attributes must be separated by whitespace", at: i) }
            guard let next = try attribute(at: i) else { line = savedLine; lineStart = savedLineStart; return nil }
            i = next
        }
        try emitStart(nameAt: start + 1, length: nameEnd - start - 1, colon: colon, empty: empty, tagStart: start)
        return i
    }

    /// One `name="value"` at `start`, appended to `attributes`: nil if the buffer ends first.
    private func attribute(at start: Int) throws -> Int? {
        guard let (nameEnd, colon) = try qualifiedName(at: start, what: "an attribute name") else { return nil }
        var i = nameEnd
        skipWhitespace(&i)
        guard i < count else { return nil }
        guard buffer[i] == UInt8(ascii: "=") else { throw malformed("'=' expected after an attribute name", at: i) }
        i += 1
        skipWhitespace(&i)
        guard i < count else { return nil }
        let quote = buffer[i]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw malformed("an attribute value must be quoted", at: i)
        }
        i += 1
        let valueStart = i
        // Fast path: bytes that stand for themselves.
        while i < count && classes[Int(buffer[i])] & ByteClass.valueSpecial == 0 { i += 1 }
        guard i < count else { return nil }
        var attribute = Attribute(qnameStart: start, qnameLength: nameEnd - start, colon: colon, value: valueStart,
                                  valueLength: i - valueStart, decoded: false)
        if buffer[i] != quote {
            // Slow path: decode into scratch (references, whitespace, UTF-8, the other quote).
            guard let end = try decodeValue(from: valueStart, quote: quote, into: &attribute) else { return nil }
            i = end
        }
        if attribute.valueLength > state.limits.maxAttributeBytes {
            throw Diagnostic("attribute value longer than \(state.limits.maxAttributeBytes) bytes", at: location(at: start))
        }
        if attributeCount > 0 { try checkDuplicate(attribute) }
        if attributeCount == attributeCapacity {
            grow(&attributes, count: attributeCount, capacity: &attributeCapacity, toAtLeast: attributeCount + 1)
        }
        attributes[attributeCount] = attribute
        attributeCount += 1
        return i + 1
    }

    /// Decodes an attribute value into `scratch`; returns the index of the closing quote.
    private func decodeValue(from valueStart: Int, quote: UInt8, into attribute: inout Attribute) throws -> Int? {
        let savedScratch = scratchCount
        attribute.decoded = true
        attribute.value = scratchCount
        var i = valueStart
        while i < count {
            let c = buffer[i]
            reserveScratch(4)
            switch c {
            case quote:
                attribute.valueLength = scratchCount - attribute.value
                return i
            case UInt8(ascii: "<"):
                throw malformed("'<' is not allowed in an attribute value", at: i)
            case UInt8(ascii: "&"):
                guard let (next, scalar) = try reference(at: i, final: false) else { scratchCount = savedScratch; return nil }
                if scalar == 0x26 {
                    // libxml2 without entity substitution hands `&` over as `&#38;` (see XMLAttributeView.value).
                    reserveScratch(5)
                    for b in "&#38;".utf8 { scratch[scratchCount] = b; scratchCount += 1 }
                } else {
                    for b in Unicode.Scalar(scalar)!.utf8 { scratch[scratchCount] = b; scratchCount += 1 }
                }
                i = next
            case UInt8(ascii: "\r"):
                guard i + 1 < count else { scratchCount = savedScratch; return nil }
                if buffer[i + 1] == UInt8(ascii: "\n") { i += 1; line += 1; lineStart = base + i + 1 }
                scratch[scratchCount] = 0x20; scratchCount += 1
                i += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\t"):
                if c == UInt8(ascii: "\n") { line += 1; lineStart = base + i + 1 }
                scratch[scratchCount] = 0x20; scratchCount += 1
                i += 1
            default:
                if c < 0x20 { throw malformed("character 0x\(String(c, radix: 16)) is not allowed in XML", at: i) }
                var n = 1
                if c >= 0x80 {
                    n = try utf8Sequence(at: i, final: false)
                    if n == 0 { scratchCount = savedScratch; return nil }
                }
                copyBytes(from: buffer + i, to: scratch + scratchCount, count: n)
                scratchCount += n
                i += n
            }
            if scratchCount - attribute.value > state.limits.maxAttributeBytes {
                throw Diagnostic("attribute value longer than \(state.limits.maxAttributeBytes) bytes", at: location(at: valueStart))
            }
        }
        scratchCount = savedScratch
        return nil
    }

    private func checkDuplicate(_ attribute: Attribute) throws {
        let name = UnsafeRawBufferPointer(start: buffer + attribute.qnameStart, count: attribute.qnameLength)
        for other in UnsafeBufferPointer(start: attributes, count: attributeCount) where other.qnameLength == attribute.qnameLength {
            if memcmp(buffer + other.qnameStart, name.baseAddress!, attribute.qnameLength) == 0 {
                throw malformed("attribute '\(String(decoding: name, as: UTF8.self))' appears twice", at: attribute.qnameStart)
            }
        }
    }

    /// Pushes the element, builds the attribute array and calls the state (then ends an empty element).
    private func emitStart(nameAt start: Int, length: Int, colon: Int, empty: Bool, tagStart: Int) throws {
        if phase == .prolog || phase == .declaration { phase = .content }
        // The open element's name.
        reserveNames(2 * length + 2)
        let offset = namesCount
        let (local, prefix) = storeName(from: start, length: length, colon: colon, to: names + offset)
        namesCount += colon >= 0 ? length + colon + 2 : length + 1
        guard openCount < openCapacity else {
            throw Diagnostic("element nesting deeper than \(openCapacity - 2) levels", at: location(at: tagStart))
        }
        open[openCount] = Open(offset: offset, qnameLength: length, localOffset: local, prefixOffset: prefix)
        openCount += 1
        let attributes = UnsafeBufferPointer(start: self.attributes, count: attributeCount)
        if state.recordsTapes {
            // Straight onto the tape: names as they are in the buffer, no pointer array.
            if attributes.count > scannedCapacity {
                scanned.deallocate()
                scannedCapacity = max(attributes.count, 2 * scannedCapacity)
                scanned = .allocate(capacity: scannedCapacity)
            }
            var k = 0
            for a in attributes {
                if isNamespaceDeclaration(a) { continue }
                scanned[k] = XMLEventTape.ScannedAttribute(
                    name: XMLEventTape.QualifiedName(bytes: buffer + a.qnameStart, length: a.qnameLength, colon: a.colon),
                    value: a.decoded ? UnsafePointer(scratch + a.value) : UnsafePointer(buffer + a.value),
                    valueLength: a.valueLength)
                k += 1
            }
            state.recordStart(XMLEventTape.QualifiedName(bytes: names + offset, length: length, colon: colon),
                              attributes: UnsafeBufferPointer(start: scanned, count: k))
            if empty, !state.stopped { endElement() }
            return
        }
        // Attributes (namespace declarations are not attributes in SAX2). Room for every name is
        // reserved first, so the pointers into `scratch` stay valid.
        var room = 0
        for a in attributes { room += 2 * a.qnameLength + 2 }
        reserveScratch(room)
        if attributes.count > slotCapacity {
            slots.deallocate()
            slotCapacity = max(attributes.count, 2 * slotCapacity)
            slots = .allocate(capacity: 5 * slotCapacity)
        }
        var reported = 0
        for a in attributes {
            if isNamespaceDeclaration(a) { continue }
            let at = scratchCount
            let (local, prefix) = storeName(from: a.qnameStart, length: a.qnameLength, colon: a.colon, to: scratch + at)
            scratchCount += a.colon >= 0 ? a.qnameLength + a.colon + 2 : a.qnameLength + 1
            let slot = slots + 5 * reported
            slot[0] = UnsafePointer(scratch + at + local)
            slot[1] = prefix < 0 ? nil : UnsafePointer(scratch + at + prefix)
            slot[2] = nil
            let value = a.decoded ? UnsafePointer(scratch + a.value) : UnsafePointer(buffer + a.value)
            slot[3] = value
            slot[4] = value + a.valueLength
            reported += 1
        }
        let entry = open[openCount - 1]
        let localName = UnsafePointer(names + entry.offset + entry.localOffset)
        let prefixName = entry.prefixOffset < 0 ? nil : UnsafePointer(names + entry.offset + entry.prefixOffset)
        state.startElement(localName, prefixName, reported, reported > 0 ? slots : nil)
        if empty, !state.stopped { endElement() }
    }

    /// `xmlns` or `xmlns:prefix`, which SAX2 reports as a namespace, not as an attribute.
    @inline(__always)
    private func isNamespaceDeclaration(_ a: Attribute) -> Bool {
        guard a.colon < 0 && a.qnameLength == 5 || a.colon == 5 else { return false }
        let p = buffer + a.qnameStart
        return p[0] == UInt8(ascii: "x") && p[1] == UInt8(ascii: "m") && p[2] == UInt8(ascii: "l") && p[3] == UInt8(ascii: "n")
            && p[4] == UInt8(ascii: "s")
    }

    /// Pops the innermost element and reports its end.
    private func endElement() {
        openCount -= 1
        let entry = open[openCount]
        if state.recordsTapes {
            state.recordEnd(XMLEventTape.QualifiedName(bytes: names + entry.offset, length: entry.qnameLength,
                                                       colon: entry.prefixOffset < 0 ? -1 : entry.localOffset - 1))
            namesCount = entry.offset
            if openCount == 0 { phase = .epilog }
            return
        }
        let localName = UnsafePointer(names + entry.offset + entry.localOffset)
        let prefixName = entry.prefixOffset < 0 ? nil : UnsafePointer(names + entry.offset + entry.prefixOffset)
        state.endElement(localName, prefixName)
        namesCount = entry.offset
        if openCount == 0 { phase = .epilog }
    }

    /// `</name>` at `start`: nil if the buffer ends first.
    private func endTag(at start: Int) throws -> Int? {
        let savedLine = line, savedLineStart = lineStart
        guard let (nameEnd, _) = try qualifiedName(at: start + 2, what: "an element name") else { return nil }
        var i = nameEnd
        skipWhitespace(&i)
        guard i < count else { line = savedLine; lineStart = savedLineStart; return nil }
        guard buffer[i] == UInt8(ascii: ">") else { throw malformed("'>' expected at the end of an end tag", at: i) }
        let length = nameEnd - start - 2
        guard openCount > 0 else { throw malformed("end tag without a start tag", at: start) }
        let top = open[openCount - 1]
        guard top.qnameLength == length, memcmp(names + top.offset, buffer + start + 2, length) == 0 else {
            let expected = String(decoding: UnsafeBufferPointer(start: names + top.offset, count: top.qnameLength), as: UTF8.self)
            let found = String(decoding: UnsafeBufferPointer(start: buffer + start + 2, count: length), as: UTF8.self)
            throw malformed("end tag </\(found)> does not match <\(expected)>", at: start)
        }
        endElement()
        return i + 1
    }

    /// Checks the characters of a comment, processing instruction or CDATA body, counting lines.
    private func checkCharacters(from start: Int, to end: Int) throws {
        var i = start
        while i < end {
            let c = buffer[i]
            if c < 0x20 {
                if c == UInt8(ascii: "\n") { line += 1; lineStart = base + i + 1 }
                else if c != UInt8(ascii: "\t") && c != UInt8(ascii: "\r") {
                    throw malformed("character 0x\(String(c, radix: 16)) is not allowed in XML", at: i)
                }
            } else if c >= 0x80 {
                i += max(try utf8Sequence(at: i, final: true), 1)
                continue
            }
            i += 1
        }
    }

    /// `<?target …?>` at `start` (skipped): nil if the buffer ends first.
    private func processingInstruction(at start: Int) throws -> Int? {
        guard let (nameEnd, _) = try qualifiedName(at: start + 2, what: "a processing instruction target") else { return nil }
        let target = String(decoding: UnsafeBufferPointer(start: buffer + start + 2, count: nameEnd - start - 2), as: UTF8.self)
        if target.lowercased() == "xml" { throw malformed("an XML declaration is allowed only at the start of the document", at: start) }
        guard let close = find("?>", from: nameEnd) else { return nil }
        if close > nameEnd && !Self.isWhitespace(buffer[nameEnd]) {
            throw malformed("whitespace expected after a processing instruction target", at: nameEnd)
        }
        try checkCharacters(from: nameEnd, to: close)
        return close + 2
    }

    /// `<!--…-->`, `<![CDATA[…]]>` or a refused `<!DOCTYPE` at `start`: nil if the buffer ends first.
    private func markupDeclaration(at start: Int, final: Bool) throws -> Int? {
        func has(_ literal: StaticString) -> Bool? {
            let n = literal.utf8CodeUnitCount
            for k in 0..<n {
                guard start + k < count else { return final ? false : nil }
                if buffer[start + k] != literal.utf8Start[k] { return false }
            }
            return true
        }
        guard let comment = has("<!--") else { return nil }
        if comment {
            guard let close = find("--", from: start + 4) else { return nil }
            guard close + 2 < count else { return nil }
            guard buffer[close + 2] == UInt8(ascii: ">") else { throw malformed("'--' is not allowed inside a comment", at: close) }
            try checkCharacters(from: start + 4, to: close)
            return close + 3
        }
        guard let cdata = has("<![CDATA[") else { return nil }
        if cdata {
            guard phase == .content else { throw malformed("CDATA outside the root element", at: start) }
            guard let close = find("]]>", from: start + 9) else { return nil }
            try checkCharacters(from: start + 9, to: close)
            // As from libxml2: the section's bytes as they are (a `\r\n` stays).
            let run = start + 9
            if close > run { state.characters(buffer + run, close - run) }
            return close + 3
        }
        guard let doctype = has("<!DOCTYPE") else { return nil }
        if doctype {
            throw Diagnostic("DOCTYPE/entity declarations are not allowed in untrusted input", at: location(at: start))
        }
        throw malformed("'<!' must start a comment or CDATA section", at: start)
    }
}

/// Byte classes for the scanner's loops.
enum ByteClass {
    static let nameStart: UInt8 = 1
    static let nameChar: UInt8 = 2
    /// Ends a run of plain text: `<`, `&`, `]`, whitespace but space… every byte below 0x20, 0x80 and above.
    static let textSpecial: UInt8 = 4
    /// Ends a run of a plain attribute value: quotes, `<`, `&`, every byte below 0x20, 0x80 and above.
    static let valueSpecial: UInt8 = 8
    static let whitespace: UInt8 = 16
}

/// 256 entries, allocated once and never freed (a pointer, so loops index it without bounds checks).
nonisolated(unsafe) let xmlByteClass: UnsafePointer<UInt8> = {
    let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
    for b in 0..<256 { table[b] = byteClass(b) }
    return UnsafePointer(table)
}()

private func byteClass(_ b: Int) -> UInt8 {
    var c: UInt8 = 0
    let isLetter = (65...90).contains(b) || (97...122).contains(b)
    if isLetter || b == 95 || b == 58 || b >= 0x80 { c |= ByteClass.nameStart | ByteClass.nameChar }
    if (48...57).contains(b) || b == 45 || b == 46 { c |= ByteClass.nameChar }
    if b < 0x20 || b >= 0x80 || b == 60 || b == 38 || b == 93 { c |= ByteClass.textSpecial }
    if b < 0x20 || b >= 0x80 || b == 60 || b == 38 || b == 34 || b == 39 { c |= ByteClass.valueSpecial }
    if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { c |= ByteClass.whitespace }
    return c
}
