import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// Detection's one pass: rows set aside by family in a temporary file come back whole, and the
/// files a family's rows came from answer a finding's citation.
@Suite struct FamilySpillTests {
    static func row(_ period: String, _ reporter: String, _ partner: String, _ code: String, flow: Flow = .export,
                    kg: Double? = 1, usd: Double? = 2, line: Int) throws -> TradeRow {
        let period = try #require(Period(period), "not a period: \(period)")
        return TradeRow(period: period, reporter: reporter, partner: partner, flow: flow, hsCode: code, quantityKg: kg,
                        valueUSD: usd, rawLine: line)
    }

    /// 30 000 rows over three families (more than one chunk each), every field varied: each
    /// family's rows come back equal and in the order added, with their source and file.
    @Test func rowsComeBackWholeByFamily() throws {
        let spill = try FamilySpill()
        var expected: [String: [(TradeRow, String, Int64)]] = [:]
        for i in 0..<30_000 {
            let code = ["28469015", "2846", "810520", "28"][i % 4]
            var row = try Self.row(i % 3 == 0 ? "2024" : "2024-\(String(format: "%02d", i % 12 + 1))",
                                   ["CHN", "USA", "TÜR"][i % 3], "P\(i % 7)Z", code,
                                   flow: Flow.allCases[i % 4], kg: i % 5 == 0 ? nil : Double(i) / 3,
                                   usd: i % 6 == 0 ? nil : -Double(i), line: i + 2)
            row.hsEdition = i % 2 == 0 ? nil : "H\(i % 7)"
            row.valuation = [.fob, .cif, .unknown][i % 3]
            row.quantityEstimated = i % 4 == 0
            let source = i % 2 == 0 ? "comtrade" : "china-customs"
            try spill.add(row, source: source, file: Int64(i % 11))
            expected[TradeCube.family(code), default: []].append((row, source, Int64(i % 11)))
        }
        #expect(spill.families == ["28", "2846", "8105"])
        #expect(spill.rows == 30_000)
        for family in spill.families {
            var got: [(TradeRow, String, Int64)] = []
            try spill.forEachRow(inFamily: family) { got.append(($0, $1, $2)) }
            let want = expected[family] ?? []
            #expect(got.count == want.count)
            #expect(zip(got, want).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 })
        }
        var none = 0
        try spill.forEachRow(inFamily: "7202") { _, _, _ in none += 1 }
        #expect(none == 0)
    }

    /// Codes under the prefix only; one partner or any; annual rows by year and monthly rows by
    /// month within the span; paths sorted, each once.
    @Test func familyFilesCiteTheRowsInTheFindingsSpan() throws {
        var files = FamilyFiles(paths: [1: "b/2023.csv", 2: "a/2024-01.csv", 3: "c/2024.csv", 4: "d/other-code.csv", 5: "e/jpn.csv"])
        files.add(try Self.row("2023", "CHN", "USA", "28469015", line: 2), source: "comtrade", file: 1)
        files.add(try Self.row("2024-01", "CHN", "USA", "28469015", line: 2), source: "comtrade", file: 2)
        files.add(try Self.row("2024", "CHN", "USA", "28469090", line: 3), source: "comtrade", file: 3)
        files.add(try Self.row("2024-03", "CHN", "USA", "28461000", line: 4), source: "comtrade", file: 4)
        files.add(try Self.row("2024-02", "CHN", "JPN", "28469015", line: 5), source: "comtrade", file: 5)
        files.add(try Self.row("2024-02", "CHN", "USA", "28469015", flow: .import, line: 6), source: "comtrade", file: 5)
        func cite(_ prefix: String, _ partner: String?, _ from: String, _ to: String) -> [String] {
            files.files(source: "comtrade", declarer: "CHN", flow: .export, codePrefix: prefix, partner: partner, from: from, to: to)
        }
        #expect(cite("284690", "USA", "2023", "2024") == ["a/2024-01.csv", "b/2023.csv", "c/2024.csv"])
        #expect(cite("28469015", "USA", "2023", "2024") == ["a/2024-01.csv", "b/2023.csv"])
        #expect(cite("2846", nil, "2024-02", "2024-03") == ["c/2024.csv", "d/other-code.csv", "e/jpn.csv"])
        // An annual row counts when its year is in the span, whatever the span's months.
        #expect(cite("2846", "USA", "2024-02", "2024-02") == ["c/2024.csv"])
        #expect(cite("2846", "USA", "2023-12", "2024-01") == ["a/2024-01.csv", "b/2023.csv", "c/2024.csv"])
        #expect(cite("2846", "USA", "2025", "2024").isEmpty)
        #expect(files.files(source: "china-customs", declarer: "CHN", flow: .export, codePrefix: "2846", partner: nil,
                            from: "2023", to: "2024").isEmpty)
    }
}
