import Foundation
import Testing
import TradeTestSupport
import TradeCore
import TradeConfig
import TradeIngest

extension Faults.Fuzz {
    /// A generated number field and what its row must become.
    private enum Expected: Equatable {
        case loaded(quantityKg: Double?, valueUSD: Double)
        case rejected(column: String, reason: String)
    }

    /// The oracle's verdict on a trimmed field as a rejection reason (nil when it is a figure).
    private static func reason(_ label: String, _ text: String, _ verdict: NumberGrammarOracle.Expected) -> String? {
        switch verdict {
        case .value: nil
        case .negative: "\(label) \"\(text)\" is negative"
        case .notFinite: "\(label) \"\(text)\" is not a finite number"
        case .notANumber: "\(label) \"\(text)\" is not a number"
        }
    }

    /// Comtrade import row: `netWgt` (kg; `-1` not available), `cifvalue` (0 or empty → `primaryValue` 1).
    private static func comtrade(_ weight: String, _ cif: String) throws -> Expected {
        var quantity: Double?
        if !weight.isEmpty {
            let verdict = try NumberGrammarOracle.expected(weight, grouping: false)
            switch verdict {
            case .value(let v): quantity = v
            case .negative(-1): break
            default: return .rejected(column: "netWgt", reason: reason("netWgt", weight, verdict)!)
            }
        }
        guard !cif.isEmpty else { return .loaded(quantityKg: quantity, valueUSD: 1) }
        let verdict = try NumberGrammarOracle.expected(cif, grouping: false)
        guard case .value(let v) = verdict else { return .rejected(column: "cifvalue", reason: reason("cifvalue", cif, verdict)!) }
        return .loaded(quantityKg: quantity, valueUSD: v == 0 ? 1 : v)
    }

    /// China customs row: 第一数量 in 千克 (empty → no quantity), 美元 (required), thousands groups allowed.
    private static func china(_ quantity: String, _ value: String) throws -> Expected {
        var kg: Double?
        if !quantity.isEmpty {
            let verdict = try NumberGrammarOracle.expected(quantity, grouping: true)
            guard case .value(let v) = verdict else {
                return .rejected(column: "第一数量", reason: reason("quantity", quantity, verdict)!)
            }
            kg = v
        }
        guard !value.isEmpty else { return .rejected(column: "美元", reason: "empty value") }
        let verdict = try NumberGrammarOracle.expected(value, grouping: true)
        guard case .value(let v) = verdict else { return .rejected(column: "美元", reason: reason("value", value, verdict)!) }
        return .loaded(quantityKg: kg, valueUSD: v)
    }

    private static func outcome(_ outcome: RowOutcome) -> (line: Int, Expected)? {
        switch outcome {
        case .trade(let t): (t.rawLine, .loaded(quantityKg: t.quantityKg, valueUSD: t.valueUSD ?? .nan))
        case .rejected(let r): (r.location.line, .rejected(column: r.columnName ?? "-", reason: r.reason))
        default: nil
        }
    }

    /// The number grammar (finite, non-negative, thousands groups only for China customs) through the
    /// real CSV reader and both normalizers: every row loads exactly the oracle's figures or is
    /// rejected naming the column and why; every file balances.
    @Test func numberFieldsFollowTheGrammarOnComtradeAndChinaCustoms() throws {
        let rowsPerFile = 20
        let files = max(1, FaultsKit.environmentInt("TRADEWATCH_FUZZ_ITERATIONS", 2_000) / rowsPerFile)
        let pipelines = FaultsKit.packageRoot.appendingPathComponent("Pipelines")
        let reference = try ReferenceLoader.load(directory: pipelines.appendingPathComponent("reference"),
                                                 displayDirectory: "Pipelines/reference")
        let comtrade = try DefinitionLoader.loadSource(file: pipelines.appendingPathComponent("comtrade.yaml"),
                                                     display: "Pipelines/comtrade.yaml")
        let china = try DefinitionLoader.loadSource(file: pipelines.appendingPathComponent("china-customs.yaml"),
                                                  display: "Pipelines/china-customs.yaml")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-number-fuzz-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var rng = SeededGenerator(seed: FaultsKit.seed &+ 2)
        var loaded = 0, rejected = 0, failures = 0
        for file in 0..<files where failures < 10 {
            let pairs = (0..<rowsPerFile).map { _ in (NumberGrammarOracle.text(&rng), NumberGrammarOracle.text(&rng)) }
            let trimmed = pairs.map { ($0.0.trimmingCharacters(in: .whitespaces), $0.1.trimmingCharacters(in: .whitespaces)) }
            let paths: [(String, String, SourceDefinition, [Expected], (Int, (String, String)) -> String)] = [
                ("freqCode,period,reporterCode,flowCode,partnerCode,cmdCode,netWgt,cifvalue,primaryValue\n", "comtrade.csv",
                 comtrade, try trimmed.map(Self.comtrade), { _, p in "A,2023,842,M,156,2846,\"\(p.0)\",\"\(p.1)\",1\n" }),
                ("数据年月,商品编码,商品名称,贸易伙伴编码,贸易伙伴名称,第一数量,第一计量单位,第二数量,第二计量单位,美元\n", "customs.csv",
                 china, try trimmed.map(Self.china), { i, p in "202401,28\(100_000 + i),钕,,日本,\"\(p.0)\",千克,,,\"\(p.1)\"\n" }),
            ]
            for (header, name, definition, expected, row) in paths {
                let url = dir.appendingPathComponent(name)
                try Data((header + pairs.enumerated().map(row).joined()).utf8).write(to: url)
                var got: [Int: Expected] = [:]
                func read<N>(_ reader: CSVTableReader<N>) throws -> TableReadSummary {
                    try reader.readCounting(RawFile(url: url, displayPath: "Raw/\(name)"), definition: definition,
                                            reference: reference) { if let (line, e) = Self.outcome($0) { got[line] = e } }
                }
                let summary = try name == "comtrade.csv" ? read(CSVTableReader { ComtradeNormalizer() }) : read(ChinaCustomsCSVReader())
                #expect(summary.isBalanced && summary.records == rowsPerFile, "seed \(FaultsKit.seed) file \(file) \(name)")
                for (i, e) in expected.enumerated() where got[i + 2] != e {
                    failures += 1
                    Issue.record("seed \(FaultsKit.seed) file \(file) \(name) line \(i + 2) \(pairs[i]): expected \(e), got \(String(describing: got[i + 2]))")
                }
                loaded += summary.rowsEmitted
                rejected += summary.rowsRejected
            }
        }
        print("number fuzz: \(files * rowsPerFile) rows per path — \(loaded) loaded, \(rejected) rejected")
        #expect(loaded > 0 && rejected > 0)
    }
}
