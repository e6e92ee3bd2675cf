import Foundation
import CLibXML2
import TradeCore

/// An element or attribute name as libxml2 hands it over: UTF-8 bytes that stay valid only
/// during the callback. Handlers compare it with the names they know (`name == "Obs"`) and
/// make a `String` only of what they keep.
public struct XMLName {
    /// NUL-terminated UTF-8 (libxml2's interned name).
    public let pointer: UnsafePointer<UInt8>

    init(_ pointer: UnsafePointer<UInt8>) {
        self.pointer = pointer
    }

    init?(_ pointer: UnsafePointer<UInt8>?) {
        guard let pointer else { return nil }
        self.pointer = pointer
    }

    public var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: pointer, count: strlen(UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self)))
    }

    public var string: String { String(cString: pointer) }

    /// Byte comparison that stops at the first difference, so it never reads past the name's NUL.
    @inline(__always)
    private func equals(_ other: UnsafePointer<UInt8>, count: Int) -> Bool {
        for i in 0..<count where pointer[i] != other[i] { return false }
        return pointer[count] == 0
    }

    @inline(__always)
    public static func == (name: XMLName, literal: StaticString) -> Bool {
        name.equals(literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    /// Compares with a name known only at run time (an option's dimension id); `other` has no NUL.
    public static func == (name: XMLName, other: [UInt8]) -> Bool {
        other.withUnsafeBufferPointer { o in
            guard let base = o.baseAddress else { return name.pointer[0] == 0 }
            return name.equals(base, count: o.count)
        }
    }
}

/// One attribute of a start tag, borrowed for the duration of the `startElement` callback.
public struct XMLAttributeView {
    public let localName: XMLName
    public let prefix: XMLName?
    /// The value as libxml2 delivers it: `&amp;` arrives as `&#38;` (entities are never substituted).
    public let rawValue: UnsafeBufferPointer<UInt8>

    /// True when the raw value holds a character reference (`&#38;`), so it differs from the value.
    public var hasReference: Bool { rawValue.contains(UInt8(ascii: "&")) }

    /// The attribute value, decoded to a String.
    public var value: String {
        let text = String(decoding: rawValue, as: UTF8.self)
        // Without entity substitution (never XML_PARSE_NOENT) libxml2 hands `&amp;` in an attribute
        // over as `&#38;`; a bare `&` cannot occur otherwise, so this restores the value.
        return hasReference ? text.replacingOccurrences(of: "&#38;", with: "&") : text
    }

    /// Appends the value's UTF-8 bytes to `buffer` (no String unless the value holds a reference).
    public func appendValue(to buffer: inout [UInt8]) {
        if hasReference { buffer.append(contentsOf: value.utf8) } else { buffer.append(contentsOf: rawValue) }
    }
}

/// The attributes of a start tag (libxml2's SAX2 array: five pointers per attribute).
public struct XMLAttributeList: RandomAccessCollection {
    let base: UnsafePointer<UnsafePointer<xmlChar>?>?
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(i: Int) -> XMLAttributeView {
        let p = base! + 5 * i
        // localname, prefix, URI, value begin, value end
        let begin = p[3]!, end = p[4]!
        return XMLAttributeView(localName: XMLName(p[0]!), prefix: XMLName(p[1]),
                                rawValue: UnsafeBufferPointer(start: begin, count: end - begin))
    }

    /// The decoded value of the first attribute with this local name (any prefix).
    public func value(_ localName: StaticString) -> String? {
        first { $0.localName == localName }?.value
    }
}

/// A start tag, valid during the `startElement` callback.
public struct XMLStartElement {
    public let localName: XMLName
    public let prefix: XMLName?
    public let attributes: XMLAttributeList
    /// 1-based line of the tag's end (libxml2's current line when it reported the tag).
    public let line: Int
}

/// An end tag, valid during the `endElement` callback.
public struct XMLEndElement {
    public let localName: XMLName
    public let prefix: XMLName?
    /// 1-based line of the tag's end (libxml2's current line when it reported the tag).
    public let line: Int
}

/// Receives the events of an `XMLStreamParser`, as borrowed bytes: a handler makes Strings only
/// of what it keeps. A thrown error stops the parse and is rethrown by `parse`.
///
/// The handler runs on the thread that called `parse`, inside libxml2's callbacks (never on the
/// input thread), so it may use thread-confined resources (a database connection).
public protocol XMLStreamHandler: AnyObject {
    func startElement(_ element: XMLStartElement) throws
    func endElement(_ element: XMLEndElement) throws
    /// Character data of the current element, possibly in several pieces (not NUL-terminated).
    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws
}

extension XMLStreamHandler {
    public func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}

/// Streaming XML for untrusted input: libxml2's SAX2 push parser, fed chunk by chunk (from a file,
/// a ZIP entry, anything), with DTDs, entities and network access off.
///
/// `parse` runs the input (file reads, ZIP inflation and its checksum) on a worker thread that
/// sends the document's bytes in pieces, while the calling thread runs libxml2 and the handler: the
/// reading and inflating overlap the parse, and the handler sees exactly the events, lines and
/// errors of a serial parse. An input error arrives after every event of the bytes sent before it, and an
/// error the handler throws stops the input thread.
///
/// Any `<!DOCTYPE` is refused with a located error (SDMX-ML and OOXML never carry one),
/// so neither external entities (XXE) nor entity expansion (billion laughs) can happen;
/// libxml2's SAX entity handlers are also replaced so nothing is resolved even if it asked.
/// Element depth, attribute size and text size are bounded.
public final class XMLStreamParser {
    public struct Limits: Sendable {
        public var maxDepth: Int
        public var maxAttributeBytes: Int
        /// Character data between two tags.
        public var maxTextBytes: Int

        public init(maxDepth: Int = 128, maxAttributeBytes: Int = 1 << 20, maxTextBytes: Int = 8 << 20) {
            self.maxDepth = maxDepth
            self.maxAttributeBytes = maxAttributeBytes
            self.maxTextBytes = maxTextBytes
        }
    }

    /// An input failure whose location is where the parse stands when it arrives (`parse` adds the
    /// line: the input thread does not know it).
    public struct InputFailure: Error {
        public var message: String

        public init(_ message: String) { self.message = message }
    }

    /// libxml2 2.9 initializes its globals on first use without a lock; parsers run on several
    /// threads (and tests run several at once), so it is initialized once, here (Swift runs a static
    /// initializer exactly once, thread-safely).
    private static let libraryInitialized: Void = xmlInitParser()

    /// Size of the pieces streamed out of a ZIP entry (XLSX parts).
    public static let chunkSize = 256 * 1024

    /// Pieces waiting between the input thread and the parsing one.
    static let chunksInFlight = 4

    private let state: XMLStreamParserState
    private var context: xmlParserCtxtPtr?
    private var sax = xmlSAXHandler()
    private var finished = false

    /// A serial parser: `feed` and `finish` on the calling thread, events handed to `handler` inside
    /// libxml2's callbacks.
    public init(displayPath: String, handler: XMLStreamHandler, limits: Limits = Limits()) {
        state = XMLStreamParserState(displayPath: displayPath, handler: handler, limits: limits)
        sax.initialized = UInt32(XML_SAX2_MAGIC)
        sax.startElementNs = xmlStreamStartElement
        sax.endElementNs = xmlStreamEndElement
        sax.characters = xmlStreamCharacters
        sax.cdataBlock = xmlStreamCharacters
        sax.internalSubset = xmlStreamRefuseDoctype
        sax.externalSubset = xmlStreamIgnoreExternalSubset
        sax.entityDecl = xmlStreamRefuseEntityDecl
        sax.getEntity = xmlStreamNoEntity
        sax.getParameterEntity = xmlStreamNoEntity
        sax.resolveEntity = xmlStreamNoExternalInput
        sax.serror = xmlStreamStructuredError
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    /// Parses the document whose bytes `input` sends, piece by piece: `input` runs on a worker
    /// thread, libxml2 and `handler` on this one. Memory stays flat: a few pieces are in flight.
    ///
    /// Errors arrive in document order: the handler sees every event of the bytes sent before an
    /// input error, which `parse` then throws (an `InputFailure` as a `Diagnostic` at the line the
    /// parse reached); a malformed-XML, limit or handler error stops the input thread (its next
    /// `send` throws `TwoThreadStream.ConsumerStopped`, which `input` should let propagate) and is rethrown.
    public static func parse(displayPath: String, handler: XMLStreamHandler, limits: Limits = Limits(),
                             input: (_ send: (Data) throws -> Void) throws -> Void) throws {
        let parser = XMLStreamParser(displayPath: displayPath, handler: handler, limits: limits)
        do {
            try TwoThreadStream.run(capacity: chunksInFlight, produce: input, consume: { (chunk: Data) in try parser.feed(chunk) })
        } catch let failure as InputFailure {
            throw Diagnostic(failure.message, at: SourceLocation(file: displayPath, line: parser.currentLine))
        }
        try parser.finish()
    }

    /// Parses a whole file, read in `fileChunkSize` pieces on the input thread (see `parse(displayPath:handler:limits:input:)`).
    public static func parse(fileAt url: URL, displayPath: String, handler: XMLStreamHandler,
                             limits: Limits = Limits()) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw Diagnostic("cannot open file", at: SourceLocation(file: displayPath, line: 1))
        }
        defer { close(fd) }
        try parse(displayPath: displayPath, handler: handler, limits: limits) { send in
            try Self.send(fileDescriptor: fd, to: send)
        }
    }

    /// Sends everything `fd` reads, in `fileChunkSize` pieces.
    private static func send(fileDescriptor fd: Int32, to send: (Data) throws -> Void) throws {
        while true {
            var chunk = Data(count: fileChunkSize)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, fileChunkSize) }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputFailure("read error: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return }
            chunk.count = n
            try send(chunk)
        }
    }

    /// Size of the pieces `parse(fileAt:)` reads: large enough that libxml2's per-chunk work
    /// (buffer shifting, encoding checks) is noise, small enough to stay in cache.
    public static let fileChunkSize = 1 << 18

    /// Current line of the parser input (1 before anything was fed).
    public var currentLine: Int { state.line }

    /// Parses the next piece of the document.
    public func feed(_ data: Data) throws {
        try data.withUnsafeBytes { try feed($0) }
    }

    /// Parses the next piece of the document (the bytes are copied by libxml2 as needed).
    public func feed(_ raw: UnsafeRawBufferPointer) throws {
        precondition(!finished, "feed after finish")
        guard raw.count > 0 else { return }
        guard context == nil else { return try parse(raw) }
        if head.isEmpty && raw.count >= Self.headSize { return try start(raw) }
        head.append(contentsOf: raw)
        guard head.count >= Self.headSize else { return }
        let held = head
        head = []
        try held.withUnsafeBytes { try start($0) }
    }

    /// Bytes libxml2 needs to detect the encoding (a byte order mark, `<?xm`): a document's first
    /// pieces are held until there are this many.
    private static let headSize = 4
    private var head: [UInt8] = []

    /// Creates the push parser with the document's first bytes, then parses the rest of `raw`.
    private func start(_ raw: UnsafeRawBufferPointer) throws {
        Self.libraryInitialized
        let first = min(Self.headSize, raw.count)
        let userData = Unmanaged.passUnretained(state).toOpaque()
        guard let ctxt = xmlCreatePushParserCtxt(&sax, userData, raw.baseAddress?.assumingMemoryBound(to: CChar.self),
                                                 Int32(first), state.displayPath) else {
            throw Diagnostic("cannot create XML parser", at: SourceLocation(file: state.displayPath, line: 1))
        }
        context = ctxt
        state.context = ctxt
        // Never NOENT / DTDLOAD / DTDATTR / HUGE: entities stay unexpanded, no DTD is fetched.
        xmlCtxtUseOptions(ctxt, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue))
        try parse(UnsafeRawBufferPointer(rebasing: raw[first...]))
    }

    private func parse(_ raw: UnsafeRawBufferPointer) throws {
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        let bytes = base.assumingMemoryBound(to: CChar.self)
        var offset = 0
        while offset < raw.count {
            let n = min(raw.count - offset, Int(Int32.max / 2))
            let rc = xmlParseChunk(context, bytes + offset, Int32(n), 0)
            try check(rc)
            offset += n
        }
    }

    /// Signals the end of the document; throws a located error if the document is truncated.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        if context == nil, !head.isEmpty {
            let held = head
            head = []
            try held.withUnsafeBytes { try start($0) }
        }
        guard let context else {
            throw Diagnostic("empty XML document", at: SourceLocation(file: state.displayPath, line: 1))
        }
        let rc = xmlParseChunk(context, nil, 0, 1)
        if rc != 0, state.error == nil, state.depth > 0 {
            let detail = state.firstLibraryError.map { " (\($0.message))" } ?? ""
            throw Diagnostic("truncated XML: the document ends inside \(state.depth) open element(s)\(detail)",
                             at: state.firstLibraryError?.location ?? SourceLocation(file: state.displayPath, line: currentLine))
        }
        try check(rc)
    }

    /// Throws the parse's first error: the handler's or a limit's, else libxml2's.
    private func check(_ rc: Int32) throws {
        if let error = state.error { throw error }
        if rc != 0 || (context?.pointee.wellFormed ?? 1) == 0 {
            throw state.firstLibraryError ?? Diagnostic("malformed XML (libxml2 error \(rc))",
                                                        at: SourceLocation(file: state.displayPath, line: currentLine))
        }
    }
}

/// State shared with the C callbacks (passed as unretained user data; the parser owns it and
/// outlives every callback).
final class XMLStreamParserState {
    let displayPath: String
    let limits: XMLStreamParser.Limits
    let handler: XMLStreamHandler
    var context: xmlParserCtxtPtr?
    var depth = 0
    var textBytes = 0
    /// First error thrown by the handler or raised by a limit; stops the parse.
    private(set) var error: Error?
    /// `error != nil`, read on every event without copying the existential.
    private(set) var stopped = false
    /// First error libxml2 reported (well-formedness), located.
    var firstLibraryError: Diagnostic?

    init(displayPath: String, handler: XMLStreamHandler, limits: XMLStreamParser.Limits) {
        self.displayPath = displayPath
        self.handler = handler
        self.limits = limits
    }

    /// libxml2's current line (1 before the parser exists).
    var line: Int {
        guard let context else { return 1 }
        return Int(xmlSAX2GetLineNumber(context))
    }

    var column: Int? {
        guard let context else { return nil }
        let c = Int(xmlSAX2GetColumnNumber(context))
        return c > 0 ? c : nil
    }

    /// libxml2's current line, read as `xmlSAX2GetLineNumber` does but without a call per event.
    @inline(__always)
    private var eventLine: Int {
        guard let context, let input = context.pointee.input else { return 1 }
        return Int(input.pointee.line)
    }

    func fail(_ error: Error) {
        if self.error == nil { self.error = error }
        stopped = true
        if let context { xmlStopParser(context) }
    }

    func fail(_ message: String) {
        fail(Diagnostic(message, at: SourceLocation(file: displayPath, line: line, column: column)))
    }

    static func from(_ ctx: UnsafeMutableRawPointer?) -> XMLStreamParserState {
        Unmanaged<XMLStreamParserState>.fromOpaque(ctx!).takeUnretainedValue()
    }

    /// Runs `body` with the state borrowed from the callback's user data (no retain/release per event).
    @inline(__always)
    static func with<R>(_ ctx: UnsafeMutableRawPointer?, _ body: (XMLStreamParserState) -> R) -> R {
        Unmanaged<XMLStreamParserState>.fromOpaque(ctx!)._withUnsafeGuaranteedRef(body)
    }
}

extension XMLStreamParserState {
    func startElement(_ localName: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?, _ count: Int,
                      _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard !stopped else { return }
        depth += 1
        textBytes = 0
        if depth > limits.maxDepth {
            fail("element nesting deeper than \(limits.maxDepth) levels")
            return
        }
        if count > 0, let attributes {
            // Five pointers per attribute: localname, prefix, URI, value begin, value end.
            for i in 0..<count {
                guard let begin = attributes[5 * i + 3], let end = attributes[5 * i + 4] else {
                    fail("attribute without a value")
                    return
                }
                if end - begin > limits.maxAttributeBytes {
                    fail("attribute value longer than \(limits.maxAttributeBytes) bytes")
                    return
                }
            }
        }
        let element = XMLStartElement(localName: XMLName(localName), prefix: XMLName(prefix),
                                      attributes: XMLAttributeList(base: UnsafePointer(attributes), count: max(count, 0)),
                                      line: eventLine)
        do {
            try handler.startElement(element)
        } catch {
            fail(error)
        }
    }

    func endElement(_ localName: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?) {
        guard !stopped else { return }
        depth -= 1
        textBytes = 0
        do {
            try handler.endElement(XMLEndElement(localName: XMLName(localName), prefix: XMLName(prefix), line: eventLine))
        } catch {
            fail(error)
        }
    }

    func characters(_ bytes: UnsafePointer<UInt8>, _ length: Int) {
        guard !stopped, length > 0 else { return }
        textBytes += length
        if textBytes > limits.maxTextBytes {
            fail("text longer than \(limits.maxTextBytes) bytes")
            return
        }
        do {
            try handler.characters(UnsafeBufferPointer(start: bytes, count: length))
        } catch {
            fail(error)
        }
    }
}

private let xmlStreamStartElement: startElementNsSAX2Func = { ctx, localName, prefix, _, _, _, nbAttributes, _, attributes in
    guard let localName else { return }
    XMLStreamParserState.with(ctx) { $0.startElement(localName, prefix, Int(nbAttributes), attributes) }
}

private let xmlStreamEndElement: endElementNsSAX2Func = { ctx, localName, prefix, _ in
    guard let localName else { return }
    XMLStreamParserState.with(ctx) { $0.endElement(localName, prefix) }
}

private let xmlStreamCharacters: charactersSAXFunc = { ctx, bytes, length in
    guard let bytes else { return }
    XMLStreamParserState.with(ctx) { $0.characters(bytes, Int(length)) }
}

/// Message for any DOCTYPE: untrusted documents may not declare entities or DTDs.
private let doctypeRefusal = "DOCTYPE/entity declarations are not allowed in untrusted input"

private let xmlStreamRefuseDoctype: internalSubsetSAXFunc = { ctx, _, _, _ in
    XMLStreamParserState.from(ctx).fail(doctypeRefusal)
}

private let xmlStreamIgnoreExternalSubset: externalSubsetSAXFunc = { _, _, _, _ in }

private let xmlStreamRefuseEntityDecl: entityDeclSAXFunc = { ctx, _, _, _, _, _ in
    XMLStreamParserState.from(ctx).fail(doctypeRefusal)
}

private let xmlStreamNoEntity: getEntitySAXFunc = { _, _ in nil }

private let xmlStreamNoExternalInput: resolveEntitySAXFunc = { ctx, _, _ in
    XMLStreamParserState.from(ctx).fail("external entities are not allowed in untrusted input")
    return nil
}

private let xmlStreamStructuredError: xmlStructuredErrorFunc = { userData, error in
    guard let userData, let error else { return }
    let state = Unmanaged<XMLStreamParserState>.fromOpaque(userData).takeUnretainedValue()
    // Warnings (e.g. about a namespace URI) are not failures.
    guard error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue, state.firstLibraryError == nil else { return }
    var message = error.pointee.message.map { String(cString: $0) } ?? "malformed XML"
    message = message.trimmingCharacters(in: .whitespacesAndNewlines)
    let line = error.pointee.line > 0 ? Int(error.pointee.line) : state.line
    let column = error.pointee.int2 > 0 ? Int(error.pointee.int2) : nil
    state.firstLibraryError = Diagnostic("malformed XML: \(message)",
                                         at: SourceLocation(file: state.displayPath, line: line, column: column))
}
