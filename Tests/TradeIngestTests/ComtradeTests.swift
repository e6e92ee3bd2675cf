import Foundation
import Testing
import TradeCore
import TradeConfig
@testable import TradeIngest

private typealias F = FormatsFixtures

@Suite struct ComtradeTests {
    let csvDefinition = F.definition(.comtradeCSV)

    /// Real extract: 32 data rows (counted with python's csv module), all totals (partner2Code 0, C00, motCode 0).
    @Test func realAnnualExtractLoadsEveryTotal() throws {
        var n = ComtradeNormalizer()
        let out = try F.normalizeCSV("comtrade/us-china-2846-280530-2020-2021.csv", &n, definition: csvDefinition)
        #expect(out.count == 32)
        let trades = F.trades(out)
        #expect(trades.count == 32)
        #expect(F.rejected(out).isEmpty)

        // Line 2: USA (842, empty ISO) imports of 2846 from China (156), 2020.
        let first = try #require(trades.first { $0.rawLine == 2 })
        #expect(first.period == Period(year: 2020))
        #expect(first.period.frequency == .annual)
        #expect(first.reporter == "USA")
        #expect(first.partner == "CHN")
        #expect(first.flow == .import)
        #expect(first.hsCode == "2846")
        #expect(first.hsEdition == "H5")
        #expect(first.quantityKg == 4322339.354)
        #expect(first.quantityEstimated)
        #expect(first.valueUSD == 45649703)
        #expect(first.valuation == .cif)

        // Line 3: USA exports of 2846 to China 2020: FOB value.
        let export = try #require(trades.first { $0.rawLine == 3 })
        #expect(export.flow == .export)
        #expect(export.valueUSD == 98931639)
        #expect(export.valuation == .fob)
        #expect(export.quantityEstimated == false)

        // Line 7: China (156) exports 2846 to World (0): partner WLD.
        let china = try #require(trades.first { $0.rawLine == 7 })
        #expect(china.reporter == "CHN")
        #expect(china.partner == "WLD")
        #expect(china.valueUSD == 263110003)

        // Line 9: empty cifvalue/fobvalue cell on an export row → fobvalue 497774628.
        #expect(trades.first { $0.rawLine == 9 }?.valueUSD == 497774628)

        // Line 10: USA imports from World 2020, netWgt 0.0 flagged estimated → "not reported";
        // qtyUnitCode 8 (kg) so qty 5923063.651 is used instead.
        let fallback = try #require(trades.first { $0.rawLine == 10 })
        #expect(fallback.quantityKg == 5923063.651)
        #expect(fallback.partner == "WLD")

        // Line 18: 280530 (6 digits) kept as declared.
        #expect(trades.first { $0.rawLine == 18 }?.hsCode == "280530")
        #expect(trades.first { $0.rawLine == 18 }?.quantityKg == 273872)
    }

    @Test func monthlyCSVWithBreakdownsAndEdgeCases() throws {
        var n = ComtradeNormalizer()
        let out = try F.normalizeCSV("comtrade/monthly-sample.csv", &n, definition: csvDefinition)
        try checkMonthly(out, lineOffset: 1)
    }

    @Test func monthlyJSONMatchesCSV() throws {
        let out = try F.read(ComtradeJSONReader(), F.file("comtrade/monthly-sample.json"), F.definition(.comtradeJSON))
        // Each record object starts on its own line (line 2 for the first).
        try checkMonthly(out, lineOffset: 1)
        let csv = try { () throws -> [RowOutcome] in
            var n = ComtradeNormalizer()
            return try F.normalizeCSV("comtrade/monthly-sample.csv", &n, definition: csvDefinition)
        }()
        #expect(F.trades(out) == F.trades(csv))
    }

    /// 11 hand-made rows: 5 loaded, 3 breakdowns, 1 unknown flow, 1 unknown reporter, 1 TOTAL code.
    func checkMonthly(_ out: [RowOutcome], lineOffset: Int) throws {
        #expect(out.count == 11)
        let trades = F.trades(out), rejected = F.rejected(out)
        #expect(trades.count == 5)
        #expect(rejected.count == 6)
        func row(_ record: Int) -> TradeRow? { trades.first { $0.rawLine == record + lineOffset } }

        let fra = try #require(row(1))
        #expect(fra.reporter == "FRA")   // 251, ISO empty
        #expect(fra.partner == "IND")    // 699
        #expect(fra.period == Period(year: 2024, month: 1))
        #expect(fra.quantityKg == 1200)
        #expect(fra.valueUSD == 50000)
        #expect(fra.valuation == .fob)
        #expect(fra.hsEdition == "H6")

        let che = try #require(row(2))
        #expect(che.reporter == "CHE")
        #expect(che.partner == "NOR")    // 579
        #expect(che.flow == .reExport)
        #expect(che.hsCode == "284690")
        #expect(che.quantityKg == 300.5)
        #expect(che.valueUSD == 3000)    // fobvalue 0 → primaryValue
        #expect(che.valuation == .unknown)

        let twn = try #require(row(3))
        #expect(twn.reporter == "TWN")   // 490
        #expect(twn.partner == "WLD")
        #expect(twn.flow == .reImport)
        #expect(twn.period == Period(year: 2024, month: 2))
        #expect(twn.valueUSD == 7000)
        #expect(twn.valuation == .cif)
        #expect(twn.quantityEstimated)

        let zero = try #require(row(7))
        #expect(zero.quantityKg == nil)  // 0 flagged estimated, qty not in kg
        #expect(zero.hsCode == "28")

        let qty = try #require(row(8))
        #expect(qty.quantityKg == 900)   // netWgt -1 → qty (unit 8 = kg)
        #expect(qty.quantityEstimated)
        #expect(qty.partner == "JPN")

        let reasons = rejected.map(\.reason)
        #expect(reasons.filter { $0.contains("not a total: skipped to avoid double counting") }.count == 3)
        #expect(reasons.contains { $0.contains("customsCode C01") })
        #expect(reasons.contains { $0.contains("partner2Code 344") })
        #expect(reasons.contains { $0.contains("motCode 2100") })
        #expect(rejected.contains { $0.columnName == "flowCode" && $0.reason.contains("DX") })
        #expect(rejected.contains { $0.columnName == "reporterCode" && $0.reason.contains("999") })
        #expect(rejected.contains { $0.columnName == "cmdCode" && $0.reason.contains("TOTAL") })
        #expect(rejected.allSatisfy { !$0.rawText.isEmpty && $0.location.file.hasPrefix("Raw/comtrade/") })
    }

    @Test func missingRequiredColumnIsLocated() throws {
        var n = ComtradeNormalizer()
        let header = ComtradeNormalizer.columns.filter { $0 != "flowCode" }
        let error = #expect(throws: Diagnostic.self) {
            try n.begin(header: header, headerLine: 1, file: F.file("comtrade/x.csv"), definition: csvDefinition,
                        reference: F.reference)
        }
        #expect(error?.message.contains("flowCode") == true)
        #expect(error?.location == SourceLocation(file: "Raw/comtrade/x.csv", line: 1))
    }

    @Test func reorderedHeaderIsMappedByName() throws {
        var n = ComtradeNormalizer()
        let header = ["extra", "primaryValue", "netWgt", "cmdCode", "partnerCode", "flowCode", "reporterCode", "period",
                      "freqCode"]
        try n.begin(header: header, headerLine: 1, file: F.file("comtrade/x.csv"), definition: csvDefinition,
                    reference: F.reference)
        var out: [RowOutcome] = []
        try n.normalize(TableRecord(line: 2, fields: ["?", "10", "5", "2846", "156", "M", "842", "2023", "A"],
                                    rawText: "")) { out.append($0) }
        let row = try #require(F.trades(out).first)
        #expect(row.reporter == "USA" && row.partner == "CHN" && row.valueUSD == 10 && row.quantityKg == 5)
        #expect(row.period == Period(year: 2023))
    }

    @Test func jsonDataKeyAndTruncation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("comtrade-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("a.json")
        try #"{"count":1,"data":[{"typeCode":"C","freqCode":"A","period":2021,"reporterCode":842,"flowCode":"M","partnerCode":0,"cmdCode":"2846","netWgt":-1,"primaryValue":12.5,"cifvalue":null}],"error":""}"#
            .write(to: good, atomically: true, encoding: .utf8)
        let out = try F.read(ComtradeJSONReader(), RawFile(url: good, displayPath: "a.json"), F.definition(.comtradeJSON))
        let row = try #require(F.trades(out).first)
        #expect(row.reporter == "USA" && row.partner == "WLD" && row.quantityKg == nil && row.valueUSD == 12.5)

        let truncated = dir.appendingPathComponent("b.json")
        try "{\"data\":[\n{\"period\":\"2021\"},\n{\"period\":".write(to: truncated, atomically: true, encoding: .utf8)
        let error = #expect(throws: Diagnostic.self) {
            _ = try F.read(ComtradeJSONReader(), RawFile(url: truncated, displayPath: "b.json"), F.definition(.comtradeJSON))
        }
        #expect(error?.location?.line == 3)
    }

    // MARK: - Numbers and periods outside the grammar

    /// One import row per case through the real CSV reader: `netWgt`, `cifvalue`, `primaryValue`.
    private func readImports(_ cases: [(String, String, String)], period: String = "2023", freq: String = "A") throws -> TestSupport.Read {
        let header = "freqCode,period,reporterCode,flowCode,partnerCode,cmdCode,netWgt,cifvalue,primaryValue\n"
        let body = cases.map { "\(freq),\(period),842,M,156,2846,\($0.0),\($0.1),\($0.2)\n" }.joined()
        let url = try TestSupport.temporaryFile(header + body, name: "imports.csv")
        return try TestSupport.read(CSVTableReader { ComtradeNormalizer() }, url: url, display: "Raw/comtrade/imports.csv",
                                    definition: csvDefinition)
    }

    @Test func figuresAreFiniteNonNegativeDecimals() throws {
        let r = try readImports([
            ("1e3", "", "10"), ("0.125", "2.5e1", ""), (".5", "", "007"), ("12.", "1E+2", ""), ("-1", "3", ""),
            ("4322339.354", "45649703.0", ""),
        ])
        #expect(r.rejected.isEmpty)
        #expect(r.trades.map(\.quantityKg) == [1000, 0.125, 0.5, 12, nil, 4322339.354])
        #expect(r.trades.map(\.valueUSD) == [10, 25, 7, 100, 3, 45649703])
        #expect(r.trades.map(\.valuation) == [.unknown, .cif, .unknown, .cif, .cif, .cif])
    }

    /// Infinity, NaN, hex, grouping, `+` and negative figures: each a rejected row naming its column.
    @Test func numbersOutsideTheGrammarAreRejectedNamingTheColumn() throws {
        let fourHundredDigits = String(repeating: "9", count: 400)
        let cases: [(String, String, String, String, String)] = [   // netWgt, cifvalue, primaryValue → column, reason
            ("1e309", "", "1", "netWgt", "netWgt \"1e309\" is not a finite number"),
            ("inf", "", "1", "netWgt", "netWgt \"inf\" is not a finite number"),
            ("Infinity", "", "1", "netWgt", "netWgt \"Infinity\" is not a finite number"),
            ("nan", "", "1", "netWgt", "netWgt \"nan\" is not a finite number"),
            ("-inf", "", "1", "netWgt", "netWgt \"-inf\" is not a finite number"),
            (fourHundredDigits, "", "1", "netWgt", "netWgt \"\(fourHundredDigits)\" is not a finite number"),
            ("0x10", "", "1", "netWgt", "netWgt \"0x10\" is not a number"),
            ("0x1p-3", "", "1", "netWgt", "netWgt \"0x1p-3\" is not a number"),
            ("\"1,234\"", "", "1", "netWgt", "netWgt \"1,234\" is not a number"),
            ("+5", "", "1", "netWgt", "netWgt \"+5\" is not a number"),
            ("5e", "", "1", "netWgt", "netWgt \"5e\" is not a number"),
            ("-5", "", "1", "netWgt", "netWgt \"-5\" is negative"),
            ("1", "-5", "1", "cifvalue", "cifvalue \"-5\" is negative"),
            ("1", "1e309", "1", "cifvalue", "cifvalue \"1e309\" is not a finite number"),
            ("1", "nan", "1", "cifvalue", "cifvalue \"nan\" is not a finite number"),
            ("1", "", "inf", "primaryValue", "primaryValue \"inf\" is not a finite number"),
            ("1", "0", "0x10", "primaryValue", "primaryValue \"0x10\" is not a number"),
            ("1", "", "-0.5", "primaryValue", "primaryValue \"-0.5\" is negative"),
        ]
        let r = try readImports(cases.map { ($0.0, $0.1, $0.2) })
        #expect(r.trades.isEmpty)
        #expect(r.summary.records == cases.count && r.summary.isBalanced)
        for (i, c) in cases.enumerated() {
            let row = try #require(r.rejectedAt(line: i + 2), "\(c)")
            #expect(row.columnName == c.3)
            #expect(row.reason == c.4)
        }
    }

    /// An annual row's period is the whole field: `2024-13` or `202401` is no year.
    @Test(arguments: ["2024-13", "202401", "2024-01", "20241"])
    func annualPeriodMustBeAYear(_ text: String) throws {
        let r = try readImports([("1", "2", "")], period: text)
        #expect(r.trades.isEmpty)
        let row = try #require(r.rejected.first)
        #expect(row.columnName == "period" && row.reason == "annual period \"\(text)\" is not a year")
        #expect(try readImports([("1", "2", "")], period: "2024").trades.first?.period == Period(year: 2024))
    }

    /// JSON numbers (as written, even beyond the Double range) and strings meet the same grammar as CSV fields.
    @Test func jsonFiguresMeetTheSameGrammar() throws {
        let records = [
            #""netWgt":1e309,"primaryValue":1"#, #""netWgt":"inf","primaryValue":1"#, #""netWgt":"0x10","primaryValue":1"#,
            #""netWgt":1,"cifvalue":-5,"primaryValue":1"#, #""netWgt":1,"primaryValue":"NaN""#,
            #""netWgt":2.5e2,"cifvalue":"1e1","primaryValue":1"#,
        ].map { #"{"typeCode":"C","freqCode":"A","period":2021,"reporterCode":842,"flowCode":"M","partnerCode":0,"cmdCode":"2846","# + $0 + "}" }
        let url = try TestSupport.temporaryFile("{\"data\":[\n" + records.joined(separator: ",\n") + "\n]}", name: "n.json")
        let out = try F.read(ComtradeJSONReader(), RawFile(url: url, displayPath: "n.json"), F.definition(.comtradeJSON))
        let rejected = F.rejected(out)
        #expect(rejected.map(\.location.line) == [2, 3, 4, 5, 6])
        #expect(rejected.map(\.columnName) == ["netWgt", "netWgt", "netWgt", "cifvalue", "primaryValue"])
        #expect(rejected.map(\.reason) == [
            "netWgt \"1e309\" is not a finite number", "netWgt \"inf\" is not a finite number", "netWgt \"0x10\" is not a number",
            "cifvalue \"-5\" is negative", "primaryValue \"NaN\" is not a finite number",
        ])
        let row = try #require(F.trades(out).first)
        #expect(row.quantityKg == 250 && row.valueUSD == 10 && row.rawLine == 7)
    }

    /// One Comtrade JSON record per line; `i` makes each distinct.
    static func jsonRecord(_ i: Int) -> String {
        #"{"typeCode":"C","freqCode":"M","period":"2021\#(String(format: "%02d", i % 12 + 1))","reporterCode":842,"flowCode":"M","partnerCode":156,"cmdCode":"2846","netWgt":\#(1000 + i),"primaryValue":\#(7 * (1000 + i)),"cmdDesc":"rare {earth} \"compounds\" [\#(i)]"}"#
    }

    /// A file cut short while the reader is inside it (here by the first row's consumer) gives one
    /// located "truncated JSON" error: the reader reads, it does not map the file (a map of a
    /// truncated file faults with SIGBUS and kills the process).
    @Test func jsonFileTruncatedWhileBeingReadIsALocatedError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("comtrade-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("big.json")
        // 20,000 records of ≈230 bytes: ≈4.6 MB, far more than one read and one page.
        let body = (0..<20_000).map(Self.jsonRecord).joined(separator: ",\n")
        let original = Data(("{\"data\":[\n" + body + "\n]}\n").utf8)
        try original.write(to: url)
        let keep = 4096
        var outcomes = 0
        let error = #expect(throws: Diagnostic.self) {
            try ComtradeJSONReader().read(RawFile(url: url, displayPath: "Raw/comtrade/big.json"),
                                          definition: F.definition(.comtradeJSON), reference: F.reference) { _ in
                outcomes += 1
                if outcomes == 1 {
                    let handle = try FileHandle(forWritingTo: url)
                    try handle.truncate(atOffset: UInt64(keep))
                    try handle.close()
                }
            }
        }
        #expect(error?.message.hasPrefix("truncated JSON") == true, "\(String(describing: error))")
        #expect(error?.location?.file == "Raw/comtrade/big.json")
        // The reader still holds its first chunk; the error stands where that chunk ends.
        let firstChunk = Data(original.prefix(ComtradeJSONScanner.defaultChunkSize))
        #expect(error?.location?.line == 1 + firstChunk.filter { $0 == 0x0A }.count)
        #expect(outcomes < 20_000)
    }

    /// Records, strings with escaped quotes and braces, and a skipped top-level value all cross
    /// chunk borders when the chunks are 1 to 13 bytes; every record comes out whole, on its line.
    @Test(arguments: [1, 2, 5, 13])
    func jsonScannerReadsRecordsAcrossChunkBorders(chunkSize: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("comtrade-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.json")
        let records = (0..<5).map(Self.jsonRecord)
        let text = "\u{FEFF}{\"count\": 5, \"note\": {\"x\": [\"]}\\\"\"]},\n\"data\":[\n" + records.joined(separator: ",\n") + "\n],\"error\":\"\"}"
        try Data(text.utf8).write(to: url)
        let input = try RawInput(url: url, display: "a.json")
        var scanner = ComtradeJSONScanner(input: input, file: "a.json", source: "t", chunkSize: chunkSize)
        var seen: [(String, Int)] = []
        try scanner.forEachRecord { bytes, line in seen.append((String(decoding: bytes, as: UTF8.self), line)) }
        #expect(seen.map(\.0) == records)
        #expect(seen.map(\.1) == [3, 4, 5, 6, 7])
    }

    /// A record longer than the limit is a located error, not an ever-growing buffer.
    @Test func jsonRecordLongerThanTheLimitIsALocatedError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("comtrade-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("a.json")
        try Data(("[\n" + Self.jsonRecord(1) + ",\n{\"cmdDesc\":\"" + String(repeating: "x", count: 5000) + "\"}]").utf8).write(to: url)
        let input = try RawInput(url: url, display: "a.json")
        var scanner = ComtradeJSONScanner(input: input, file: "a.json", source: "t", chunkSize: 64, maxRecordBytes: 1024)
        var count = 0
        let error = #expect(throws: Diagnostic.self) { try scanner.forEachRecord { _, _ in count += 1 } }
        #expect(count == 1)
        #expect(error?.message == "record longer than 1024 bytes")
        #expect(error?.location?.line == 3)
    }
}
