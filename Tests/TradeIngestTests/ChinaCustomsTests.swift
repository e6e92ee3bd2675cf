import Foundation
import Testing
import TradeConfig
import TradeCore
import TradeTestSupport
@testable import TradeIngest

private let reader = ChinaCustomsCSVReader()

private func read(_ name: String, _ definition: SourceDefinition = TestSupport.definition(.chinaCustomsCSV)) throws -> TestSupport.Read {
    try TestSupport.read(reader, url: TestSupport.fixture("china/\(name)"), display: "Raw/china-customs/\(name)",
                         definition: definition)
}

@Test(arguments: ["customs-export-monthly.gb18030.csv", "customs-export-monthly.utf8.csv"])
func monthlyExportInBothEncodings(file: String) throws {
    let r = try read(file)
    let display = "Raw/china-customs/\(file)"
    // Good rows: kg, 吨, 克, 个, and a quoted "1,500" row.
    #expect(r.trades.count == 5)
    let sgp = try #require(r.trades.first { $0.partner == "SGP" })
    #expect(sgp == TradeRow(period: Period(year: 2024, month: 1), reporter: "CHN", partner: "SGP", flow: .export,
                            hsCode: "28469014", quantityKg: 5000, valueUSD: 143000, valuation: .fob, rawLine: 2))
    #expect(r.trades.first { $0.partner == "DEU" }?.quantityKg == 712345)          // 712.345 吨
    #expect(r.trades.first { $0.partner == "KOR" }?.quantityKg == 2.5)             // 2500 克
    let hkg = try #require(r.trades.first { $0.partner == "HKG" })                  // 120 个
    #expect(hkg.quantityKg == nil && hkg.valueUSD == 3600)
    let tur = try #require(r.trades.first { $0.partner == "TUR" })
    #expect(tur.period == Period(year: 2024, month: 2) && tur.quantityKg == 1500 && tur.valueUSD == 45000 && tur.rawLine == 12)

    // Each bad row: file, line, column, column name and reason.
    let expected: [(Int, Int, String, String)] = [
        (6, 1, "数据年月", "impossible period \"202313\" in 数据年月 (expected YYYYMM)"),
        (7, 8, "商品编码", "commodity code \"2846901\" is not 8 digits (or a 10-digit national line)"),
        (8, 22, "贸易伙伴名称", "unknown partner \"火星\" (add it to reference/countries.csv aliases)"),
        (9, 26, "第一数量", "quantity \"-5\" is negative"),
        (10, 26, "第一数量", "quantity \"abc\" is not a number"),
        (11, 34, "美元", "empty value"),
    ]
    #expect(r.rejected.count == expected.count)
    for (line, column, name, reason) in expected {
        let row = try #require(r.rejectedAt(line: line))
        #expect(row.location == SourceLocation(file: display, line: line, column: column))
        #expect(row.columnName == name)
        #expect(row.reason == reason)
    }
    #expect(r.rejectedAt(line: 8)?.rawText == "202401,28469014,氧化铕,,火星,10,千克,,,100")
    // Balance: 11 data rows read (the all-comma row is blank, not read) = 5 loaded + 6 rejected.
    #expect(r.summary.records == 11 && r.summary.blankRows == 1)
    #expect(r.summary.rowsEmitted == 5 && r.summary.rowsRejected == 6 && r.summary.isBalanced)
}

@Test func yuanAreConvertedAndPeriodAndFlowComeFromTheFileName() throws {
    // UTF-8 with BOM, CRLF, no 数据年月, 人民币 values: 7,189,000 CNY / 7.189 = 1,000,000 USD.
    let r = try read("customs-import-202403.csv")
    #expect(r.rejected.isEmpty)
    #expect(r.trades == [
        TradeRow(period: Period(year: 2024, month: 3), reporter: "CHN", partner: "MMR", flow: .import, hsCode: "28469015",
                 quantityKg: 1000, valueUSD: 1_000_000, valuation: .cif, rawLine: 2),
        TradeRow(period: Period(year: 2024, month: 3), reporter: "CHN", partner: "JPN", flow: .import, hsCode: "28469016",
                 quantityKg: 2000, valueUSD: 200_000, valuation: .cif, rawLine: 3),
    ])
}

@Test func missingRateIsARejectedRowNamingCurrencyAndPeriod() throws {
    let r = try read("customs-import-201003.csv")
    #expect(r.trades.isEmpty)
    let row = try #require(r.rejected.first)
    #expect(row.reason == "no CNY per USD rate for 2010-03 (add it to reference/fx_rates.csv)")
    #expect(row.location == SourceLocation(file: "Raw/china-customs/customs-import-201003.csv", line: 2, column: 25))
    #expect(row.columnName == "人民币")
    #expect(r.summary.isBalanced)
}

@Test func periodFromConstantsWhenTheFileNameHasNone() throws {
    let url = try TestSupport.temporaryFile("商品编码,贸易伙伴名称,第一数量,第一计量单位,美元\n28469014,新加坡,1,千克,10\n", name: "exports.csv")
    let def = TestSupport.definition(.chinaCustomsCSV, constants: ["period": "2024-05"])
    let r = try TestSupport.read(reader, url: url, display: "Raw/exports.csv", definition: def)
    #expect(r.trades.first?.period == Period(year: 2024, month: 5))
    #expect(r.trades.first?.flow == .export)
    let none = diagnostic {
        _ = try TestSupport.read(reader, url: url, display: "Raw/exports.csv", definition: TestSupport.definition(.chinaCustomsCSV))
    }
    #expect(none?.location == SourceLocation(file: "Raw/exports.csv", line: 1, column: 1))
    #expect(none?.message.hasPrefix("no 数据年月 column") == true)
}

@Test func missingRequiredColumnIsLocatedAtTheHeader() throws {
    let url = try TestSupport.temporaryFile("数据年月,贸易伙伴名称,第一数量,第一计量单位,美元\n202401,新加坡,1,千克,10\n", name: "export.csv")
    let d = diagnostic {
        _ = try TestSupport.read(reader, url: url, display: "Raw/export.csv", definition: TestSupport.definition(.chinaCustomsCSV))
    }
    #expect(d?.location == SourceLocation(file: "Raw/export.csv", line: 1, column: 1))
    #expect(d?.message.hasPrefix("required column \"商品编码\"") == true)
}

@Test func sumOverTradeModesMergesAndStillBalances() throws {
    let def = TestSupport.definition(.chinaCustomsCSV, options: ["sum_over": TestSupport.optionList(["trade_mode"])])
    let r = try read("customs-export-trade-modes.csv", def)
    #expect(r.trades.map(\.partner) == ["SGP", "TUR"])
    #expect(r.trades[0].quantityKg == 1500 && r.trades[0].valueUSD == 45000 && r.trades[0].rawLine == 2)
    #expect(r.rejected.map(\.location.line) == [5])
    // 4 records = 2 rows + 1 rejected + 1 merged into line 2.
    #expect(r.summary.records == 4 && r.summary.recordsMerged == 1 && r.summary.isBalanced)

    let plain = try read("customs-export-trade-modes.csv")
    #expect(plain.trades.count == 3)
    #expect(plain.summary.recordsMerged == 0 && plain.summary.isBalanced)
}

@Test func cumulativeFiguresAreDifferencedAndAFallIsRejected() throws {
    let r = try read("customs-export-cumulative.csv", TestSupport.definition(.chinaCustomsCSV, cumulative: true))
    let rows = r.trades.map { "\($0.period) \($0.partner) \($0.quantityKg ?? -1) \($0.valueUSD ?? -1) @\($0.rawLine)" }
    #expect(rows == [
        "2024-01 SGP 100.0 1000.0 @2",
        "2024-01 TUR 10.0 90.0 @3",
        "2024-02 SGP 150.0 1600.0 @4",
        "2024-04 SGP 160.0 1500.0 @6",
        "2024-04 TUR 20.0 210.0 @7",
    ])
    let fell = try #require(r.rejectedAt(line: 5))
    #expect(fell.reason == "cumulative figure fell from 2600 to 2500: revision?")
    #expect(fell.columnName == "美元")
    #expect(r.summary.records == 6 && r.summary.isBalanced)
}

@Test func truncatedFileIsALocatedError() {
    let d = diagnostic { _ = try read("customs-export-truncated.csv") }
    #expect(d?.location == SourceLocation(file: "Raw/china-customs/customs-export-truncated.csv", line: 2, column: 17))
    #expect(d?.message.hasPrefix("truncated mid-row") == true)
}

@Test(arguments: [
    ("202401", Period(year: 2024, month: 1)), ("2024-01", Period(year: 2024, month: 1)),
    ("2024年1月", Period(year: 2024, month: 1)), ("2024/12", Period(year: 2024, month: 12)),
    ("202313", nil), ("2024", nil), ("", nil),
] as [(String, Period?)])
func periodParsing(text: String, expected: Period?) {
    #expect(ChinaCustomsNormalizer.parsePeriod(text) == expected)
}

@Test func fileNameHints() {
    #expect(ChinaCustomsNormalizer.period(inFileName: "稀土出口-202401.csv") == Period(year: 2024, month: 1))
    #expect(ChinaCustomsNormalizer.period(inFileName: "exports_2024-03.csv") == Period(year: 2024, month: 3))
    #expect(ChinaCustomsNormalizer.period(inFileName: "exports.csv") == nil)
    #expect(ChinaCustomsNormalizer.flow(inFileName: "稀土出口-202401.csv") == .export)
    #expect(ChinaCustomsNormalizer.flow(inFileName: "进口.csv") == .import)
    #expect(ChinaCustomsNormalizer.flow(inFileName: "data.csv") == nil)
}

@Test func unknownCanonicalFieldInColumnsIsLocatedInTheYAML() {
    var def = TestSupport.definition(.chinaCustomsCSV)
    def.columns = ["partnr": ["国家"]]
    def.keyLocations["columns.partnr"] = SourceLocation(file: "Pipelines/test.yaml", line: 9, column: 11)
    let d = diagnostic { _ = try read("customs-export-monthly.utf8.csv", def) }
    #expect(d?.location == SourceLocation(file: "Pipelines/test.yaml", line: 9, column: 11))
    #expect(d?.message.hasPrefix("unknown column field \"partnr\"") == true)
}

/// `trimmingWhitespace` answers from the end scalars' bytes; it must trim exactly what Foundation's
/// `trimmingCharacters(in: .whitespaces)` trims (tab and the Zs spaces, ASCII or not, at either end).
@Suite struct WhitespaceTests {
    @Test(arguments: ["新加坡", " 新加坡", "新加坡\t", "\u{3000}新加坡", "新加坡\u{00A0}", "\u{2009}x\u{202F}", "x\u{205F}",
                      "\u{1680}", "é", "€", "😀", "a😀", "😀 ", "", " ", "\t\t", "中\u{200B}", "\u{FEFF}x", "a b", "x\n"])
    func trimsAsFoundationDoes(_ text: String) {
        #expect(text.trimmingWhitespace == text.trimmingCharacters(in: .whitespaces))
    }

    /// The scalar test is Foundation's set, scalar for scalar, over the Basic Multilingual Plane.
    @Test func whitespaceIsFoundationsSet() {
        var differ: [UInt32] = []
        for v in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(v) else { continue }
            if String.isWhitespace(scalar) != CharacterSet.whitespaces.contains(scalar) { differ.append(v) }
        }
        #expect(differ.isEmpty, "\(differ.map { String($0, radix: 16) })")
    }
}
