import Foundation
import Testing
import TradeCore
import TradeConfig
import TradeTestSupport
@testable import TradeIngest

@Suite struct NumberGrammarTests {
    typealias Figure = NumberParsing.Figure

    @Test(arguments: [
        ("12.5", true, .value(12.5)), ("007", false, .value(7)), (".5", false, .value(0.5)), ("12.", false, .value(12)),
        ("1e3", false, .value(1000)), ("2.5E-1", false, .value(0.25)), ("1,234", true, .value(1234)),
        ("5,000", true, .value(5000)), ("1,234,567.25", true, .value(1_234_567.25)), ("1e-400", false, .value(0)),
        ("-1", false, .flawed(.negative(-1))), ("-1,234.5", true, .flawed(.negative(-1234.5))),
        ("1e309", false, .flawed(.notFinite)), ("inf", false, .flawed(.notFinite)), ("-Infinity", false, .flawed(.notFinite)),
        ("NaN", false, .flawed(.notFinite)), ("0x10", false, .flawed(.notANumber)), ("0x1p-3", false, .flawed(.notANumber)),
        ("+5", false, .flawed(.notANumber)), ("1,234", false, .flawed(.notANumber)), ("1234,5", true, .flawed(.notANumber)),
        ("12,34", true, .flawed(.notANumber)), ("1,5", true, .flawed(.notANumber)), ("0,500", true, .flawed(.notANumber)),
        ("1,2345", true, .flawed(.notANumber)), ("1,234,", true, .flawed(.notANumber)), (",123", true, .flawed(.notANumber)),
        ("1.234,5", true, .flawed(.notANumber)), ("", false, .flawed(.notANumber)), (".", false, .flawed(.notANumber)),
        ("-", false, .flawed(.notANumber)), ("1e", false, .flawed(.notANumber)), ("1 2", false, .flawed(.notANumber)),
        (" 1", false, .flawed(.notANumber)), ("５", false, .flawed(.notANumber)),
    ] as [(String, Bool, Figure)])
    func grammar(_ text: String, grouping: Bool, expected: Figure) {
        #expect(NumberParsing.figure(text, grouping: grouping) == expected)
    }

    @Test func fourHundredDigitsAreNotFinite() {
        #expect(NumberParsing.figure(String(repeating: "9", count: 400), grouping: false) == .flawed(.notFinite))
        #expect(NumberParsing.figure("0." + String(repeating: "9", count: 400), grouping: false) == .value(1))
    }

    /// The byte scanner against the regular-expression statement of the grammar, on generated texts.
    @Test func scannerMatchesTheOracle() throws {
        var rng = SeededGenerator(seed: 18)
        for _ in 0..<5_000 {
            let text = NumberGrammarOracle.text(&rng)
            for grouping in [false, true] {
                let expected: Figure = switch try NumberGrammarOracle.expected(text, grouping: grouping) {
                case .value(let v): .value(v)
                case .negative(let v): .flawed(.negative(v))
                case .notFinite: .flawed(.notFinite)
                case .notANumber: .flawed(.notANumber)
                }
                #expect(NumberParsing.figure(text, grouping: grouping) == expected, "\(text) grouping \(grouping)")
            }
        }
    }

    /// USGS cells and FX rates: signed, grouped, spaces around ignored; never infinite.
    @Test func decimalKeepsSignAndGroupsButNotInfinity() {
        #expect(NumberParsing.decimal(" 7,900 ") == 7900)
        #expect(NumberParsing.decimal("-12.5") == -12.5)
        #expect(NumberParsing.decimal("1e309") == nil)
        #expect(NumberParsing.decimal("12,34") == nil)
        #expect(NumberParsing.decimal("0x10") == nil)
    }
}

/// China customs quantities and values under the grammar: `,` only between groups of three.
@Suite struct ChinaCustomsNumberTests {
    static let header = "数据年月,商品编码,商品名称,贸易伙伴编码,贸易伙伴名称,第一数量,第一计量单位,第二数量,第二计量单位,美元\n"

    private func read(_ rows: [(String, String, String)]) throws -> TestSupport.Read {
        let body = rows.map { "202401,28053011,钕,,日本,\"\($0.0)\",\($0.1),,,\"\($0.2)\"\n" }.joined()
        let url = try TestSupport.temporaryFile(Self.header + body, name: "exports.csv")
        return try TestSupport.read(ChinaCustomsCSVReader(), url: url, display: "Raw/china-customs/exports.csv",
                                    definition: TestSupport.definition(.chinaCustomsCSV))
    }

    @Test func groupedAndExponentFiguresLoad() throws {
        let r = try read([("1,234", "千克", "5,000"), ("1,234,567.5", "千克", "12"), ("1.5E-3", "千克", "2.5E+3"), ("2", "吨", "0")])
        #expect(r.rejected.isEmpty)
        #expect(r.trades.map(\.quantityKg) == [1234, 1_234_567.5, 0.0015, 2000])
        #expect(r.trades.map(\.valueUSD) == [5000, 12, 2500, 0])
    }

    @Test func decimalCommasInfinityAndNegativesAreRejectedNamingTheColumn() throws {
        let cases: [(String, String, String, String, String)] = [   // quantity, unit, value → column, reason
            ("1234,5", "千克", "1", "第一数量", "quantity \"1234,5\" is not a number"),
            ("12,34", "千克", "1", "第一数量", "quantity \"12,34\" is not a number"),
            ("0,5", "千克", "1", "第一数量", "quantity \"0,5\" is not a number"),
            ("1,2345", "千克", "1", "第一数量", "quantity \"1,2345\" is not a number"),
            ("1", "千克", "1,5", "美元", "value \"1,5\" is not a number"),
            ("1e309", "千克", "1", "第一数量", "quantity \"1e309\" is not a finite number"),
            ("0x10", "千克", "1", "第一数量", "quantity \"0x10\" is not a number"),
            ("1", "千克", "inf", "美元", "value \"inf\" is not a finite number"),
            ("-5", "千克", "1", "第一数量", "quantity \"-5\" is negative"),
            ("1", "千克", "-0.5", "美元", "value \"-0.5\" is negative"),
            ("1e306", "吨", "1", "第一数量", "quantity \"1e306\" 吨 is not a finite number of kg"),
        ]
        let r = try read(cases.map { ($0.0, $0.1, $0.2) })
        #expect(r.trades.isEmpty)
        #expect(r.summary.records == cases.count && r.summary.isBalanced)
        for (i, c) in cases.enumerated() {
            let row = try #require(r.rejectedAt(line: i + 2), "\(c)")
            #expect(row.columnName == c.3)
            #expect(row.reason == c.4)
        }
    }

    /// Each figure is finite, their sum over trade modes is not: a rejected row, not infinity.
    @Test func sumsBeyondTheDoubleRangeAreRejected() throws {
        let text = """
            数据年月,商品编码,贸易伙伴名称,贸易方式编码,第一数量,第一计量单位,美元
            202401,28469014,新加坡,10,1,千克,1e308
            202401,28469014,新加坡,14,1,千克,1e308
            202401,28469014,日本,10,1e308,千克,1
            202401,28469014,日本,14,1e308,千克,1

            """
        let url = try TestSupport.temporaryFile(text, name: "exports.csv")
        let r = try TestSupport.read(ChinaCustomsCSVReader(), url: url, display: "Raw/china-customs/exports.csv",
                                     definition: TestSupport.definition(.chinaCustomsCSV,
                                                                        options: ["sum_over": TestSupport.optionList(["trade_mode"])]))
        #expect(r.trades.isEmpty)
        #expect(r.rejected.map(\.location.line) == [2, 4])
        #expect(r.rejected.map(\.reason) == ["value in USD is not a finite number (summed or converted beyond the Double range)",
                                            "quantity in kg is not a finite number (summed beyond the Double range)"])
        #expect(r.summary.records == 4 && r.summary.recordsMerged == 2 && r.summary.isBalanced)
    }
}
