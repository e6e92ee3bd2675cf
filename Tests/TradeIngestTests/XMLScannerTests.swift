import Foundation
import Testing
import TradeTestSupport
import TradeCore
import ZIPFoundation
@testable import TradeIngest

private typealias F = FormatsFixtures

/// What a handler can observe, written out: elements with prefixes, attributes (raw value) and
/// lines, and the text between tags joined (parsers may cut text into pieces differently).
private final class Transcript: XMLStreamHandler {
    var lines: [String] = []
    private var text = ""

    private func flushText() {
        if !text.isEmpty { lines.append("#" + text.debugDescription) }
        text = ""
    }

    private static func name(_ n: XMLName, _ p: XMLName?) -> String {
        (p.map { "\($0.string):" } ?? "") + n.string
    }

    func startElement(_ element: XMLStartElement) throws {
        flushText()
        let attributes = element.attributes.map {
            "\(Self.name($0.localName, $0.prefix))=\(String(decoding: $0.rawValue, as: UTF8.self).debugDescription)"
        }
        lines.append("<\(Self.name(element.localName, element.prefix))@\(element.line) " + attributes.joined(separator: " "))
    }

    func endElement(_ element: XMLEndElement) throws {
        flushText()
        lines.append("</\(Self.name(element.localName, element.prefix))@\(element.line)")
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        text += String(decoding: bytes, as: UTF8.self)
    }

    func finished() -> [String] {
        flushText()
        return lines
    }
}

/// A parse's transcript, or its error.
private struct Result: Equatable, CustomStringConvertible {
    var lines: [String]
    var error: String?

    var accepted: Bool { error == nil }
    var description: String { (lines + [error.map { "ERROR \($0)" } ?? "OK"]).joined(separator: "\n") }
}

@Suite struct XMLScannerTests {
    /// A serial parse with `engine`, fed in pieces of `chunk` bytes.
    private static func parse(_ data: [UInt8], engine: XMLStreamParser.Engine, chunk: Int = 1 << 18,
                              limits: XMLStreamParser.Limits = .init()) -> Result {
        let transcript = Transcript()
        let parser = XMLStreamParser(displayPath: "t.xml", handler: transcript, limits: limits, engine: engine)
        do {
            var offset = 0
            while offset < data.count {
                let end = min(offset + chunk, data.count)
                try data[offset..<end].withUnsafeBytes { try parser.feed($0) }
                offset = end
            }
            try parser.finish()
            return Result(lines: transcript.finished(), error: nil)
        } catch {
            return Result(lines: transcript.finished(), error: "\(error)")
        }
    }

    /// The pipelined parse readers use: the scanner on a worker thread recording tapes (its own
    /// recording path, `XMLStreamParserState.recordStart`), replayed into the handler here.
    private static func taped(_ data: [UInt8], chunk: Int = 1 << 18, limits: XMLStreamParser.Limits = .init()) -> Result {
        let transcript = Transcript()
        do {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: transcript, limits: limits, engine: .scanner) { parser in
                var offset = 0
                while offset < data.count {
                    let end = min(offset + chunk, data.count)
                    try data[offset..<end].withUnsafeBytes { try parser.feed($0) }
                    offset = end
                }
            }
            return Result(lines: transcript.finished(), error: nil)
        } catch {
            return Result(lines: transcript.finished(), error: "\(error)")
        }
    }

    /// The scanner must accept what libxml2 accepts, with the same transcript, and refuse what it refuses.
    private static func expectSameAsLibxml2(_ text: String, chunk: Int = 1 << 18, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        expectSameAsLibxml2(Array(text.utf8), chunk: chunk, sourceLocation: sourceLocation)
    }

    private static func expectSameAsLibxml2(_ data: [UInt8], chunk: Int = 1 << 18, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let reference = parse(data, engine: .libxml2)
        let scanned = parse(data, engine: .scanner, chunk: chunk)
        let recorded = taped(data, chunk: chunk)
        #expect(recorded == scanned, "\(String(decoding: data, as: UTF8.self).debugDescription)", sourceLocation: sourceLocation)
        #expect(scanned.accepted == reference.accepted,
                "\(String(decoding: data, as: UTF8.self).debugDescription)\nlibxml2: \(reference.error ?? "ok")\nscanner: \(scanned.error ?? "ok")",
                sourceLocation: sourceLocation)
        if reference.accepted && scanned.accepted {
            #expect(scanned.lines == reference.lines, "\(String(decoding: data, as: UTF8.self).debugDescription)",
                    sourceLocation: sourceLocation)
        }
    }

    /// Every part of the committed workbook and every real SDMX message: same events as libxml2,
    /// whole and fed 1, 7 and 4096 bytes at a time (tokens cut at every possible place).
    @Test func realDocumentsGiveLibxml2sEvents() throws {
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
            let reference = Self.parse(data, engine: .libxml2)
            #expect(reference.accepted, "\(name): \(reference.error ?? "")")
            #expect(reference.lines.count > 3)
            for chunk in [1 << 18, 4096, 7, 1] {
                let scanned = Self.parse(data, engine: .scanner, chunk: chunk)
                #expect(scanned == reference, "\(name) in pieces of \(chunk)")
                #expect(Self.taped(data, chunk: chunk) == reference, "\(name) in pieces of \(chunk), through tapes")
            }
        }
    }

    /// Hand-picked documents on each rule, accepted or refused alike by both.
    @Test(arguments: [
        // accepted
        "<a/>",
        "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<a>x</a>",
        "<?xml version='1.0' encoding='utf-8'?><a/>",
        "<!-- c --><?pi data?>\n<a><!-- in --><?pi?>b</a>\n<!-- after -->\n",
        "<a x=\"1\" y='2'   z = \"3\"/>",
        "<a x=\"&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#38;\">&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#x20AC;&#128512;</a>",
        "<a x=\"l1\nl2\tt\r\nw\rq\"/>",
        "<a>one\r\ntwo\rthree\n</a>",
        "<a><![CDATA[<not> & markup]]]></a>",
        "<a><![CDATA[x\r\ny]]></a>",
        "<x:a xmlns:x=\"urn:x\" xmlns=\"urn:d\" x:b=\"1\" xml:space=\"preserve\"><x:c/><d/></x:a>",
        "<y:a>unbound prefix</y:a>",
        "<a>\n\n<b\nc=\"1\"\n/>\n</a\n>",
        "<a>ü € 😀 ]] ] &#x10FFFF;</a>",
        "<a x='\"'  y=\"'\"/>",
        "<a x=\"a>b\"/>",
        "<_a.b-c d.e=\"\"/>",
        "<a>\t \n</a>",
        "<a b:c:d=\"u\" e:1f=\"v\" g::h=\"w\"/>",
        "<a:b:c xmlns:n:b=\"u\"/>",
        "<é·\u{0300}/>",
        "<a\u{2070}b/>",
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> </t></is></c></row></sheetData></worksheet>",
        // refused
        "",
        "   ",
        "<a>",
        "<a></b>",
        "<a/><b/>",
        "<a/>text",
        "text<a/>",
        "<a>]]></a>",
        "<a>&unknown;</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>&#x110000;</a>",
        "<a>&#;</a>",
        "<a>& b</a>",
        "<a>\u{01}</a>",
        "<a x=1/>",
        "<a x=\"1\" x=\"2\"/>",
        "<a x=\"1\"y=\"2\"/>",
        "<a x=\"<\"/>",
        "<a x=\"&bogus;\"/>",
        "<a x></a>",
        "<1a/>",
        "<-a/>",
        "<a:/>",
        "<a><!-- a -- b --></a>",
        "<a><!-- a ---></a>",
        "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
        "<a/><?xml version=\"1.0\"?>",
        "<?xml encoding=\"UTF-8\"?><a/>",
        "<![CDATA[x]]><a/>",
        "<a><!X></a>",
        "<a></a >x",
        "< a/>",
        "<a/ >",
        "<a x=\"1\" / >",
        "</a>",
        "<a xmlns:n:1=\"u\"/>",
        "<a:b:1/>",
        "<a b:c:-=\"u\"/>",
        "<\u{0300}a/>",
        "<a\u{00D7}b/>",
        "<·a/>",
        "<a xmlns:n=\"u\" xmlns:n=\"v\"/>",
    ])
    func ruleMatchesLibxml2(_ document: String) {
        Self.expectSameAsLibxml2(document)
        Self.expectSameAsLibxml2(document, chunk: 1)
    }

    /// Bytes that are not UTF-8 or not XML characters are refused like libxml2 refuses them.
    @Test(arguments: [
        [0xC3, 0x28], [0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xEF, 0xBF, 0xBE], [0xEF, 0xBF, 0xBF],
        [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80], [0xF0, 0x9F, 0x98, 0x80], [0xE2, 0x82, 0xAC], [0x7F], [0x0B],
    ] as [[UInt8]])
    func bytesMatchLibxml2(_ bytes: [UInt8]) {
        let inText = Array("<a>x".utf8) + bytes + Array("y</a>".utf8)
        let inAttribute = Array("<a v=\"x".utf8) + bytes + Array("y\"/>".utf8)
        for data in [inText, inAttribute] {
            Self.expectSameAsLibxml2(data)
            Self.expectSameAsLibxml2(data, chunk: 1)
        }
    }

    /// A document in another encoding is handed to libxml2 whole, before any event.
    @Test func otherEncodingsGoToLibxml2() {
        var latin1: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a v=\"".utf8)
        latin1 += [0xE9] + Array("\">".utf8) + [0xFC] + Array("</a>".utf8)
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in "<a>é</a>".utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        for data in [latin1, utf16] {
            let scanned = Self.parse(data, engine: .scanner, chunk: 3)
            #expect(scanned.accepted)
            #expect(scanned == Self.parse(data, engine: .libxml2))
        }
        #expect(Self.parse(latin1, engine: .scanner).lines == ["<a@1 v=\"é\"", "#\"ü\"", "</a@1"])
    }

    /// Random edits of a sheet (XML's special characters, bad bytes, line ends) at random places, fed
    /// in random pieces: the scanner accepts exactly what libxml2 accepts and reports the same events.
    /// Seeded; `TRADEWATCH_FUZZ_ITERATIONS` runs more.
    @Test func mutatedSheetsMatchLibxml2() throws {
        let sheet = Array(("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            + "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"urn:r\">"
            + "<sheetData><row r=\"1\" spans=\"1:3\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\"><v>1.5</v></c>"
            + "<c r=\"C1\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> a &amp; b </t></is></c></row>"
            + "<!-- note --><row r=\"2\"><c r=\"A2\" t=\"str\"><f>SUM(B1)</f><v>x&lt;y</v></c></row></sheetData>"
            + "<r:x r:id=\"rId1\"/></worksheet>\n").utf8)
        let rich = Array(("\u{FEFF}<?xml version='1.0'?>\r\n<!-- head --><?pi x?>\n<p:root xmlns:p=\"urn:p\" a='1&#x9;&amp;2' "
            + "b=\"x\ty\r\nz\"><p:k>t&#233;&#x20AC;&lt;&gt;é😀</p:k><![CDATA[a]]b<c>]]><e/>\r\n<f g=\"&quot;'\">"
            + "x\ry</f><?q r?></p:root>\n<!-- tail -->").utf8)
        // Also the small real SDMX messages, as downloaded.
        var seeds = [sheet, rich]
        for name in ["ESTAT_NAMA_10_GDP-structurespecific.xml", "IMF_PCPS-structurespecific-timeseries.xml",
                     "comext-sample-structurespecific.xml"] {
            seeds.append(Array(try Data(contentsOf: F.url("sdmx/\(name)"))))
        }
        let pieces: [[UInt8]] = ["<", ">", "/", "&", ";", "\"", "'", "=", "!", "?", "-", "[", "]", ":", " ", "\n", "\r",
                                 "\t", "a", "x", "1", "#", "&amp;", "&#", "<!--", "-->", "<![CDATA[", "]]>", "</", "/>",
                                 "xmlns", "<?", "?>", "é", "€", "\u{00D7}", "\u{0300}", "·"].map { Array($0.utf8) }
            + [[0x01], [0xC3], [0xA9], [0xFF], [0xEF, 0xBF, 0xBF], [0x00]]
        var random = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.environment["TRADEWATCH_FAULTS_SEED"] ?? "") ?? 20261124)
        let iterations = Int(ProcessInfo.processInfo.environment["TRADEWATCH_FUZZ_ITERATIONS"] ?? "") ?? 3000
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
            let reference = Self.parse(document, engine: .libxml2)
            let chunk = Int(random.next() % 64) + 1
            let scanned = Self.parse(document, engine: .scanner, chunk: chunk)
            let recorded = Self.taped(document, chunk: chunk)
            if reference.accepted { accepted += 1 }
            guard scanned.accepted == reference.accepted, !reference.accepted || scanned.lines == reference.lines,
                  recorded.accepted == reference.accepted, !reference.accepted || recorded.lines == reference.lines else {
                Issue.record("""
                    differs from libxml2 on \(String(decoding: document, as: UTF8.self).debugDescription)
                    libxml2: \(reference)
                    scanner: \(scanned)
                    through tapes: \(recorded)
                    """)
                return
            }
        }
        // The edits must leave a fair share of documents well-formed, or the comparison of events tests little.
        #expect(accepted > iterations / 10)
    }

    /// What hostile input tries: entity expansion and external entities (refused with the DOCTYPE
    /// before anything is declared), deep nesting, and a tag that never ends (bounded, not buffered).
    @Test func hostileInputIsRefused() {
        let laughs = Array(("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n"
            + "<lolz>&lol2;</lolz>").utf8)
        let xxe = Array("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>".utf8)
        for data in [laughs, xxe] {
            for scanned in [Self.parse(data, engine: .scanner), Self.taped(data)] {
                #expect(scanned.error?.contains("DOCTYPE/entity declarations are not allowed") == true)
                #expect(scanned.lines.isEmpty)
            }
        }
        let deep = Array((String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200)).utf8)
        #expect(Self.taped(deep).error?.contains("element nesting deeper than 128 levels") == true)
        let endless = Array("<a><b c=\"".utf8) + [UInt8](repeating: UInt8(ascii: "d"), count: 9 << 20)
        #expect(Self.taped(endless, chunk: 1 << 18).error?.contains("longer than \(8 << 20) bytes") == true)
    }

    /// Depth, attribute and text limits hold on the scanner as on libxml2.
    @Test func limitsHold() {
        let limits = XMLStreamParser.Limits(maxDepth: 4, maxAttributeBytes: 8, maxTextBytes: 16)
        let deep = Array(("<a><a><a><a><a/></a></a></a></a>").utf8)
        let longAttribute = Array("<a x=\"123456789\"/>".utf8)
        let longText = Array("<a>12345678901234567</a>".utf8)
        #expect(Self.parse(deep, engine: .scanner, limits: limits).error?.contains("deeper than 4") == true)
        #expect(Self.parse(longAttribute, engine: .scanner, limits: limits).error?.contains("longer than 8 bytes") == true)
        #expect(Self.parse(longText, engine: .scanner, chunk: 5, limits: limits).error?.contains("longer than 16 bytes") == true)
        // A tag that never closes is refused once it passes the token bound, not held in memory.
        let unclosed = Array("<a b=\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        let error = Self.parse(unclosed, engine: .scanner, chunk: 4096, limits: limits).error
        #expect(error?.contains("longer than") == true)
    }

    /// Errors name the line and column where the scanner found them.
    @Test func errorsAreLocated() {
        let error = Self.parse(Array("<a>\n<b>\n  <c></b>\n</a>".utf8), engine: .scanner).error
        #expect(error?.contains("t.xml:3:6") == true, "\(error ?? "")")
        #expect(error?.contains("</b> does not match <c>") == true)
    }
}
