import Foundation
import Testing
import TradeCore
import TradeTestSupport
import ZIPFoundation
@testable import TradeIngest

private typealias F = FormatsFixtures

/// What a handler can observe, written out: elements with prefixes, attributes (raw value) and
/// lines, and the text between tags joined (the parser may cut text into pieces differently with
/// other chunk sizes). Also the threads the events arrived on, and an optional failure.
private final class Transcript: XMLStreamHandler {
    private(set) var lines: [String] = []
    private var text = ""
    var threads: Set<UInt> = []
    /// Throws `Stop` at this event (0-based), if set.
    var failAt: Int?
    private(set) var events = 0

    struct Stop: Error, Equatable {}

    private func event() throws {
        if let failAt, events == failAt { throw Stop() }
        events += 1
        threads.insert(UInt(pthread_self()))
    }

    private func flushText() {
        if !text.isEmpty { lines.append("#" + text.debugDescription) }
        text = ""
    }

    private static func name(_ n: XMLName, _ p: XMLName?) -> String {
        (p.map { "\($0.string):" } ?? "") + n.string
    }

    func startElement(_ element: XMLStartElement) throws {
        try event()
        flushText()
        let attributes = element.attributes.map {
            "\(Self.name($0.localName, $0.prefix))=\(String(decoding: $0.rawValue, as: UTF8.self).debugDescription)"
        }
        lines.append("<\(Self.name(element.localName, element.prefix))@\(element.line) " + attributes.joined(separator: " "))
    }

    func endElement(_ element: XMLEndElement) throws {
        try event()
        flushText()
        lines.append("</\(Self.name(element.localName, element.prefix))@\(element.line)")
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        try event()
        text += String(decoding: bytes, as: UTF8.self)
    }

    func finished() -> [String] {
        flushText()
        return lines
    }
}

/// A parse's transcript, or its error.
private struct Outcome: Equatable, CustomStringConvertible {
    var lines: [String]
    var error: String?

    var accepted: Bool { error == nil }
    var description: String { (lines + [error.map { "ERROR \($0)" } ?? "OK"]).joined(separator: "\n") }
}

/// Real documents, hostile and mutated input through the one XML engine (libxml2's SAX2 push
/// parser), serially and as the readers run it (the input on a worker thread).
@Suite struct XMLStreamDocumentTests {
    private static func send(_ data: [UInt8], chunk: Int, to feed: (Data) throws -> Void) throws {
        var offset = 0
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            try feed(Data(data[offset..<end]))
            offset = end
        }
    }

    /// The serial reference: feed and finish on this thread.
    private static func serial(_ data: [UInt8], chunk: Int = 1 << 18, limits: XMLStreamParser.Limits = .init(),
                               transcript: Transcript = Transcript()) -> Outcome {
        let parser = XMLStreamParser(displayPath: "t.xml", handler: transcript, limits: limits)
        do {
            try send(data, chunk: chunk, to: parser.feed)
            try parser.finish()
            return Outcome(lines: transcript.finished(), error: nil)
        } catch {
            return Outcome(lines: transcript.finished(), error: "\(error)")
        }
    }

    /// As the readers parse: the bytes sent from a worker thread, libxml2 and the handler here.
    private static func pipelined(_ data: [UInt8], chunk: Int = 1 << 18, limits: XMLStreamParser.Limits = .init(),
                                  transcript: Transcript = Transcript()) -> Outcome {
        do {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: transcript, limits: limits) { feed in
                try send(data, chunk: chunk, to: feed)
            }
            return Outcome(lines: transcript.finished(), error: nil)
        } catch {
            return Outcome(lines: transcript.finished(), error: "\(error)")
        }
    }

    /// Every part of the committed workbook and every real SDMX message parses, whole and fed 1, 7
    /// and 4096 bytes at a time (tokens cut at every possible place), with the same events either way.
    @Test func realDocumentsParseInAnyPieces() throws {
        var documents: [(String, [UInt8])] = []
        let archive = try Archive(url: F.url("xlsx/sample.xlsx"), accessMode: .read)
        for entry in archive where entry.path.hasSuffix(".xml") || entry.path.hasSuffix(".rels") {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            documents.append((entry.path, Array(data)))
        }
        let sdmx = try FileManager.default.contentsOfDirectory(at: F.url("sdmx"), includingPropertiesForKeys: nil)
        for url in sdmx where url.pathExtension == "xml" {
            documents.append((url.lastPathComponent, Array(try Data(contentsOf: url))))
        }
        #expect(documents.count >= 10)
        for (name, data) in documents {
            let reference = Self.serial(data)
            #expect(reference.accepted, "\(name): \(reference.error ?? "")")
            #expect(reference.lines.count > 3)
            for chunk in [1 << 18, 4096, 7, 1] {
                #expect(Self.serial(data, chunk: chunk) == reference, "\(name) in pieces of \(chunk)")
                #expect(Self.pipelined(data, chunk: chunk) == reference, "\(name) in pieces of \(chunk), pipelined")
            }
        }
    }

    /// The file entry point the SDMX reader uses gives the serial events, on the calling thread.
    @Test func fileEntryPointGivesTheSerialEventsOnThisThread() throws {
        let sdmx = try FileManager.default.contentsOfDirectory(at: F.url("sdmx"), includingPropertiesForKeys: nil)
        #expect(sdmx.count >= 4)
        for url in sdmx where url.pathExtension == "xml" {
            let reference = Self.serial(Array(try Data(contentsOf: url)))
            let transcript = Transcript()
            try XMLStreamParser.parse(fileAt: url, displayPath: "t.xml", handler: transcript)
            #expect(transcript.finished() == reference.lines, "\(url.lastPathComponent)")
            #expect(transcript.threads == [UInt(pthread_self())])
        }
    }

    /// Each XLSX part streamed out of the ZIP (inflated and checksummed on the input thread) gives
    /// its handler exactly what a serial parse of the extracted bytes gives.
    @Test func xlsxPartsGiveTheSerialEvents() throws {
        let url = F.url("xlsx/sample.xlsx")
        let archive = try Archive(url: url, accessMode: .read)
        let workbook = try XLSXReader(url: url, displayPath: "sample.xlsx")
        var parts = 0
        for entry in archive where entry.path.hasSuffix(".xml") || entry.path.hasSuffix(".rels") {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            let reference = Self.serial(Array(data))
            #expect(reference.accepted, "\(entry.path)")
            let transcript = Transcript()
            try workbook.parse(entryAt: entry.path, handler: transcript)
            #expect(transcript.finished() == reference.lines, "\(entry.path)")
            #expect(transcript.threads == [UInt(pthread_self())])
            parts += 1
        }
        #expect(parts >= 4)
    }

    /// Well-formed documents on each rule of XML the readers meet are accepted, with the events
    /// written out by hand; broken ones are refused with a located error.
    @Test func acceptedDocumentsGiveTheirEvents() {
        let cases: [(String, [String])] = [
            ("<a/>", ["<a@1 ", "</a@1"]),
            ("\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<a>x</a>", ["<a@2 ", "#\"x\"", "</a@2"]),
            ("<!-- c --><?pi data?>\n<a><!-- in --><?pi?>b</a>\n<!-- after -->\n", ["<a@2 ", "#\"b\"", "</a@2"]),
            ("<a x=\"1\" y='2'   z = \"3\"/>", ["<a@1 x=\"1\" y=\"2\" z=\"3\"", "</a@1"]),
            // Character data references decoded, `&amp;` in an attribute kept as `&#38;` (see XMLAttributeView).
            ("<a x=\"&lt;&#65;&amp;\">&amp;&lt;&gt;&quot;&apos;&#65;&#x20AC;</a>",
             ["<a@1 x=\"<A&#38;\"", "#" + "&<>\"'A€".debugDescription, "</a@1"]),
            ("<a>one\r\ntwo\r\nthree</a>", ["<a@1 ", "#\"one\\ntwo\\nthree\"", "</a@3"]),
            ("<a><![CDATA[<not> & markup]]]></a>", ["<a@1 ", "#\"<not> & markup]\"", "</a@1"]),
            ("<x:a xmlns:x=\"urn:x\" x:b=\"1\"><x:c/></x:a>", ["<x:a@1 x:b=\"1\"", "<x:c@1 ", "</x:c@1", "</x:a@1"]),
            ("<a>ü € 😀</a>", ["<a@1 ", "#\"ü € 😀\"", "</a@1"]),
        ]
        for (document, expected) in cases {
            for chunk in [1 << 18, 1] {
                let outcome = Self.pipelined(Array(document.utf8), chunk: chunk)
                #expect(outcome == Outcome(lines: expected, error: nil), "\(document.debugDescription) in pieces of \(chunk)")
            }
        }
    }

    @Test(arguments: [
        "", "   ", "<a>", "<a></b>", "<a/><b/>", "<a/>text", "text<a/>", "<a>]]></a>", "<a>&unknown;</a>", "<a>&#0;</a>",
        "<a>&#xD800;</a>", "<a>&#x110000;</a>", "<a>& b</a>", "<a>\u{01}</a>", "<a x=1/>", "<a x=\"1\" x=\"2\"/>",
        "<a x=\"<\"/>", "<a x=\"&bogus;\"/>", "<1a/>", "<a><!-- a -- b --></a>", "<a/><?xml version=\"1.0\"?>", "</a>",
    ])
    func malformedDocumentIsRefusedWithALocation(_ document: String) {
        for outcome in [Self.serial(Array(document.utf8)), Self.pipelined(Array(document.utf8), chunk: 1)] {
            #expect(outcome.error?.hasPrefix("t.xml:") == true, "\(document.debugDescription): \(outcome)")
        }
    }

    /// Bytes that are not UTF-8 or not XML characters are refused, in text and in attribute values;
    /// valid multi-byte characters and DEL (an XML character) are kept.
    @Test(arguments: [
        ([0xC3, 0x28], false), ([0xE2, 0x82], false), ([0xC0, 0xAF], false), ([0xED, 0xA0, 0x80], false),
        ([0xEF, 0xBF, 0xBE], false), ([0xEF, 0xBF, 0xBF], false), ([0xF4, 0x90, 0x80, 0x80], false), ([0xFF], false),
        ([0x80], false), ([0x0B], false), ([0xF0, 0x9F, 0x98, 0x80], true), ([0xE2, 0x82, 0xAC], true), ([0x7F], true),
    ] as [([UInt8], Bool)])
    func bytesAreCheckedAsUTF8(_ bytes: [UInt8], valid: Bool) {
        let inText = Array("<a>x".utf8) + bytes + Array("y</a>".utf8)
        let inAttribute = Array("<a v=\"x".utf8) + bytes + Array("y\"/>".utf8)
        let decoded = String(decoding: [UInt8(ascii: "x")] + bytes + [UInt8(ascii: "y")], as: UTF8.self)
        for chunk in [1 << 18, 1] {
            let text = Self.pipelined(inText, chunk: chunk)
            let attribute = Self.pipelined(inAttribute, chunk: chunk)
            if valid {
                #expect(text == Outcome(lines: ["<a@1 ", "#" + decoded.debugDescription, "</a@1"], error: nil))
                #expect(attribute == Outcome(lines: ["<a@1 v=" + decoded.debugDescription, "</a@1"], error: nil))
            } else {
                #expect(text.error?.hasPrefix("t.xml:1") == true, "\(bytes): \(text)")
                #expect(attribute.error?.hasPrefix("t.xml:1") == true, "\(bytes): \(attribute)")
            }
        }
    }

    /// A document in another encoding (declared Latin-1, or UTF-16 by its byte order mark) is decoded.
    @Test func otherEncodingsAreDecoded() {
        var latin1: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a v=\"".utf8)
        latin1 += [0xE9] + Array("\">".utf8) + [0xFC] + Array("</a>".utf8)
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "<a>é</a>".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(Self.pipelined(latin1, chunk: 3) == Outcome(lines: ["<a@1 v=\"é\"", "#\"ü\"", "</a@1"], error: nil))
        #expect(Self.pipelined(utf16, chunk: 3) == Outcome(lines: ["<a@1 ", "#\"é\"", "</a@1"], error: nil))
    }

    /// What hostile input tries: entity expansion and external entities (refused with the DOCTYPE,
    /// no event delivered), deep nesting, and a tag that never ends.
    @Test func hostileInputIsRefused() {
        let laughs = Array(("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n"
            + "<lolz>&lol2;</lolz>").utf8)
        let xxe = Array("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".utf8)
        for data in [laughs, xxe] {
            for outcome in [Self.serial(data), Self.pipelined(data)] {
                #expect(outcome.error?.contains("DOCTYPE/entity declarations are not allowed") == true)
                #expect(outcome.lines.isEmpty)
            }
        }
        let deep = Array((String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200)).utf8)
        let refusedDeep = Self.pipelined(deep)
        #expect(refusedDeep.error?.contains("element nesting deeper than 128 levels") == true)
        #expect(refusedDeep.lines.count == 128)
        let endless = Array("<a><b c=\"".utf8) + [UInt8](repeating: UInt8(ascii: "d"), count: 11 << 20)
        let refusedEndless = Self.pipelined(endless, chunk: 1 << 18)
        #expect(refusedEndless.error?.hasPrefix("t.xml:1") == true, "\(refusedEndless.error ?? "accepted")")
        #expect(refusedEndless.lines == ["<a@1 "])
    }

    /// Many chunks' worth of events, with namespaces, prefixes, references and CDATA.
    private static func document(observations: Int, tail: String = "</m:DataSet></m:Data>\n") -> [UInt8] {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<m:Data xmlns:m=\"urn:m\" xmlns:x=\"urn:x\"><m:DataSet>\n"
        for i in 0..<observations {
            if i % 1000 == 0 { xml += "<Series k=\"A&amp;B\" x:n=\"\(i)\"><![CDATA[<raw> \(i)]]>" }
            xml += "  <Obs TIME_PERIOD=\"2024-\(i % 12 + 1)\" OBS_VALUE=\"\(i).5\"/>\n"
            if i % 1000 == 999 { xml += "</Series>\n" }
        }
        return Array((xml + tail).utf8)
    }

    @Test func manyChunksGiveTheSerialEvents() {
        let data = Self.document(observations: 50_000)
        let reference = Self.serial(data)
        #expect(reference.error == nil)
        #expect(data.count > 8 * XMLStreamParser.fileChunkSize)
        // Elements: Data, DataSet, 50 Series, 50,000 Obs, each opened and closed. Text: the newline
        // after DataSet's start tag, then per Series its CDATA (with the indent of its first Obs),
        // the 999 newline + indent runs between its Obs, the newline before its end tag and the one after.
        #expect(reference.lines.count == 2 * (2 + 50 + 50_000) + 1 + 50 * (1 + 999 + 1 + 1))
        #expect(Self.pipelined(data) == reference)
        #expect(Self.pipelined(data, chunk: 4093) == reference)
    }

    @Test(arguments: [
        // Mismatched tag after many events, truncation, an undeclared entity, a DOCTYPE, depth, a bad byte.
        ("mismatch", "<Obs TIME_PERIOD=\"x\"/>\n</Wrong></m:DataSet></m:Data>\n"),
        ("truncated", "<Series a=\"1\"><Obs TIME_PERIOD=\"x\"/>\n"),
        ("entity", "<Obs TIME_PERIOD=\"&e;\"/>\n</m:DataSet></m:Data>\n"),
        ("depth", String(repeating: "<d>", count: 200) + String(repeating: "</d>", count: 200) + "</m:DataSet></m:Data>"),
        ("bad byte", "<Obs TIME_PERIOD=\"\u{1}\"/>\n</m:DataSet></m:Data>\n"),
    ])
    func errorsMidDocumentArriveAfterTheEventsBeforeThem(name: String, tail: String) {
        let data = Self.document(observations: 30_000, tail: tail)
        let reference = Self.serial(data)
        #expect(reference.error?.hasPrefix("t.xml:") == true, "\(name)")
        #expect(reference.lines.count > 60_000, "\(name)")
        #expect(Self.pipelined(data) == reference, "\(name)")
        #expect(Self.pipelined(data, chunk: 1000) == Self.serial(data, chunk: 1000), "\(name)")
    }

    /// A handler error is rethrown as is, no event after it is delivered, and the input thread
    /// stops soon after (its `send` throws `ConsumerStopped`), long before the end.
    @Test func handlerErrorStopsTheInputThread() throws {
        let piece = Data(String(repeating: "<Obs TIME_PERIOD=\"2024-01\" OBS_VALUE=\"1.5\"/>\n", count: 5_000).utf8)
        let pieces = 2_000  // ~100 MB if nothing stopped it
        var sent = 0
        var cancelled = false
        let transcript = Transcript()
        transcript.failAt = 20_000
        let error = #expect(throws: Transcript.Stop.self) {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: transcript) { send in
                try send(Data("<root>".utf8))
                do {
                    for _ in 0..<pieces {
                        try send(piece)
                        sent += 1
                    }
                } catch let error as TwoThreadStream.ConsumerStopped {
                    cancelled = true
                    throw error
                }
            }
        }
        #expect(error == Transcript.Stop())
        #expect(transcript.events == 20_000)
        #expect(cancelled)
        #expect(sent < 50)
    }

    /// An input error (a ZIP entry's checksum, a read error) comes after the events of the bytes
    /// sent before it; an `InputFailure` is located at the line the parse reached.
    @Test func inputErrorComesAfterTheEventsBeforeIt() {
        struct Damaged: Error {}
        let data = Self.document(observations: 1_000)
        let reference = Transcript()
        let parser = XMLStreamParser(displayPath: "t.xml", handler: reference)
        #expect(throws: Never.self) { try parser.feed(Data(data)) }
        #expect(reference.finished().count > 2_000)

        let transcript = Transcript()
        #expect(throws: Damaged.self) {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: transcript) { send in
                try send(Data(data))
                throw Damaged()
            }
        }
        #expect(transcript.finished() == reference.finished())

        // The parse stands after the document's last newline.
        let line = data.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let located = #expect(throws: Diagnostic.self) {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: Transcript()) { send in
                try send(Data(data))
                throw XMLStreamParser.InputFailure("cannot read ZIP entry x.xml: its CRC-32 does not match (damaged file)")
            }
        }
        #expect(located?.message == "cannot read ZIP entry x.xml: its CRC-32 does not match (damaged file)")
        #expect(located?.location == SourceLocation(file: "t.xml", line: line))
    }

    /// Random edits of a sheet and of real SDMX messages (XML's special characters, bad bytes, line
    /// ends) at random places, fed in random pieces: every outcome is the serial one, every refusal is
    /// located, and nothing crashes (`make sanitize` runs this under AddressSanitizer, where a stray
    /// read in a callback would). Seeded; `TRADEWATCH_FUZZ_ITERATIONS` runs more.
    @Test func mutatedDocumentsParseAsSerially() throws {
        let sheet = Array(("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"urn:r\">"
            + "<sheetData><row r=\"1\" spans=\"1:3\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\"><v>1.5</v></c>"
            + "<c r=\"C1\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> a &amp; b </t></is></c></row>"
            + "<!-- note --><row r=\"2\"><c r=\"A2\" t=\"str\"><f>SUM(B1)</f><v>x&lt;y</v></c></row></sheetData>"
            + "<r:x r:id=\"rId1\"/></worksheet>\n").utf8)
        let rich = Array(("\u{FEFF}<?xml version='1.0'?>\r\n<!-- head --><?pi x?>\n<p:root xmlns:p=\"urn:p\" a='1&#x9;&amp;2' "
            + "b=\"x\ty\r\nz\"><p:k>t&#233;&#x20AC;&lt;&gt;é😀</p:k><![CDATA[a]]b<c>]]><e/>\r\n<f g=\"&quot;'\">"
            + "x\ry</f><?q r?></p:root>\n<!-- tail -->").utf8)
        var seeds = [sheet, rich]
        for name in ["ESTAT_NAMA_10_GDP-structurespecific.xml", "IMF_PCPS-structurespecific-timeseries.xml",
                     "comext-sample-structurespecific.xml"] {
            seeds.append(Array(try Data(contentsOf: F.url("sdmx/\(name)"))))
        }
        let pieces: [[UInt8]] = ["<", ">", "/", "&", ";", "\"", "'", "=", "!", "?", "-", "[", "]", ":", " ", "\n", "\r",
                                 "\t", "a", "x", "1", "#", "&amp;", "&#", "<!--", "-->", "<![CDATA[", "]]>", "</", "/>",
                                 "xmlns", "<?", "?>", "<!DOCTYPE a [<!ENTITY e \"x\">]>", "&e;", "é", "€", "·"].map { Array($0.utf8) }
            + [[0x01], [0xC3], [0xA9], [0xFF], [0xEF, 0xBF, 0xBF], [0x00]]
        var random = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["TRADEWATCH_FAULTS_SEED"] ?? "") ?? 20261124)
        let iterations = Int(ProcessInfo.processInfo.environment["TRADEWATCH_FUZZ_ITERATIONS"] ?? "") ?? 1000
        var accepted = 0
        for _ in 0..<iterations {
            var document = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0..<Int(random.next() % 3 + 1) {
                let at = Int(random.next() % UInt64(document.count + 1))
                switch random.next() % 3 {
                case 0: document.insert(contentsOf: pieces[Int(random.next() % UInt64(pieces.count))], at: at)
                case 1: if at < document.count { document.remove(at: at) }
                default:
                    if at < document.count {
                        document.replaceSubrange(at...at, with: pieces[Int(random.next() % UInt64(pieces.count))])
                    }
                }
            }
            let reference = Self.serial(document)
            let chunk = Int(random.next() % 64) + 1
            let outcome = Self.pipelined(document, chunk: chunk)
            if reference.accepted { accepted += 1 }
            guard outcome == Self.serial(document, chunk: chunk), outcome.accepted == reference.accepted,
                  !reference.accepted || outcome.lines == reference.lines,
                  reference.error.map({ $0.hasPrefix("t.xml:") }) ?? true else {
                Issue.record("""
                    differs on \(String(decoding: document, as: UTF8.self).debugDescription) in pieces of \(chunk)
                    whole: \(reference)
                    pipelined: \(outcome)
                    """)
                return
            }
        }
        // The edits must leave a fair share of documents well-formed, or the events are little tested.
        #expect(accepted > iterations / 10)
    }
}
