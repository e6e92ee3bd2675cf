import Foundation
import Testing
import TradeCore
import TradeConfig
@testable import TradeIngest

private typealias F = FormatsFixtures

/// Records every event as text, to check that nothing of a hostile input leaks.
private final class Recorder: XMLStreamHandler {
    var events: [String] = []
    func startElement(_ element: XMLStartElement) throws {
        events.append("<\(element.localName.string) "
                      + element.attributes.map { "\($0.localName.string)=\($0.value)" }.joined(separator: " "))
    }
    func endElement(_ element: XMLEndElement) throws { events.append("</\(element.localName.string)") }
    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws { events.append(String(decoding: bytes, as: UTF8.self)) }
}

@Suite struct XMLStreamParserTests {
    /// Parses `xml` fed in `chunk`-byte pieces: with `pipelined`, as readers do (the input on a
    /// worker thread, libxml2 and the handler here), else serially (the reference).
    func parse(_ xml: String, chunk: Int = 7, limits: XMLStreamParser.Limits = .init(), pipelined: Bool = false) throws -> [String] {
        let recorder = Recorder()
        let data = Data(xml.utf8)
        func send(_ feed: (Data) throws -> Void) throws {
            var offset = 0
            while offset < data.count {
                let end = min(offset + chunk, data.count)
                try feed(data.subdata(in: offset..<end))
                offset = end
            }
        }
        if pipelined {
            try XMLStreamParser.parse(displayPath: "Raw/sdmx/t.xml", handler: recorder, limits: limits, input: send)
        } else {
            let parser = XMLStreamParser(displayPath: "Raw/sdmx/t.xml", handler: recorder, limits: limits)
            try send(parser.feed)
            try parser.finish()
        }
        return recorder.events
    }

    @Test(arguments: [false, true]) func smallChunksAndEscapes(pipelined: Bool) throws {
        let events = try parse("<a x=\"1 &amp; 2\"><b>t&lt;u</b><c/></a>", chunk: 3, pipelined: pipelined)
        #expect(events.first == "<a x=1 & 2")
        #expect(events.joined().contains("t<u"))
        #expect(events.contains("<c "))
    }

    @Test(arguments: [false, true]) func xxeIsRefusedAndNothingLeaks(pipelined: Bool) throws {
        let xml = """
        <?xml version="1.0"?>
        <!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
        <x>&e;</x>
        """
        let recorder = Recorder()
        let error = #expect(throws: Diagnostic.self) {
            if pipelined {
                try XMLStreamParser.parse(displayPath: "Raw/sdmx/xxe.xml", handler: recorder) { try $0(Data(xml.utf8)) }
            } else {
                let parser = XMLStreamParser(displayPath: "Raw/sdmx/xxe.xml", handler: recorder)
                try parser.feed(Data(xml.utf8))
                try parser.finish()
            }
        }
        #expect(error?.message.contains("DOCTYPE/entity declarations are not allowed in untrusted input") == true)
        #expect(error?.location?.file == "Raw/sdmx/xxe.xml")
        #expect(error?.location?.line == 2)
        #expect(!recorder.events.joined().contains("root:"))
        #expect(!(error?.description.contains("root:") ?? false))
    }

    @Test func xxeThroughSDMXReaderLeaksNothing() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("xxe-\(UUID().uuidString).xml")
        defer { try? FileManager.default.removeItem(at: url) }
        try """
        <?xml version="1.0"?>
        <!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]>
        <m:StructureSpecificData xmlns:m="x"><m:DataSet><Series k="&e;"><Obs TIME_PERIOD="&e;" OBS_VALUE="1"/></Series></m:DataSet></m:StructureSpecificData>
        """.write(to: url, atomically: true, encoding: .utf8)
        var outcomes: [RowOutcome] = []
        let error = #expect(throws: Diagnostic.self) {
            try SDMXReader().read(RawFile(url: url, displayPath: "Raw/sdmx/xxe.xml"), definition: F.definition(.sdmx),
                                  reference: F.reference) { outcomes.append($0) }
        }
        #expect(error != nil)
        #expect(!"\(outcomes)".contains("root:"))
    }

    @Test(arguments: [false, true]) func billionLaughsFailsFast(pipelined: Bool) throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
        for i in 1...9 {
            let prev = i == 1 ? "lol" : "lol\(i - 1)"
            xml += "<!ENTITY lol\(i) \"" + String(repeating: "&\(prev);", count: 10) + "\">\n"
        }
        xml += "]>\n<lolz>&lol9;</lolz>\n"
        let start = Date()
        let error = #expect(throws: Diagnostic.self) { _ = try parse(xml, chunk: 65536, pipelined: pipelined) }
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(error?.message.contains("not allowed in untrusted input") == true)
        #expect(error?.location?.line != nil)
    }

    @Test(arguments: [false, true]) func internalEntityWithoutDoctypeIsNotExpanded(pipelined: Bool) throws {
        // An undeclared entity is a well-formedness error, never a lookup.
        let error = #expect(throws: Diagnostic.self) { _ = try parse("<a>\n&e;</a>", pipelined: pipelined) }
        #expect(error?.location?.line == 2)
    }

    @Test(arguments: [false, true]) func truncatedDocumentIsLocated(pipelined: Bool) throws {
        let error = #expect(throws: Diagnostic.self) { _ = try parse("<a>\n<b>\n<c x=\"1\">\n", pipelined: pipelined) }
        #expect(error?.message.hasPrefix("truncated XML") == true)
        #expect((error?.location?.line ?? 0) >= 3)
        #expect(error?.location?.file == "Raw/sdmx/t.xml")
    }

    @Test(arguments: [false, true]) func mismatchedTagIsLocated(pipelined: Bool) throws {
        let error = #expect(throws: Diagnostic.self) { _ = try parse("<a>\n<b>\n</c>\n</a>", pipelined: pipelined) }
        #expect(error?.location?.line == 3)
    }

    @Test(arguments: [false, true]) func depthAndSizeLimits(pipelined: Bool) throws {
        let deep = String(repeating: "<d>", count: 40) + String(repeating: "</d>", count: 40)
        let e1 = #expect(throws: Diagnostic.self) { _ = try parse(deep, limits: .init(maxDepth: 32), pipelined: pipelined) }
        #expect(e1?.message.contains("deeper than 32") == true)
        let big = "<a x=\"" + String(repeating: "y", count: 5000) + "\"/>"
        let e2 = #expect(throws: Diagnostic.self) { _ = try parse(big, chunk: 1000, limits: .init(maxAttributeBytes: 1000), pipelined: pipelined) }
        #expect(e2?.message.contains("attribute value longer") == true)
        let text = "<a>" + String(repeating: "z", count: 5000) + "</a>"
        let e3 = #expect(throws: Diagnostic.self) { _ = try parse(text, chunk: 100, limits: .init(maxTextBytes: 1000), pipelined: pipelined) }
        #expect(e3?.message.contains("text longer") == true)
    }

    @Test(arguments: [false, true]) func emptyInputIsAnError(pipelined: Bool) throws {
        #expect(throws: Diagnostic.self) { _ = try parse("", pipelined: pipelined) }
    }
}
