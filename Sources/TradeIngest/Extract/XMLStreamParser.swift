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
/// The handler runs on the thread that called `parse`, never on the parsing thread, so it may use
/// thread-confined resources (a database connection).
public protocol XMLStreamHandler: AnyObject {
    func startElement(_ element: XMLStartElement) throws
    func endElement(_ element: XMLEndElement) throws
    /// Character data of the current element, possibly in several pieces (not NUL-terminated).
    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws
}

extension XMLStreamHandler {
    public func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}

/// Streaming XML for untrusted input, fed chunk by chunk (from a file, a ZIP entry, anything), with
/// DTDs, entities and network access off. Two tokenizers give the same SAX2 events (`Engine`):
/// libxml2's push parser, the reference, and `XMLScanner`, which the SDMX and XLSX readers use
/// because it does the same work in less than half the instructions (it hands a document that is
/// not UTF-8 to libxml2 before any event).
///
/// `parse` runs the input (file reads, ZIP inflation) and the tokenizer on a worker thread that records
/// the events on `XMLEventTape`s, while the calling thread replays them into the handler: the two
/// halves of the work use two cores. The handler sees exactly the events, lines and errors of a
/// serial parse: a malformed-XML or limit error arrives after every event before it, and an error the
/// handler throws stops the parsing thread.
///
/// Any `<!DOCTYPE` is refused with a located error (SDMX-ML and OOXML never carry one),
/// so neither external entities (XXE) nor entity expansion (billion laughs) can happen;
/// libxml2's SAX entity handlers are also replaced so nothing is resolved even if it asked, and the
/// scanner knows only the five predefined entities.
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

    /// libxml2 2.9 initializes its globals on first use without a lock; parsers now run on worker
    /// threads (and tests run several at once), so it is initialized once, here (Swift runs a static
    /// initializer exactly once, thread-safely).
    private static let libraryInitialized: Void = xmlInitParser()

    /// Size of the pieces streamed out of a ZIP entry (XLSX parts).
    public static let chunkSize = 256 * 1024

    /// Tapes waiting between the parsing thread and the handler's (each up to `XMLEventTape.byteLimit`).
    static let tapesInFlight = 4

    /// Which tokenizer reads the document.
    public enum Engine: Sendable {
        /// libxml2's SAX2 push parser: every encoding, the reference.
        case libxml2
        /// `XMLScanner`, which the SDMX and XLSX readers use: the same events in less than half the
        /// instructions; a document in another encoding is handed to libxml2 before any event.
        case scanner
    }

    private let state: XMLStreamParserState
    private var context: xmlParserCtxtPtr?
    private var scanner: XMLScanner?
    private var sax = xmlSAXHandler()
    private var finished = false

    /// A parser whose events go to `output`: straight to a handler (serial, on this thread), or
    /// onto tapes shipped to `sink`.
    private init(displayPath: String, output: XMLStreamParserState.Output, limits: Limits, engine: Engine) {
        state = XMLStreamParserState(displayPath: displayPath, output: output, limits: limits)
        if engine == .scanner {
            let scanner = XMLScanner(state: state, displayPath: displayPath, limits: limits)
            self.scanner = scanner
            state.scanner = scanner
        }
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

    /// A serial parser: the tokenizer and the handler on the calling thread, events handed over
    /// inside its callbacks. The reference `parse` is tested against; readers use `parse`.
    convenience init(displayPath: String, handler: XMLStreamHandler, limits: Limits = Limits(), engine: Engine = .libxml2) {
        self.init(displayPath: displayPath, output: .handler(handler), limits: limits, engine: engine)
    }

    deinit {
        if let context { xmlFreeParserCtxt(context) }
    }

    /// Parses the document whose bytes `input` feeds (`parser.feed(_:)`, piece by piece): `input`
    /// and libxml2 run on a worker thread, `handler` on this one. Memory stays flat: a few tapes
    /// are in flight, and they are reused.
    ///
    /// Errors arrive in document order: the handler sees every event before a malformed-XML,
    /// limit or input error, which `parse` then throws; an error the handler throws stops the
    /// parsing thread (its next `feed` throws `Pipelined.PipelineCancelled`, which `input` should
    /// let propagate) and is rethrown.
    public static func parse(displayPath: String, handler: XMLStreamHandler, limits: Limits = Limits(),
                             engine: Engine = .libxml2, input: (_ parser: XMLStreamParser) throws -> Void) throws {
        let pool = XMLEventTape.Pool(limit: tapesInFlight + 2)
        let player = XMLEventPlayer(handler: handler)
        try Pipelined.run(capacity: tapesInFlight, produce: { (send: (XMLEventTape) throws -> Void) in
            // The parser (which keeps `send`) does not outlive this closure.
            try withoutActuallyEscaping(send) { send in
                let parser = XMLStreamParser(displayPath: displayPath, output: .tapes(pool: pool, sink: send), limits: limits,
                                             engine: engine)
                do {
                    try input(parser)
                } catch {
                    // The events recorded before the input failed come first. Shipping them fails only
                    // when the handler's side already stopped (PipelineCancelled): its own error is
                    // then what `run` reports, so `error` is rethrown either way.
                    do { try parser.state.ship() } catch {}
                    throw error
                }
                try parser.finish()
            }
        }, consume: { (tape: XMLEventTape) in
            defer { pool.recycle(tape) }
            try player.play(tape)
        })
    }

    /// Parses a whole file, read in `fileChunkSize` pieces into one reused buffer (see `parse(displayPath:handler:limits:input:)`).
    public static func parse(fileAt url: URL, displayPath: String, handler: XMLStreamHandler,
                             limits: Limits = Limits(), engine: Engine = .libxml2) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else {
            throw Diagnostic("cannot open file", at: SourceLocation(file: displayPath, line: 1))
        }
        defer { close(fd) }
        try parse(displayPath: displayPath, handler: handler, limits: limits, engine: engine) { parser in
            try parser.feed(fileDescriptor: fd)
        }
    }

    /// Feeds everything `fd` reads, in `fileChunkSize` pieces.
    func feed(fileDescriptor fd: Int32) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.fileChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, Self.fileChunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw Diagnostic("read error: \(String(cString: strerror(errno)))",
                                 at: SourceLocation(file: state.displayPath, line: currentLine))
            }
            if n == 0 { break }
            try feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Size of the pieces `parse(fileAt:)` reads: large enough that libxml2's per-chunk work
    /// (buffer shifting, encoding checks) is noise, small enough to stay in cache.
    public static let fileChunkSize = 1 << 18

    /// Current line of the parser input (1 before anything was fed).
    public var currentLine: Int {
        if let scanner { return Int(scanner.line) }
        guard let context else { return 1 }
        return Int(xmlSAX2GetLineNumber(context))
    }

    /// Parses the next piece of the document.
    public func feed(_ data: Data) throws {
        try data.withUnsafeBytes { try feed($0) }
    }

    /// Parses the next piece of the document (the bytes are copied by libxml2 as needed).
    public func feed(_ raw: UnsafeRawBufferPointer) throws {
        precondition(!finished, "feed after finish")
        guard raw.count > 0 else { return }
        if let scanner {
            do {
                try scanner.feed(raw)
            } catch is XMLScanner.NotUTF8 {
                try handOverToLibxml2()
                return
            } catch {
                try stop(error)
            }
            try check(0)
            return
        }
        try feedLibxml2(raw)
    }

    /// The scanner found a document that is not UTF-8 before any event: libxml2 reads it from the start.
    private func handOverToLibxml2() throws {
        guard let scanner else { return }
        let held = Data(scanner.heldBytes)
        self.scanner = nil
        state.scanner = nil
        try held.withUnsafeBytes { try feedLibxml2($0) }
    }

    /// Throws the scanner's error, or the handler's or a limit's if one stopped the scan first, after
    /// shipping the events recorded before it.
    private func stop(_ error: Error) throws -> Never {
        let failure = state.error ?? error
        if !(failure is Pipelined.PipelineCancelled) { try state.ship() }
        throw failure
    }

    private func feedLibxml2(_ raw: UnsafeRawBufferPointer) throws {
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        let bytes = base.assumingMemoryBound(to: CChar.self)
        var offset = 0
        if context == nil {
            Self.libraryInitialized
            // The first bytes let libxml2 detect the encoding.
            let head = min(4, raw.count)
            let userData = Unmanaged.passUnretained(state).toOpaque()
            guard let ctxt = xmlCreatePushParserCtxt(&sax, userData, bytes, Int32(head), state.displayPath) else {
                throw Diagnostic("cannot create XML parser", at: SourceLocation(file: state.displayPath, line: 1))
            }
            context = ctxt
            state.context = ctxt
            // Never NOENT / DTDLOAD / DTDATTR / HUGE: entities stay unexpanded, no DTD is fetched.
            xmlCtxtUseOptions(ctxt, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue))
            offset = head
        }
        while offset < raw.count {
            let n = min(raw.count - offset, Int(Int32.max / 2))
            let rc = xmlParseChunk(context, bytes + offset, Int32(n), 0)
            try check(rc)
            offset += n
        }
    }

    /// Signals the end of the document and hands over the last events; throws a located error if
    /// the document is truncated.
    func finish() throws {
        guard !finished else { return }
        finished = true
        if let scanner {
            do {
                try scanner.finish()
            } catch is XMLScanner.NotUTF8 {
                try handOverToLibxml2()
            } catch {
                try stop(error)
            }
            if self.scanner != nil {
                try check(0)
                try state.ship()
                return
            }
        }
        guard let context else {
            throw Diagnostic("empty XML document", at: SourceLocation(file: state.displayPath, line: 1))
        }
        let rc = xmlParseChunk(context, nil, 0, 1)
        if rc != 0, state.error == nil, state.depth > 0 {
            let detail = state.firstLibraryError.map { " (\($0.message))" } ?? ""
            try state.ship()
            throw Diagnostic("truncated XML: the document ends inside \(state.depth) open element(s)\(detail)",
                             at: state.firstLibraryError?.location ?? SourceLocation(file: state.displayPath, line: currentLine))
        }
        try check(rc)
        try state.ship()
    }

    /// Throws the parse's first error, after shipping the events recorded before it.
    private func check(_ rc: Int32) throws {
        var failure = state.error
        if failure == nil, rc != 0 || (context?.pointee.wellFormed ?? 1) == 0 {
            failure = state.firstLibraryError ?? Diagnostic("malformed XML (libxml2 error \(rc))",
                                                            at: SourceLocation(file: state.displayPath, line: currentLine))
        }
        guard let failure else { return }
        if !(failure is Pipelined.PipelineCancelled) { try state.ship() }
        throw failure
    }
}

/// State shared with the C callbacks (passed as unretained user data; the parser owns it).
final class XMLStreamParserState {
    /// Where events go.
    enum Output {
        /// Straight to the handler, inside the callbacks (serial).
        case handler(XMLStreamHandler)
        /// Recorded on tapes taken from `pool`; a full tape goes to `sink` (which may block, or throw
        /// when the handler's side stopped).
        case tapes(pool: XMLEventTape.Pool, sink: (XMLEventTape) throws -> Void)
    }

    let displayPath: String
    let limits: XMLStreamParser.Limits
    /// The serial parser's handler; nil when recording.
    private let handler: XMLStreamHandler?
    private let pool: XMLEventTape.Pool?
    private let sink: ((XMLEventTape) throws -> Void)?
    /// The tape being recorded (nil for a serial parser), owned (+1) by this state: unmanaged so the
    /// callbacks use it without a retain and release per event.
    @exclusivity(unchecked) private var tape: Unmanaged<XMLEventTape>?
    var context: xmlParserCtxtPtr?
    /// The scanner reading the document when it is not libxml2 (owned by the parser, which outlives
    /// every callback), for the line of events and errors.
    unowned(unsafe) var scanner: XMLScanner?
    // Updated on every event of one parse (libxml2 never re-enters a callback): no run-time exclusivity checks.
    @exclusivity(unchecked) var depth = 0
    @exclusivity(unchecked) var textBytes = 0
    /// First error thrown by the handler (or the sink) or raised by a limit; stops the parse.
    @exclusivity(unchecked) private(set) var error: Error?
    /// `error != nil`, read on every event without copying the existential (a retain and release).
    @exclusivity(unchecked) private(set) var stopped = false
    /// First error libxml2 reported (well-formedness), located.
    var firstLibraryError: Diagnostic?

    init(displayPath: String, output: Output, limits: XMLStreamParser.Limits) {
        self.displayPath = displayPath
        self.limits = limits
        switch output {
        case .handler(let handler):
            self.handler = handler
            pool = nil
            sink = nil
        case .tapes(let pool, let sink):
            handler = nil
            self.pool = pool
            self.sink = sink
            tape = Unmanaged.passRetained(pool.take())
        }
    }

    deinit {
        tape?.release()
    }

    var line: Int {
        if let scanner { return Int(scanner.line) }
        guard let context else { return 1 }
        return Int(xmlSAX2GetLineNumber(context))
    }

    /// libxml2's current line, read as `xmlSAX2GetLineNumber` does.
    @inline(__always)
    private var eventLine: Int32 {
        if let scanner { return scanner.line }
        guard let context, let input = context.pointee.input else { return 0 }
        return input.pointee.line
    }

    var column: Int? {
        guard let context else { return nil }
        let c = Int(xmlSAX2GetColumnNumber(context))
        return c > 0 ? c : nil
    }

    func fail(_ error: Error) {
        if self.error == nil { self.error = error }
        stopped = true
        if let context { xmlStopParser(context) }
    }

    func fail(_ message: String) {
        fail(Diagnostic(message, at: SourceLocation(file: displayPath, line: line, column: column)))
    }

    /// Hands the recorded events over (no-op for a serial parser or an empty tape).
    func ship() throws {
        guard let current = tape, !current._withUnsafeGuaranteedRef({ $0.isEmpty }), let sink, let pool else { return }
        tape = Unmanaged.passRetained(pool.take())
        try sink(current.takeRetainedValue())
    }

    /// Ships a full tape from inside a callback; a refused hand-over (the handler failed) stops the parse.
    @inline(__always)
    private func shipIfFull(_ full: Bool) {
        guard full else { return }
        do { try ship() } catch { fail(error) }
    }

    static func from(_ ctx: UnsafeMutableRawPointer?) -> XMLStreamParserState {
        Unmanaged<XMLStreamParserState>.fromOpaque(ctx!).takeUnretainedValue()
    }

    /// Runs `body` with the state borrowed from the callback's user data (the parser owns it for the
    /// whole parse, so no retain/release per event).
    @inline(__always)
    static func with<R>(_ ctx: UnsafeMutableRawPointer?, _ body: (XMLStreamParserState) -> R) -> R {
        Unmanaged<XMLStreamParserState>.fromOpaque(ctx!)._withUnsafeGuaranteedRef(body)
    }
}

extension XMLStreamParserState {
    /// Counts an element in; false when the parse has stopped or the element is one too deep.
    @inline(__always)
    private func enterElement() -> Bool {
        guard !stopped else { return false }
        depth += 1
        textBytes = 0
        if depth > limits.maxDepth {
            fail("element nesting deeper than \(limits.maxDepth) levels")
            return false
        }
        return true
    }

    /// Counts an element out; false when the parse has stopped.
    @inline(__always)
    private func leaveElement() -> Bool {
        guard !stopped else { return false }
        depth -= 1
        textBytes = 0
        return true
    }

    /// Writes one event onto `tape` at the current line, and ships the tape once it is full.
    @inline(__always)
    private func record(on tape: Unmanaged<XMLEventTape>, _ write: (XMLEventTape, Int32) -> Void) {
        let line = eventLine
        shipIfFull(tape._withUnsafeGuaranteedRef {
            write($0, line)
            return $0.isFull
        })
    }

    /// Events are recorded on tapes (else handed to the handler in the callbacks).
    var recordsTapes: Bool { tape != nil }

    /// `XMLScanner`'s start tag, straight onto the tape (its names' lengths are known, and it checked
    /// the attributes' sizes). Only when `recordsTapes`.
    @inline(__always)
    func recordStart(_ name: XMLEventTape.QualifiedName, attributes: UnsafeBufferPointer<XMLEventTape.ScannedAttribute>) {
        guard let tape, enterElement() else { return }
        record(on: tape) { $0.recordStart(name, line: $1, attributes: attributes) }
    }

    /// `XMLScanner`'s end tag, straight onto the tape. Only when `recordsTapes`.
    @inline(__always)
    func recordEnd(_ name: XMLEventTape.QualifiedName) {
        guard let tape, leaveElement() else { return }
        record(on: tape) { $0.recordEnd(name, line: $1) }
    }

    func startElement(_ localName: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?, _ count: Int,
                      _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
        guard enterElement() else { return }
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
            if count > XMLEventTape.maxCount {
                fail("more than \(XMLEventTape.maxCount) attributes")
                return
            }
        }
        if let tape {
            record(on: tape) { $0.recordStart(localName, prefix, line: $1, attributeCount: max(count, 0), attributes: attributes) }
            return
        }
        let element = XMLStartElement(localName: XMLName(localName), prefix: XMLName(prefix),
                                      attributes: XMLAttributeList(base: UnsafePointer(attributes), count: max(count, 0)),
                                      line: Int(eventLine))
        do {
            try handler!.startElement(element)
        } catch {
            fail(error)
        }
    }

    func endElement(_ localName: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?) {
        guard leaveElement() else { return }
        if let tape {
            record(on: tape) { $0.recordEnd(localName, prefix, line: $1) }
            return
        }
        do {
            try handler!.endElement(XMLEndElement(localName: XMLName(localName), prefix: XMLName(prefix), line: Int(eventLine)))
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
        if let tape {
            if length > XMLEventTape.maxCount {
                fail("text piece longer than \(XMLEventTape.maxCount) bytes")
                return
            }
            record(on: tape) { $0.recordCharacters(bytes, count: length, line: $1) }
            return
        }
        do {
            try handler!.characters(UnsafeBufferPointer(start: bytes, count: length))
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
