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

    // MARK: Period cells: numbers checked as YYYYMM, serials only in cells styled as dates

    /// A one-sheet workbook built at test time: `rows` are the sheet's `<row>` elements, `styles` its
    /// xl/styles.xml (nil: none).
    func workbook(styles: String?, rows: [String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("exports-2024.xlsx")
        let archive = try Archive(url: url, accessMode: .create)
        try addText(#"<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#,
                    as: "xl/workbook.xml", to: archive)
        var rels = #"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>"#
        if let styles {
            rels += #"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#
            try addText(styles, as: "xl/styles.xml", to: archive)
        }
        try addText(rels + "</Relationships>", as: "xl/_rels/workbook.xml.rels", to: archive)
        try addText("<worksheet><sheetData>" + rows.joined() + "</sheetData></worksheet>", as: "xl/worksheets/sheet1.xml",
                    to: archive)
        return url
    }

    @Test func periodNumbersAreCheckedAndOnlyDateStyledCellsAreSerials() throws {
        // Cell formats: 0 General, 1 built-in date (numFmtId 14), 2 custom yyyy-mm, 3 custom #,##0 (a number).
        let styles = #"""
            <styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy\-mm"/><numFmt numFmtId="165" formatCode="#,##0"/></numFmts>
            <cellStyleXfs><xf numFmtId="0"/></cellStyleXfs>
            <cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs></styleSheet>
            """#
        func text(_ ref: String, _ s: String) -> String { "<c r=\"\(ref)\" t=\"inlineStr\"><is><t>\(s)</t></is></c>" }
        func row(_ n: Int, period: String, style: Int? = nil) -> String {
            let s = style.map { " s=\"\($0)\"" } ?? ""
            return "<row r=\"\(n)\"><c r=\"A\(n)\"\(s)><v>\(period)</v></c><c r=\"B\(n)\"><v>28469014</v></c>" + text("C\(n)", "日本")
                + "<c r=\"D\(n)\"><v>10</v></c>" + text("E\(n)", "千克") + "<c r=\"F\(n)\"><v>\(n * 100)</v></c></row>"
        }
        let names = ["数据年月", "商品编码", "贸易伙伴名称", "第一数量", "第一计量单位", "美元"]
        let header = "<row r=\"1\">" + zip("ABCDEF", names).map { text("\($0)1", $1) }.joined() + "</row>"
        let url = try workbook(styles: styles, rows: [
            header,
            row(2, period: "202401"),           // YYYYMM
            row(3, period: "2024"),             // a year, not a month (as a serial: 1905-07)
            row(4, period: "20240"),            // (as a serial: 1955-05)
            row(5, period: "202413"),           // no month 13 (as a serial: 2454-03)
            row(6, period: "45323", style: 1),  // 2024-02-01 in a date cell
            row(7, period: "45352", style: 2),  // 2024-03-01 in a custom date format
            row(8, period: "45292"),            // a serial's digits in a General cell: just a number
            row(9, period: "45383", style: 3),  // a number format, not a date
            row(10, period: "202405", style: 0),
        ])
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let def = F.definition(.chinaCustomsXLSX, options: ["date_columns": .list([F.scalar("数据年月")])])
        let out = try F.read(XLSXTableReader { ChinaCustomsNormalizer() },
                             RawFile(url: url, displayPath: "Raw/china-customs/exports-2024.xlsx"), def)
        #expect(F.trades(out).map { "\($0.period) @\($0.rawLine)" } == ["2024-01 @2", "2024-02 @6", "2024-03 @7", "2024-05 @10"])
        let rejected = F.rejected(out)
        #expect(rejected.map(\.location.line) == [3, 4, 5, 8, 9])
        #expect(rejected.map(\.reason) == ["2024", "20240", "202413", "45292", "45383"].map {
            "impossible period \"\($0)\" in 数据年月 (expected YYYYMM)"
        })
    }

    @Test(arguments: [("yyyy-mm-dd", true), ("m/d/yy", true), (#"[$-804]yyyy"年"m"月""#, true), ("[h]:mm", true),
                      ("General", false), ("#,##0.00", false), ("0.00E+00", false), (#""days" 0"#, false),
                      ("[Red]#,##0", false), ("#,##0_);(#,##0)", false), ("@", false)])
    func dateFormatCodes(code: String, isDate: Bool) {
        #expect(XLSXReader.isDateFormatCode(code) == isDate)
    }

    // MARK: ZIP bombs (built at test time: a few MB of markup compressing to a few KB)

    /// A workbook whose sheet inflates to `sheetBytes`; `declaredSheetSize` patches the ZIP's size fields (a lie).
    func bomb(sheetBytes: Int, declaredSheetSize: UInt32? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bomb-\(UUID().uuidString).xlsx")
        let archive = try Archive(url: url, accessMode: .create)
        func add(_ path: String, _ text: String) throws { try addText(text, as: path, to: archive) }
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

    /// A stored (uncompressed) sheet with one byte changed after the archive was written: it
    /// inflates, but its CRC-32 no longer matches the one the ZIP records.
    @Test func damagedEntryIsRefusedByItsChecksum() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("damaged-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let archive = try Archive(url: url, accessMode: .create)
        try addText(#"<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#, as: "xl/workbook.xml", to: archive)
        try addText(#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#,
                    as: "xl/_rels/workbook.xml.rels", to: archive)
        let sheet = Data("<worksheet><sheetData>\n<row r=\"1\"><c t=\"inlineStr\"><is><t>h</t></is></c></row>\n"
            .appending("<row r=\"2\"><c t=\"inlineStr\"><is><t>intact</t></is></c></row>\n</sheetData></worksheet>\n").utf8)
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(sheet.count),
                             compressionMethod: .none) { pos, size in sheet.subdata(in: Int(pos)..<Int(pos) + size) }
        var bytes = try Data(contentsOf: url)
        let marker = Data("intact".utf8)
        let at = try #require(bytes.range(of: marker))
        bytes[at.lowerBound] = UInt8(ascii: "I")
        try bytes.write(to: url)
        let error = #expect(throws: Diagnostic.self) {
            _ = try F.read(reader, RawFile(url: url, displayPath: "Raw/china-customs/damaged.xlsx"), F.definition(.chinaCustomsXLSX))
        }
        #expect(error?.message == "cannot read ZIP entry xl/worksheets/sheet1.xml: its CRC-32 does not match (damaged file)")
        #expect(error?.location?.file == "Raw/china-customs/damaged.xlsx!xl/worksheets/sheet1.xml")
    }
}

/// Adds `text` to `archive` as a deflated entry.
private func addText(_ text: String, as path: String, to archive: Archive) throws {
    let data = Data(text.utf8)
    try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                         compressionMethod: .deflate) { pos, size in data.subdata(in: Int(pos)..<Int(pos) + size) }
}
