import Foundation
import CLibXML2
import TradeCore

/// One attribute of a start tag, decoded to UTF-8.
public struct XMLAttribute: Sendable, Hashable {
    public var localName: String
    public var prefix: String?
    public var value: String

    public init(localName: String, prefix: String? = nil, value: String) {
        self.localName = localName
        self.prefix = prefix
        self.value = value
    }
}

extension Array where Element == XMLAttribute {
    /// Value of the first attribute with this local name (any prefix).
    public func value(_ localName: String) -> String? {
        first { $0.localName == localName }?.value
    }
}

/// Receives the events of an `XMLStreamParser`. A thrown error stops the parse and is rethrown by `feed`/`finish`.
public protocol XMLStreamHandler: AnyObject {
    func startElement(localName: String, prefix: String?, attributes: [XMLAttribute], line: Int) throws
    func endElement(localName: String, prefix: String?, line: Int) throws
    /// Character data of the current element, possibly in several pieces (not NUL-terminated).
    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws
}

extension XMLStreamHandler {
    public func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {}
}

/// Streaming XML for untrusted input: libxml2's SAX2 push parser, fed chunk by chunk
/// (from a file, a ZIP entry, anything), with DTDs, entities and network access off.
///
/// Any `<!DOCTYPE` is refused with a located error (SDMX-ML and OOXML never carry one),
/// so neither external entities (XXE) nor entity expansion (billion laughs) can happen;
/// the SAX entity handlers are also replaced so nothing is resolved even if libxml2 asked.
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

    /// Size of the chunks `parse(fileAt:)` reads.
    public static let chunkSize = 256 * 1024

    private let state: XMLStreamParserState
    private var context: xmlParserCtxtPtr?
    private var sax = xmlSAXHandler()
    private var finished = false

    /// - Parameter displayPath: file name used in diagnostics (`Raw/sdmx/x.xml` or `book.xlsx!xl/worksheets/sheet1.xml`).
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

    /// Parses a whole file in `chunkSize` pieces; memory stays flat.
    public static func parse(fileAt url: URL, displayPath: String, handler: XMLStreamHandler,
                             limits: Limits = Limits()) throws {
        guard let file = FileHandle(forReadingAtPath: url.path) else {
            throw Diagnostic("cannot open file", at: SourceLocation(file: displayPath, line: 1))
        }
        defer { try? file.close() }
        let parser = XMLStreamParser(displayPath: displayPath, handler: handler, limits: limits)
        while true {
            let chunk: Data?
            do { chunk = try file.read(upToCount: chunkSize) } catch {
                throw Diagnostic("read error: \(error)", at: SourceLocation(file: displayPath, line: parser.currentLine))
            }
            guard let chunk, !chunk.isEmpty else { break }
            try parser.feed(chunk)
        }
        try parser.finish()
    }

    /// Current line of the parser input (1 before anything was fed).
    public var currentLine: Int {
        guard let context else { return 1 }
        return Int(xmlSAX2GetLineNumber(context))
    }

    /// Parses the next piece of the document.
    public func feed(_ data: Data) throws {
        precondition(!finished, "feed after finish")
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return }
            let bytes = base.assumingMemoryBound(to: CChar.self)
            var offset = 0
            if context == nil {
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
    }

    /// Signals the end of the document; throws a located error if it is truncated.
    public func finish() throws {
        guard !finished else { return }
        finished = true
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

    private func check(_ rc: Int32) throws {
        if let error = state.error { throw error }
        if rc != 0 || (context?.pointee.wellFormed ?? 1) == 0 {
            throw state.firstLibraryError ?? Diagnostic("malformed XML (libxml2 error \(rc))",
                                                          at: SourceLocation(file: state.displayPath, line: currentLine))
        }
    }
}

/// State shared with the C callbacks (passed as unretained user data; the parser owns it).
final class XMLStreamParserState {
    let displayPath: String
    let handler: XMLStreamHandler
    let limits: XMLStreamParser.Limits
    var context: xmlParserCtxtPtr?
    var depth = 0
    var textBytes = 0
    /// First error thrown by the handler or raised by a limit; stops the parse.
    var error: Error?
    /// First error libxml2 reported (well-formedness), located.
    var firstLibraryError: Diagnostic?

    init(displayPath: String, handler: XMLStreamHandler, limits: XMLStreamParser.Limits) {
        self.displayPath = displayPath
        self.handler = handler
        self.limits = limits
    }

    var line: Int {
        guard let context else { return 1 }
        return Int(xmlSAX2GetLineNumber(context))
    }

    var column: Int? {
        guard let context else { return nil }
        let c = Int(xmlSAX2GetColumnNumber(context))
        return c > 0 ? c : nil
    }

    func fail(_ error: Error) {
        if self.error == nil { self.error = error }
        if let context { xmlStopParser(context) }
    }

    func fail(_ message: String) {
        fail(Diagnostic(message, at: SourceLocation(file: displayPath, line: line, column: column)))
    }

    static func from(_ ctx: UnsafeMutableRawPointer?) -> XMLStreamParserState {
        Unmanaged<XMLStreamParserState>.fromOpaque(ctx!).takeUnretainedValue()
    }
}

@inline(__always)
private func string(_ p: UnsafePointer<xmlChar>?) -> String? {
    guard let p else { return nil }
    return String(cString: p)
}

private let xmlStreamStartElement: startElementNsSAX2Func = { ctx, localName, prefix, _, _, _, nbAttributes, _, attributes in
    let state = XMLStreamParserState.from(ctx)
    guard state.error == nil else { return }
    state.depth += 1
    state.textBytes = 0
    if state.depth > state.limits.maxDepth {
        state.fail("element nesting deeper than \(state.limits.maxDepth) levels")
        return
    }
    var attrs: [XMLAttribute] = []
    if nbAttributes > 0, let attributes {
        attrs.reserveCapacity(Int(nbAttributes))
        // Five pointers per attribute: localname, prefix, URI, value begin, value end.
        for i in 0..<Int(nbAttributes) {
            let base = i * 5
            guard let begin = attributes[base + 3], let end = attributes[base + 4] else { continue }
            let count = end - begin
            if count > state.limits.maxAttributeBytes {
                state.fail("attribute value longer than \(state.limits.maxAttributeBytes) bytes")
                return
            }
            var value = String(decoding: UnsafeBufferPointer(start: begin, count: count), as: UTF8.self)
            // Without entity substitution (never XML_PARSE_NOENT) libxml2 hands `&amp;` in an attribute
            // over as `&#38;`; a bare `&` cannot occur otherwise, so this restores the value.
            if value.utf8.contains(UInt8(ascii: "&")) { value = value.replacingOccurrences(of: "&#38;", with: "&") }
            attrs.append(XMLAttribute(localName: string(attributes[base]) ?? "", prefix: string(attributes[base + 1]),
                                      value: value))
        }
    }
    do {
        try state.handler.startElement(localName: string(localName) ?? "", prefix: string(prefix),
                                       attributes: attrs, line: state.line)
    } catch {
        state.fail(error)
    }
}

private let xmlStreamEndElement: endElementNsSAX2Func = { ctx, localName, prefix, _ in
    let state = XMLStreamParserState.from(ctx)
    guard state.error == nil else { return }
    state.depth -= 1
    state.textBytes = 0
    do {
        try state.handler.endElement(localName: string(localName) ?? "", prefix: string(prefix), line: state.line)
    } catch {
        state.fail(error)
    }
}

private let xmlStreamCharacters: charactersSAXFunc = { ctx, bytes, length in
    let state = XMLStreamParserState.from(ctx)
    guard state.error == nil, let bytes, length > 0 else { return }
    state.textBytes += Int(length)
    if state.textBytes > state.limits.maxTextBytes {
        state.fail("text longer than \(state.limits.maxTextBytes) bytes")
        return
    }
    do {
        try state.handler.characters(UnsafeBufferPointer(start: bytes, count: Int(length)))
    } catch {
        state.fail(error)
    }
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
