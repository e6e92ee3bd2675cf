import Foundation
import Testing
import TradeConfig
import TradeCore
@testable import TradeIngest

/// Rows that must not become figures: a repeated record summed by `sum_over`, and a last line
/// cut short by a truncated download. Built from the committed sample export (GB18030, CRLF).
@Suite struct DuplicateAndCutRowTests {
    let reader = ChinaCustomsCSVReader()
    let sample = FormatsFixtures.repoRoot.appendingPathComponent("Raw/china-customs/exports-2024.csv")
    let display = "Raw/china-customs/exports-2024.csv"
    /// As Pipelines/china-customs.yaml: trade-mode and region rows are summed.
    let definition = TestSupport.definition(.chinaCustomsCSV,
                                            options: ["sum_over": TestSupport.optionList(["trade_mode", "region"])])

    func read(_ bytes: [UInt8], _ definition: SourceDefinition? = nil) throws -> TestSupport.Read {
        let url = try TestSupport.temporaryFile(bytes, name: "exports-2024.csv")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        return try TestSupport.read(reader, url: url, display: display, definition: definition ?? self.definition)
    }

    func sampleBytes() throws -> [UInt8] { Array(try Data(contentsOf: sample)) }

    // MARK: Duplicates

    @Test func aFileConcatenatedWithItselfKeepsItsTotals() throws {
        let bytes = try sampleBytes()
        #expect(bytes.suffix(2) == [0x0D, 0x0A])
        let lines = bytes.filter { $0 == 0x0A }.count  // every line ends in CRLF
        let once = try read(bytes)
        #expect(!once.trades.isEmpty && once.summary.recordsMerged == 0)

        // `cat a a > a`: the second copy starts with the header again, at line lines + 1.
        let twice = try read(bytes + bytes)
        // The loaded figures are the first copy's, line for line: no total is doubled.
        #expect(twice.trades == once.trades)
        let kg = { (rows: [TradeRow]) in rows.reduce(0) { $0 + ($1.quantityKg ?? 0) } }
        #expect(kg(twice.trades) == kg(once.trades))
        #expect(twice.summary.recordsMerged == 0)
        // Each line of the second copy that loaded in the first is a duplicate of it.
        for row in once.trades {
            let repeated = try #require(twice.rejectedAt(line: row.rawLine + lines))
            #expect(repeated.reason == "duplicate figure: same period, partner and hs_code as line \(row.rawLine) of this file "
                    + "(sum_over adds only records that differ in trade_mode, region; this file has no such column)")
            #expect(repeated.columnName == "美元")
        }
        // The repeated header is a bad period; the first copy's rejects are rejected again.
        #expect(twice.rejectedAt(line: lines + 1)?.columnName == "数据年月")
        for row in once.rejected { #expect(twice.rejectedAt(line: row.location.line + lines)?.reason == row.reason) }
        #expect(twice.rejected.count == once.rejected.count * 2 + 1 + once.trades.count)
        #expect(twice.summary.records == once.summary.records * 2 + 1 && twice.summary.isBalanced)
    }

    @Test func sumOverAddsDifferentTradeModesAndRejectsARepeatedOne() throws {
        let text = """
            数据年月,商品编码,贸易伙伴名称,贸易方式编码,贸易方式名称,第一数量,第一计量单位,美元
            202401,28469014,新加坡,10,一般贸易,1000,千克,30000
            202401,28469014,新加坡,14,进料加工贸易,500,千克,15000
            202401,28469014,新加坡,10,一般贸易,1000,千克,30000
            202401,28469014,土耳其,10,一般贸易,200,千克,6000

            """
        let r = try read(Array(text.utf8), TestSupport.definition(.chinaCustomsCSV,
                                                                  options: ["sum_over": TestSupport.optionList(["trade_mode"])]))
        // Singapore: lines 2 + 3 (1000 + 500 kg, 30000 + 15000 USD); line 4 repeats line 2.
        #expect(r.trades.map(\.partner) == ["SGP", "TUR"])
        #expect(r.trades[0].quantityKg == 1500 && r.trades[0].valueUSD == 45000)
        #expect(r.rejected.map(\.location.line) == [4])
        #expect(r.rejected.first?.reason == "duplicate figure: same period, partner, hs_code and 贸易方式编码, 贸易方式名称 as line 2 of this file")
        #expect(r.rejected.first?.location == SourceLocation(file: display, line: 4, column: 37))
        // 4 records = 2 rows + 1 rejected + 1 merged.
        #expect(r.summary.records == 4 && r.summary.recordsMerged == 1 && r.summary.isBalanced)
    }

    @Test func aRepeatedCumulativeFigureIsRejectedNotDifferenced() throws {
        let text = """
            数据年月,商品编码,贸易伙伴名称,第一数量,第一计量单位,美元
            202401,28469014,新加坡,100,千克,1000
            202402,28469014,新加坡,250,千克,2600
            202402,28469014,新加坡,250,千克,2600

            """
        let r = try read(Array(text.utf8), TestSupport.definition(.chinaCustomsCSV, cumulative: true))
        // February alone: 2600 - 1000 USD, 250 - 100 kg.
        #expect(r.trades.map { "\($0.period) \($0.quantityKg ?? -1) \($0.valueUSD ?? -1) @\($0.rawLine)" }
                == ["2024-01 100.0 1000.0 @2", "2024-02 150.0 1600.0 @3"])
        #expect(r.rejected.map(\.location.line) == [4])
        #expect(r.rejected.first?.reason == "duplicate figure: same period, partner and hs_code as line 3 of this file")
        #expect(r.summary.isBalanced)
    }

    // MARK: A last line without a line ending

    /// The sample without its final CRLF, and where its last line and last field start.
    func unterminatedSample() throws -> (bytes: [UInt8], lastLine: Int, lineStart: Int, valueStart: Int) {
        var bytes = try sampleBytes()
        let lastLine = bytes.filter { $0 == 0x0A }.count
        bytes.removeLast(2)
        let lineStart = bytes.lastIndex(of: 0x0A)! + 1
        let valueStart = bytes.lastIndex(of: UInt8(ascii: ","))! + 1
        return (bytes, lastLine, lineStart, valueStart)
    }

    @Test func aFileCutInsideItsLastValueDoesNotLoadTheCutFigure() throws {
        let whole = try read(try sampleBytes())
        let (bytes, lastLine, _, valueStart) = try unterminatedSample()
        let value = String(decoding: bytes[valueStart...], as: UTF8.self)
        #expect(value.count >= 4 && value.allSatisfy(\.isNumber))
        #expect(whole.trades.last?.rawLine == lastLine)

        // Cut two digits off the last value: the rest still parses as a (wrong) number.
        let cut = try read(Array(bytes.dropLast(2)))
        let row = try #require(cut.rejectedAt(line: lastLine))
        #expect(row.reason == "last line has no line ending and may be incomplete (file cut?): its last field "
                + "\"\(value.dropLast(2))\" is a number that may have lost digits; end the file with a line ending if it is whole")
        #expect(row.columnName == "美元")
        #expect(row.location.column != nil)
        #expect(cut.trades == Array(whole.trades.dropLast()))
        #expect(cut.summary.records == whole.summary.records && cut.summary.isBalanced)

        // The same line whole but without its line ending cannot be told from a cut one: refused alike.
        let unterminated = try read(bytes)
        #expect(unterminated.rejectedAt(line: lastLine)?.reason.contains("\"\(value)\" is a number that may have lost digits") == true)
        #expect(unterminated.trades == Array(whole.trades.dropLast()))
    }

    @Test func aFileCutBetweenFieldsOfItsLastLineIsRejected() throws {
        let (bytes, lastLine, lineStart, _) = try unterminatedSample()
        // Keep the last line's first five fields (up to 贸易伙伴名称): the header has ten.
        var commas = 0
        let end = bytes[lineStart...].firstIndex { b in
            if b == UInt8(ascii: ",") { commas += 1 }
            return commas == 5
        }!
        let r = try read(Array(bytes[..<end]))
        let row = try #require(r.rejectedAt(line: lastLine))
        #expect(row.reason == "last line has no line ending and is incomplete (file cut?): 5 of the header's 10 fields")
        #expect(row.columnName == "贸易伙伴名称")
        #expect(r.summary.isBalanced)
    }

    @Test func aCompleteLastLineWithoutLineEndingStillLoads() throws {
        let whole = try read(try sampleBytes())
        let (bytes, lastLine, _, valueStart) = try unterminatedSample()
        // A quoted last value shows where it ends.
        let quoted = Array(bytes[..<valueStart]) + [0x22] + Array(bytes[valueStart...]) + [0x22]
        let r = try read(quoted)
        #expect(r.trades == whole.trades)
        #expect(r.rejectedAt(line: lastLine) == nil)
        // A last field that is text, or empty, cannot lose digits.
        let header = "数据年月,商品编码,贸易伙伴名称,第一数量,美元,第一计量单位\n"
        let text = try read(Array((header + "202401,28469014,新加坡,1000,30000,千克").utf8))
        #expect(text.trades.map(\.quantityKg) == [1000] && text.rejected.isEmpty)
        let empty = try read(Array((header + "202401,28469014,新加坡,,30000,").utf8))
        #expect(empty.trades.map(\.valueUSD) == [30000] && empty.rejected.isEmpty)
    }

    @Test(arguments: ["1618401", "16,184", "-3", "1.5e3", " 7 "])
    func numbersAreRecognized(_ text: String) {
        #expect(Array(text.utf8).withUnsafeBufferPointer(LastLineCheck.isNumber))
    }

    @Test(arguments: ["千克", "", "kg", "e", "N/A", "2024年"])
    func textIsNotANumber(_ text: String) {
        #expect(!Array(text.utf8).withUnsafeBufferPointer(LastLineCheck.isNumber))
    }
}
