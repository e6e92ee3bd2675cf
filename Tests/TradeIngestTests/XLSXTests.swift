import Foundation
import Testing
import TradeCore
import TradeConfig
import ZIPFoundation
@testable import TradeIngest

private typealias F = FormatsFixtures

/// Test-only normalizer: turns each record into an observation carrying its fields, so the
/// container's output can be inspected (the China customs normalizer plugs in the same way).
private struct EchoNormalizer: TableNormalizer {
    var header: [String] = []
    mutating func begin(header: [String], headerLine: Int, file: RawFile, definition: SourceDefinition,
                        reference: ReferenceData) throws {
        self.header = header
    }
    mutating func normalize(_ record: TableRecord, emit: (RowOutcome) throws -> Void) throws {
        try emit(.observation(SeriesObservation(dataset: header.joined(separator: "|"),
                                                seriesKey: record.fields.joined(separator: "|"),
                                                period: record.rawText, value: Double(record.fields.count),
                                                status: nil, rawLine: record.line)))
    }
}

@Suite struct XLSXTests {
    let reader = XLSXTableReader { EchoNormalizer() }

    @Test func sheetByNameWithHeaderRowAndDates() throws {
        let def = F.definition(.chinaCustomsXLSX, options: ["sheet": .scalar("出口"), "header_row": .scalar("2"),
                                                            "date_columns": .list([F.scalar("日期")])])
        let out = F.observations(try F.read(reader, F.file("xlsx/sample.xlsx"), def))
        #expect(out.count == 4)
        #expect(out.first?.dataset == "数据年月|商品编码|贸易伙伴名称|第一数量|第一计量单位|美元|日期")
        #expect(out.map(\.rawLine) == [3, 4, 5, 7])
        // Shared strings (rich text runs joined, phonetic run left out), numbers as written, serial 45292 → 2024-01.
        #expect(out[0].seriesKey == "202401|28469014|新加坡|5000|千克|143000|2024-01")
        #expect(out[0].period == "202401,28469014,新加坡,5000,千克,143000,45292")
        // Missing D4 → "", t="str" formula result, boolean TRUE kept in a date column (not a serial).
        #expect(out[1].seriesKey == "202401|85051110| 土耳其 & co ||千克|31012345|TRUE")
        // Cells without r= follow one another; multi-run inline string; padded to the header's width.
        #expect(out[2].seriesKey == "202402|28469015|日本|12.5|||")
        // Row 7: a cell in column AA (index 26) → 27 fields; fractional serial → its month.
        #expect(out[3].value == 27)
        let fields = out[3].seriesKey.split(separator: "|", omittingEmptySubsequences: false)
        #expect(fields[6] == "2024-02")
        #expect(fields[26] == "far")
    }

    @Test func sheetByIndexThroughRelationships() throws {
        // Workbook order puts "Notes" first although its part is sheet2.xml.
        let def = F.definition(.chinaCustomsXLSX, options: ["sheet_index": .scalar("1"),
                                                            "date_format": .scalar("date")])
        let out = F.observations(try F.read(reader, F.file("xlsx/sample.xlsx"), def))
        #expect(out.first?.dataset == "note|FALSE")
        #expect(out.first?.seriesKey == "generated|#N/A")
        let workbook = try XLSXReader(url: F.url("xlsx/sample.xlsx"), displayPath: "sample.xlsx")
        #expect(workbook.sheets.map(\.name) == ["Notes", "出口"])
        #expect(workbook.sheets.map(\.path) == ["xl/worksheets/sheet2.xml", "xl/worksheets/sheet1.xml"])
    }

    @Test func unknownSheetIsLocatedInTheDefinition() throws {
        let def = F.definition(.chinaCustomsXLSX, options: ["sheet": .scalar("Imports")])
        let error = #expect(throws: Diagnostic.self) { _ = try F.read(reader, F.file("xlsx/sample.xlsx"), def) }
        #expect(error?.location?.file == "Pipelines/test.yaml")
        #expect(error?.message.contains("出口") == true)
    }

    @Test func excelSerials() {
        #expect(XLSXDate.isoDate(serial: 1) == "1900-01-01")
        #expect(XLSXDate.isoDate(serial: 59) == "1900-02-28")
        #expect(XLSXDate.isoDate(serial: 61) == "1900-03-01")
        #expect(XLSXDate.isoDate(serial: 45292) == "2024-01-01")
        #expect(XLSXDate.isoDate(serial: 45351) == "2024-02-29")
        #expect(XLSXDate.isoDate(serial: 0, date1904: true) == nil)
        #expect(XLSXDate.isoDate(serial: 43830, date1904: true) == "2024-01-01")
        #expect(XLSXDate.period(serial: 45323.75) == Period(year: 2024, month: 2))
        #expect(XLSXReader.columnIndex(ofReference: "A1") == 0)
        #expect(XLSXReader.columnIndex(ofReference: "Z9") == 25)
        #expect(XLSXReader.columnIndex(ofReference: "AA10") == 26)
        #expect(XLSXReader.columnIndex(ofReference: "XFD1") == 16383)
    }

    // MARK: ZIP bombs (built at test time: a few MB of markup compressing to a few KB)

    /// A workbook whose sheet inflates to `sheetBytes`; `declaredSheetSize` patches the ZIP's size fields (a lie).
    func bomb(sheetBytes: Int, declaredSheetSize: UInt32? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bomb-\(UUID().uuidString).xlsx")
        let archive = try Archive(url: url, accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: .deflate) { pos, size in data.subdata(in: Int(pos)..<Int(pos) + size) }
        }
        try add("xl/workbook.xml", #"<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#)
        try add("xl/_rels/workbook.xml.rels", #"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#)
        var sheet = Data(#"<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>h</t></is></c></row>"#.utf8)
        let tail = Data("</sheetData></worksheet>".utf8)
        let unit = Data("<row/>".utf8)
        while sheet.count + unit.count + tail.count <= sheetBytes { sheet.append(unit) }
        sheet.append(tail)
        let content = sheet
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(content.count),
                             compressionMethod: .deflate) { pos, size in content.subdata(in: Int(pos)..<Int(pos) + size) }
        if let declared = declaredSheetSize {
            var bytes = try Data(contentsOf: url)
            let name = Data("xl/worksheets/sheet1.xml".utf8)
            func patch(signature: [UInt8], sizeOffset: Int, nameOffset: Int) {
                var i = 0
                while i + nameOffset + name.count <= bytes.count {
                    if bytes[i] == signature[0], bytes[i + 1] == signature[1], bytes[i + 2] == signature[2],
                       bytes[i + 3] == signature[3], bytes.subdata(in: (i + nameOffset)..<(i + nameOffset + name.count)) == name {
                        for k in 0..<4 { bytes[i + sizeOffset + k] = UInt8((declared >> (8 * UInt32(k))) & 0xFF) }
                    }
                    i += 1
                }
            }
            patch(signature: [0x50, 0x4B, 0x01, 0x02], sizeOffset: 24, nameOffset: 46)  // central directory
            patch(signature: [0x50, 0x4B, 0x03, 0x04], sizeOffset: 22, nameOffset: 30)  // local header
            try bytes.write(to: url)
        }
        return url
    }

    @Test func declaredSizeOverLimitIsRefused() throws {
        let url = try bomb(sheetBytes: 4 << 20)
        defer { try? FileManager.default.removeItem(at: url) }
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(size <= 200_000)
        let def = F.definition(.chinaCustomsXLSX, options: ["max_entry_bytes": .scalar("1048576")])
        let error = #expect(throws: Diagnostic.self) {
            _ = try F.read(reader, RawFile(url: url, displayPath: "Raw/china-customs/bomb.xlsx"), def)
        }
        #expect(error?.message.contains("possible ZIP bomb") == true)
        #expect(error?.location?.file == "Raw/china-customs/bomb.xlsx")
        let total = F.definition(.chinaCustomsXLSX, options: ["max_total_bytes": .scalar("2000000")])
        #expect(throws: Diagnostic.self) {
            _ = try F.read(reader, RawFile(url: url, displayPath: "bomb.xlsx"), total)
        }
    }

    @Test func lyingSizeIsCaughtWhileStreaming() throws {
        let url = try bomb(sheetBytes: 4 << 20, declaredSheetSize: 1000)
        defer { try? FileManager.default.removeItem(at: url) }
        let def = F.definition(.chinaCustomsXLSX, options: ["max_entry_bytes": .scalar("1048576")])
        let error = #expect(throws: Diagnostic.self) {
            _ = try F.read(reader, RawFile(url: url, displayPath: "Raw/china-customs/liar.xlsx"), def)
        }
        #expect(error?.message.contains("inflates past the limit") == true)
        #expect(error?.location?.file == "Raw/china-customs/liar.xlsx!xl/worksheets/sheet1.xml")
        // Within the default limits the same archive is fine (the rows have no cells).
        let ok = try F.read(reader, RawFile(url: url, displayPath: "liar.xlsx"), F.definition(.chinaCustomsXLSX))
        #expect(ok.isEmpty)
    }
}
