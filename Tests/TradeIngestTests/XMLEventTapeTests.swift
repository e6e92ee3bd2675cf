import Foundation
import Testing
import TradeCore
import ZIPFoundation
@testable import TradeIngest

private typealias F = FormatsFixtures

/// Records every event with its line and prefixes, and the thread it ran on.
private final class EventLog: XMLStreamHandler {
    var events: [String] = []
    /// The threads the events were delivered on.
    var threads: Set<UInt> = []
    /// Throws `Stop` at this event (0-based), if set.
    var failAt: Int?

    struct Stop: Error, Equatable {}

    private func add(_ event: String) throws {
        if let failAt, events.count == failAt { throw Stop() }
        events.append(event)
        threads.insert(UInt(pthread_self()))
    }

    private static func name(_ n: XMLName, _ p: XMLName?) -> String {
        (p.map { "\($0.string):" } ?? "") + n.string
    }

    func startElement(_ element: XMLStartElement) throws {
        let attributes = element.attributes.map { "\(Self.name($0.localName, $0.prefix))=\($0.value)|\($0.rawValue.count)" }
        try add("<\(Self.name(element.localName, element.prefix))@\(element.line) " + attributes.joined(separator: " "))
    }

    func endElement(_ element: XMLEndElement) throws {
        try add("</\(Self.name(element.localName, element.prefix))@\(element.line)")
    }

    func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        try add("#" + String(decoding: bytes, as: UTF8.self))
    }
}

/// What a parse did: the events the handler saw and the error it ended with.
private struct Outcome: Equatable {
    var events: [String]
    var error: String?
}

@Suite struct XMLEventTapeTests {
    /// The serial reference: libxml2 and the handler on this thread, events straight from the callbacks.
    private static func serial(_ data: Data, chunk: Int = XMLStreamParser.fileChunkSize,
                               limits: XMLStreamParser.Limits = .init(), log: EventLog = EventLog(),
                               engine: XMLStreamParser.Engine = .libxml2) -> Outcome {
        let parser = XMLStreamParser(displayPath: "t.xml", handler: log, limits: limits, engine: engine)
        do {
            var offset = 0
            while offset < data.count {
                let end = min(offset + chunk, data.count)
                try parser.feed(data.subdata(in: offset..<end))
                offset = end
            }
            try parser.finish()
            return Outcome(events: log.events, error: nil)
        } catch {
            return Outcome(events: log.events, error: "\(error)")
        }
    }

    /// The pipelined parse: libxml2 on a worker thread recording tapes, replayed here.
    private static func taped(_ data: Data, chunk: Int = XMLStreamParser.fileChunkSize,
                              limits: XMLStreamParser.Limits = .init(), log: EventLog = EventLog(),
                              engine: XMLStreamParser.Engine = .libxml2) -> Outcome {
        do {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: log, limits: limits, engine: engine) { parser in
                var offset = 0
                while offset < data.count {
                    let end = min(offset + chunk, data.count)
                    try parser.feed(data.subdata(in: offset..<end))
                    offset = end
                }
            }
            return Outcome(events: log.events, error: nil)
        } catch {
            return Outcome(events: log.events, error: "\(error)")
        }
    }

    /// The SDMX messages among the test fixtures (generic, structure-specific, time-series shaped).
    static func sdmxFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: F.url("sdmx"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "xml" }.sorted { $0.path < $1.path }
    }

    @Test func sdmxMessagesGiveTheSerialEvents() throws {
        let files = try Self.sdmxFiles()
        #expect(files.count >= 4)
        for url in files {
            let data = try Data(contentsOf: url)
            let reference = Self.serial(data)
            #expect(reference.error == nil, "\(url.lastPathComponent)")
            #expect(reference.events.count > 10)
            // Whole file, and pieces small enough that events straddle feeds.
            #expect(Self.taped(data) == reference, "\(url.lastPathComponent)")
            #expect(Self.taped(data, chunk: 97) == Self.serial(data, chunk: 97), "\(url.lastPathComponent)")
            // The file path entry point, as the SDMX reader uses it.
            let log = EventLog()
            try XMLStreamParser.parse(fileAt: url, displayPath: "t.xml", handler: log)
            #expect(log.events == reference.events, "\(url.lastPathComponent)")
            #expect(log.threads == [UInt(pthread_self())])
        }
    }

    /// XLSX parts are read by `XMLScanner` (whose events `XMLScannerTests` compares with libxml2's):
    /// through tapes, each handler sees exactly what the serial scan gives it, piece for piece.
    @Test func xlsxPartsGiveTheSerialEvents() throws {
        let url = F.url("xlsx/sample.xlsx")
        let archive = try Archive(url: url, accessMode: .read)
        let workbook = try XLSXReader(url: url, displayPath: "sample.xlsx")
        var parts = 0
        for entry in archive where entry.path.hasSuffix(".xml") || entry.path.hasSuffix(".rels") {
            var data = Data()
            _ = try archive.extract(entry) { data.append($0) }
            let reference = Self.serial(data, engine: .scanner)
            #expect(reference.error == nil, "\(entry.path)")
            #expect(reference.events.count > 3)
            let log = EventLog()
            try workbook.parse(entryAt: entry.path, handler: log)
            #expect(log.events == reference.events, "\(entry.path)")
            #expect(Self.taped(data, chunk: 61, engine: .scanner) == Self.serial(data, chunk: 61, engine: .scanner), "\(entry.path)")
            parts += 1
        }
        #expect(parts >= 4)
    }

    /// Many tapes' worth of events, with namespaces, prefixes, references and CDATA.
    private static func document(observations: Int, tail: String = "</m:DataSet></m:Data>\n") -> Data {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<m:Data xmlns:m=\"urn:m\" xmlns:x=\"urn:x\"><m:DataSet>\n"
        for i in 0..<observations {
            if i % 1000 == 0 { xml += "<Series k=\"A&amp;B\" x:n=\"\(i)\"><![CDATA[<raw> \(i)]]>" }
            xml += "  <Obs TIME_PERIOD=\"2024-\(i % 12 + 1)\" OBS_VALUE=\"\(i).5\"/>\n"
            if i % 1000 == 999 { xml += "</Series>\n" }
        }
        return Data((xml + tail).utf8)
    }

    /// The short-copy path (word moves up to 16 bytes) copies exactly `count` bytes for every
    /// length and offset, and writes nothing on either side of the target range.
    @Test func copyBytesCopiesExactlyTheRange() {
        let source = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for count in 0...40 {
            for offset in 0..<3 {
                var target = [UInt8](repeating: 0xAA, count: count + 16)
                source.withUnsafeBufferPointer { from in
                    target.withUnsafeMutableBufferPointer { to in
                        copyBytes(from: from.baseAddress! + offset, to: to.baseAddress! + 8, count: count)
                    }
                }
                #expect(Array(target[8..<(8 + count)]) == Array(source[offset..<(offset + count)]), "count \(count) offset \(offset)")
                #expect(target[0..<8].allSatisfy { $0 == 0xAA } && target[(8 + count)...].allSatisfy { $0 == 0xAA },
                        "count \(count) offset \(offset): wrote outside the target")
            }
        }
    }

    @Test func manyTapesGiveTheSerialEvents() {
        let data = Self.document(observations: 50_000)
        let reference = Self.serial(data)
        #expect(reference.error == nil)
        #expect(reference.events.count > 3 * XMLEventTape.eventLimit)
        #expect(Self.taped(data) == reference)
    }

    /// One event larger than a tape (a start tag with attribute values at the size limit), and long text.
    @Test func eventsLargerThanATape() {
        let limits = XMLStreamParser.Limits()
        let value = String(repeating: "v", count: limits.maxAttributeBytes)
        let text = String(repeating: "t", count: 4 * XMLEventTape.byteLimit + 3)
        let xml = "<a one=\"\(value)\" two=\"\(value.dropLast(2))é\" three=\"\(value.dropLast())\">\n<![CDATA[\(text)]]>"
            + "<b>\(text)</b></a>"
        let data = Data(xml.utf8)
        let reference = Self.serial(data)
        #expect(reference.error == nil)
        #expect(reference.events.first?.count ?? 0 > 3 * limits.maxAttributeBytes)
        // libxml2's push parser hands long text over in pieces: the start tag is the event larger than a tape.
        #expect(reference.events.filter { $0.hasPrefix("#") }.map { $0.dropFirst() }.joined() == "\n" + text + text)
        #expect(Self.taped(data) == reference)
        #expect(Self.taped(data, chunk: 4096) == Self.serial(data, chunk: 4096))
    }

    @Test(arguments: [
        // Mismatched tag after many events, truncation, an undeclared entity, a DOCTYPE, depth.
        ("mismatch", "<Obs TIME_PERIOD=\"x\"/>\n</Wrong></m:DataSet></m:Data>\n"),
        ("truncated", "<Series a=\"1\"><Obs TIME_PERIOD=\"x\"/>\n"),
        ("entity", "<Obs TIME_PERIOD=\"&e;\"/>\n</m:DataSet></m:Data>\n"),
        ("depth", String(repeating: "<d>", count: 200) + String(repeating: "</d>", count: 200) + "</m:DataSet></m:Data>"),
        ("bad byte", "<Obs TIME_PERIOD=\"\u{1}\"/>\n</m:DataSet></m:Data>\n"),
    ])
    func errorsMidDocumentArriveAfterTheEventsBeforeThem(name: String, tail: String) {
        let data = Self.document(observations: 30_000, tail: tail)
        let reference = Self.serial(data)
        #expect(reference.error != nil, "\(name)")
        #expect(reference.events.count > 2 * XMLEventTape.eventLimit, "\(name)")
        #expect(Self.taped(data) == reference, "\(name)")
        #expect(Self.taped(data, chunk: 1000) == Self.serial(data, chunk: 1000), "\(name)")
    }

    @Test func limitsAreCheckedWhileRecording() {
        let big = Data(("<a>" + String(repeating: "<b x=\"" + String(repeating: "y", count: 100) + "\"/>", count: 40_000)
            + "<b x=\"" + String(repeating: "y", count: 5000) + "\"/></a>").utf8)
        let limits = XMLStreamParser.Limits(maxAttributeBytes: 1000)
        let reference = Self.serial(big, limits: limits)
        #expect(reference.error?.contains("attribute value longer than 1000 bytes") == true)
        #expect(Self.taped(big, limits: limits) == reference)
        let doctype = Data("<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e \"e\">]>\n<x>&e;</x>".utf8)
        let refused = Self.taped(doctype)
        #expect(refused == Self.serial(doctype))
        #expect(refused.error?.contains("DOCTYPE/entity declarations are not allowed") == true)
    }

    /// A handler error is rethrown as is, the events after it are not delivered, and the parsing
    /// thread stops feeding soon after (its `feed` throws `PipelineCancelled`), long before the end.
    @Test func handlerErrorStopsTheParsingThread() throws {
        let piece = Data(String(repeating: "<Obs TIME_PERIOD=\"2024-01\" OBS_VALUE=\"1.5\"/>\n", count: 5_000).utf8)
        let pieces = 2_000  // ~100 MB if nothing stopped it
        var fed = 0
        var cancelled = false
        let log = EventLog()
        log.failAt = 20_000
        let error = #expect(throws: EventLog.Stop.self) {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: log) { parser in
                try parser.feed(Data("<root>".utf8))
                do {
                    for _ in 0..<pieces {
                        try parser.feed(piece)
                        fed += 1
                    }
                } catch let error as Pipelined.PipelineCancelled {
                    cancelled = true
                    throw error
                }
            }
        }
        #expect(error == EventLog.Stop())
        #expect(log.events.count == 20_000)
        #expect(cancelled)
        #expect(fed < 50)
    }

    /// An error of the input (a ZIP entry's checksum, a read error) comes after the events recorded before it.
    @Test func inputErrorComesAfterTheRecordedEvents() {
        struct Damaged: Error {}
        let data = Self.document(observations: 1_000)
        let log = EventLog()
        #expect(throws: Damaged.self) {
            try XMLStreamParser.parse(displayPath: "t.xml", handler: log) { parser in
                try parser.feed(data)
                throw Damaged()
            }
        }
        let reference = EventLog()
        let parser = XMLStreamParser(displayPath: "t.xml", handler: reference)
        #expect(throws: Never.self) { try parser.feed(data) }
        #expect(reference.events.count > 2_000)
        #expect(log.events == reference.events)
    }
}
