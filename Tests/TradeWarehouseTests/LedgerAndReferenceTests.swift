import Foundation
import Testing
import TradeCore
@testable import TradeWarehouse

@Suite struct LedgerAndReferenceTests {
    @Test func runsAreRecordedWithCountsAndStatus() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let first = try warehouse.beginRun(command: "run")
        #expect(try column(warehouse, "SELECT status || '|' || coalesce(finished_at, 'NULL') FROM runs") == ["running|NULL"])
        try warehouse.finishRun(first, status: .partial, counts: RunCounts(filesSeen: 5, filesLoaded: 2, filesSkipped: 1,
                                                                          filesFailed: 2, rowsLoaded: 40, rowsRejected: 3))
        let second = try warehouse.beginRun(command: "load")
        try warehouse.recordFileFailure(runID: second, path: "Raw/cc/broken.xlsx", source: "china-customs",
                                        message: "truncated ZIP archive")
        try warehouse.finishRun(second, status: .failed, counts: RunCounts(filesSeen: 1, filesFailed: 1))
        #expect(throws: Diagnostic.self) { try warehouse.finishRun(second, status: .succeeded, counts: RunCounts()) }

        let rows = try warehouse.query("""
            SELECT id, status, files_loaded, rows_loaded, rows_rejected, command, files_skipped, files_failed FROM runs ORDER BY id
            """).rows.map { $0.map(\.text) }
        #expect(rows == [["\(first)", "partial", "2", "40", "3", "run", "1", "2"],
                         ["\(second)", "failed", "0", "0", "0", "load", "0", "1"]])
        let status = try warehouse.status()
        #expect(status.runs.map(\.id) == [second, first])
        #expect(status.runs.first?.finishedAt != nil)
        #expect(status.lastRunFailures.map(\.message) == ["truncated ZIP archive"])
        #expect(status.sources.map(\.source) == ["china-customs"])
        #expect(status.sources.first?.files == 0)
    }

    /// A run left `running` by a dead process is closed as failed by the next run; finished runs keep their status.
    @Test func interruptedRunsAreClosedAsFailed() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let done = try warehouse.beginRun(command: "load")
        try warehouse.finishRun(done, status: .succeeded, counts: RunCounts(filesSeen: 1, filesLoaded: 1))
        let killed = try warehouse.beginRun(command: "run")
        let killedToo = try warehouse.beginRun(command: "detect")
        #expect(try warehouse.closeInterruptedRuns() == [killed, killedToo])
        #expect(try column(warehouse, "SELECT id || '|' || status || '|' || (finished_at IS NOT NULL) FROM runs ORDER BY id")
                == ["\(done)|succeeded|1", "\(killed)|failed|1", "\(killedToo)|failed|1"])
        #expect(try warehouse.closeInterruptedRuns() == [])
        #expect(throws: Diagnostic.self) { try warehouse.finishRun(killed, status: .succeeded, counts: RunCounts()) }
    }

    @Test func referenceIsReplacedAndCommoditiesUnionLoadedLines() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let countries = [Country(iso3: "CHN", iso2: "CN", isoNumeric: "156", comtradeCode: "156", nameEN: "China",
                                 nameZH: "中国", aliases: ["PRC", "China, mainland"])]
        let reference = [CommodityRow(code: "28469015", level: 8, parent: "284690", descriptionEN: "Europium oxide",
                                      descriptionZH: "氧化铕", elements: ["Eu"], nomenclature: "cn-customs", rawLine: 1)]
        let controls = [ExportControl(regime: "MOFCOM-2025-18", issuer: "CHN", announced: "2025-04-04",
                                      effective: "2025-04-04", suspendedFrom: nil, suspendedUntil: nil,
                                      elements: ["Sm", "Gd"], scope: "oxides, metals")]
        let fx = [FXRate(currency: "cny", period: Period(year: 2024, month: 1), unitsPerUSD: 7.1)]
        try warehouse.replaceReference(countries: countries, commodities: reference, exportControls: controls, fxRates: fx)
        try warehouse.replaceReference(countries: countries, commodities: reference, exportControls: controls, fxRates: fx)

        let run = try warehouse.beginRun(command: "load")
        _ = try warehouse.loadFile(file("Raw/hs/hs2022.csv", 1), source: "hs", runID: run) { sink in
            try sink.add(.commodity(CommodityRow(code: "28469015", level: 8, parent: "284690", descriptionEN: "from file",
                                                 descriptionZH: nil, elements: ["Eu"], nomenclature: "cn-customs", rawLine: 5)))
            try sink.add(.commodity(CommodityRow(code: "280530", level: 6, parent: "2805", descriptionEN: "Rare-earth metals",
                                                 descriptionZH: nil, elements: ["*"], nomenclature: "hs2022", rawLine: 6)))
        }
        let lines = try warehouse.commodities()
        #expect(lines.map(\.code) == ["280530", "28469015"])
        #expect(lines.map(\.descriptionEN) == ["Rare-earth metals", "Europium oxide"]) // reference wins
        #expect(lines.map(\.rawLine) == [6, 0])
        #expect(try column(warehouse, "SELECT elements FROM commodities ORDER BY code") == ["*", "Eu"])
        #expect(try warehouse.exportControls().first?.elements == ["Sm", "Gd"])
        #expect(try column(warehouse, "SELECT elements FROM export_controls") == ["Sm|Gd"])
        #expect(try warehouse.fxRates() == [FXRate(currency: "CNY", period: Period(year: 2024, month: 1), unitsPerUSD: 7.1)])
        #expect(try warehouse.countries().first?.aliases == ["PRC", "China, mainland"])
        #expect(try count(warehouse, "SELECT count(*) FROM countries") == 1)

        // A duplicate aborts the whole replacement: the previous reference stays.
        let error = #expect(throws: Diagnostic.self) {
            try warehouse.replaceReference(countries: countries + countries, commodities: [], exportControls: [], fxRates: [])
        }
        #expect(error?.message.contains("country CHN") == true)
        #expect(try count(warehouse, "SELECT count(*) FROM export_controls") == 1)
    }

    @Test func currentTradeFilters() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        _ = try warehouse.loadFile(file("Raw/cc/a.csv", 1), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2023-12", "CHN", "SGP", "28469015", kg: 1, usd: 1, line: 2))
            try sink.add(trade("2024-01", "CHN", "SGP", "28469015", kg: 2, usd: 2, line: 3))
            try sink.add(trade("2024-01", "CHN", "SGP", "28053011", kg: 3, usd: 3, line: 4))
            try sink.add(trade("2024-01", "CHN", "TUR", "28469015", kg: 4, usd: 4, line: 5))
            try sink.add(trade("2024-01", "CHN", "TUR", "28469015", kg: 5, usd: 5, line: 6, flow: .import))
        }
        #expect(try warehouse.currentTrade(TradeFilter(partner: "SGP", hsPrefix: "2846")).map(\.quantityKg) == [1, 2])
        #expect(try warehouse.currentTrade(TradeFilter(flow: .export, periodFrom: "2024-01")).map(\.quantityKg) == [3, 2, 4])
        #expect(try warehouse.currentTrade(TradeFilter(flow: .import)).map(\.quantityKg) == [5])
        #expect(try warehouse.currentSourcedTrade(TradeFilter(partner: "TUR", flow: .import)).map(\.rawFile) == ["Raw/cc/a.csv"])
        #expect(try warehouse.currentTrade(TradeFilter(reporters: ["CHN", "JPN"])).count == 5)
        #expect(try warehouse.currentTrade(TradeFilter(reporters: ["JPN"])).isEmpty)
        #expect(try warehouse.currentTrade(TradeFilter(reporters: [])).isEmpty)
    }

    /// The detectors' bulk read: current rows only, every field, by source and then natural key
    /// (period, reporter, partner, flow, code) whatever order the files were loaded in.
    @Test func forEachCurrentTradeRowVisitsCurrentRowsInNaturalKeyOrder() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        _ = try warehouse.loadFile(file("Raw/ct/2024.csv", 1), source: "comtrade", runID: run) { sink in
            try sink.add(trade("2024-02", "JPN", "CHN", "2846", kg: 7, usd: 70, line: 2, flow: .import))
            try sink.add(trade("2024-01", "JPN", "CHN", "2846", kg: 6, usd: 60, line: 3, flow: .import))
        }
        _ = try warehouse.loadFile(file("Raw/cc/2024.csv", 2), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024-01", "CHN", "TUR", "28469015", kg: 1, usd: 10, line: 2))
            try sink.add(trade("2024-01", "CHN", "SGP", "28469015", kg: nil, usd: 20, line: 3))
        }
        // A revised version of the Comtrade file supersedes its January figure.
        _ = try warehouse.loadFile(file("Raw/ct/2024.csv", 3), source: "comtrade", runID: run) { sink in
            try sink.add(trade("2024-01", "JPN", "CHN", "2846", kg: 8, usd: 80, line: 5, flow: .import))
            try sink.add(trade("2024-02", "JPN", "CHN", "2846", kg: 7, usd: 70, line: 6, flow: .import))
        }
        var visited: [TradeRow] = []
        try warehouse.forEachCurrentTradeRow { row, _ in visited.append(row) }
        #expect(visited.map { "\($0.period) \($0.reporter) \($0.partner) \($0.hsCode) \($0.quantityKg.map { "\($0)" } ?? "-")" } == [
            "2024-01 CHN SGP 28469015 -", "2024-01 CHN TUR 28469015 1.0",   // china-customs sorts first
            "2024-01 JPN CHN 2846 8.0", "2024-02 JPN CHN 2846 7.0",
        ])
        #expect(visited[2] == TradeRow(period: Period("2024-01")!, reporter: "JPN", partner: "CHN", flow: .import, hsCode: "2846",
                                       quantityKg: 8, valueUSD: 80, valuation: .fob, rawLine: 5))
        #expect(Set(visited) == Set(try warehouse.currentTrade()))
    }
}

@Suite struct AnomalyTests {
    static func finding(_ detector: String, _ severity: Anomaly.Severity, _ score: Double, partner: String,
                        summary: String = "Europium oxide exports to X rose") -> Anomaly {
        Anomaly(detector: detector, severity: severity, score: score, reporter: "CHN", partner: partner,
                hsCode: "28469015", periodStart: "2024-01", periodEnd: "2024-12", summary: summary,
                evidence: ["baseline_kg": 4_000, "observed_kg": 60_000, "ratio": 15, "months": ["2024-03", "2024-04"]])
    }

    @Test func replacingTwiceKeepsTheSameRowsAndIds() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let findings = [
            Self.finding("new_partner", .high, 9.5, partner: "TUR"),
            Self.finding("new_partner", .high, 7.0, partner: "SGP"),
            Self.finding("volume_spike", .medium, 12.0, partner: "WLD"),
            // Same identity as the TUR finding but another statement: kept, not merged.
            Self.finding("new_partner", .low, 1.0, partner: "TUR", summary: "Another reading"),
        ]
        let run1 = try warehouse.beginRun(command: "detect")
        try warehouse.replaceAnomalies(runID: run1, detectorVersion: "1", thresholdsJSON: #"{"min_kg":1000}"#, findings)
        let first = try warehouse.anomalies()
        #expect(first.count == 4)
        #expect(first.map(\.anomaly.partner) == ["TUR", "SGP", "WLD", "TUR"]) // severity desc, then score desc
        #expect(first.map(\.anomaly.severity) == [.high, .high, .medium, .low])
        #expect(first[0].anomaly == findings[0]) // evidence round-trips through JSON text

        let run2 = try warehouse.beginRun(command: "detect")
        try warehouse.replaceAnomalies(runID: run2, detectorVersion: "1", thresholdsJSON: #"{"min_kg":1000}"#, findings.reversed())
        let second = try warehouse.anomalies()
        #expect(second.count == 4)
        #expect(second.map(\.id) == first.map(\.id))
        #expect(second.map(\.anomaly) == first.map(\.anomaly))
        #expect(Set(second.map(\.runID)) == [run2])
        #expect(try count(warehouse, "SELECT count(*) FROM detections") == 2)
        #expect(try column(warehouse, "SELECT json_extract(evidence, '$.observed_kg') FROM anomalies WHERE partner = 'SGP'") == ["60000"])

        // A later detection without the SGP finding removes it.
        try warehouse.replaceAnomalies(runID: run2, detectorVersion: "2", thresholdsJSON: "{}", findings.filter { $0.partner != "SGP" })
        #expect(try warehouse.anomalies().map(\.anomaly.partner) == ["TUR", "WLD", "TUR"])
        #expect(try column(warehouse, "SELECT first_run_id FROM anomalies ORDER BY id") == ["\(run1)", "\(run1)", "\(run1)"])
    }

    static func tradeCase(rank: Int, severity: Anomaly.Severity, summary: String, findings: [Int]) -> TradeCase {
        TradeCase(rank: rank, severity: severity, confidence: 0.75, category: .trade, reporter: "CHN", partner: "TUR",
                  via: nil, hsCode: "28469015", periodStart: "2024-01", periodEnd: "2024-12", tonnesAtStake: 56,
                  usdAtStake: 1_680_000, summary: summary, findings: findings)
    }

    @Test func casesAndTheirFindingsReadBackInRankOrder() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var conflict = Self.finding("source_conflict", .low, 0.4, partner: "SGP", summary: "Two sources of CHN disagree")
        conflict.declaredBy = "CHN"
        var mirror = Self.finding("mirror_gap", .medium, 3, partner: "TUR")
        mirror.declaredBy = "CHN+TUR"
        let findings = [
            Self.finding("volume_spike", .medium, 12.0, partner: "WLD"),   // 0
            Self.finding("new_partner", .high, 9.5, partner: "TUR"),       // 1
            conflict,                                                      // 2
            mirror,                                                        // 3
        ]
        // Stored out of rank order; the lead of the TUR case (the new partner) is not its first index.
        let cases = [
            Self.tradeCase(rank: 2, severity: .low, summary: "Sources disagree", findings: [2]),
            Self.tradeCase(rank: 1, severity: .high, summary: "Europium to TUR", findings: [3, 1, 0]),
        ]
        let run = try warehouse.beginRun(command: "detect")
        try warehouse.replaceAnomalies(runID: run, detectorVersion: "1", thresholdsJSON: "{}", findings, cases: cases)

        let stored = try warehouse.anomalies()
        let id = Dictionary(uniqueKeysWithValues: stored.map { ($0.anomaly.detector, $0.id) })
        let read = try warehouse.cases()
        #expect(read.map(\.tradeCase.rank) == [1, 2])
        #expect(read.map(\.tradeCase.summary) == ["Europium to TUR", "Sources disagree"])
        // Most severe first, then by descending score.
        #expect(read[0].findingIDs == [id["new_partner"]!, id["volume_spike"]!, id["mirror_gap"]!])
        #expect(read[1].findingIDs == [id["source_conflict"]!])
        #expect(read[0].tradeCase == Self.tradeCase(rank: 1, severity: .high, summary: "Europium to TUR", findings: [0, 1, 2]))
        // Each finding names its case, and its category and declarer round-trip.
        let caseOf = Dictionary(uniqueKeysWithValues: stored.map { ($0.anomaly.detector, $0.caseID) })
        #expect(caseOf == ["new_partner": read[0].id, "volume_spike": read[0].id, "mirror_gap": read[0].id,
                           "source_conflict": read[1].id])
        let conflictRead = try #require(stored.first { $0.anomaly.detector == "source_conflict" })
        #expect(conflictRead.anomaly == conflict)
        #expect(conflictRead.anomaly.category == .dataQuality && conflictRead.anomaly.declaredBy == "CHN")
        #expect(stored.first { $0.anomaly.detector == "mirror_gap" }?.anomaly.declaredBy == "CHN+TUR")

        // Without cases, every finding is of none.
        try warehouse.replaceAnomalies(runID: run, detectorVersion: "1", thresholdsJSON: "{}", findings)
        #expect(try warehouse.cases().isEmpty)
        #expect(try warehouse.anomalies().allSatisfy { $0.caseID == nil })
    }

    @Test func invalidThresholdsJSONLeavesTheSetUnchanged() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "detect")
        try warehouse.replaceAnomalies(runID: run, detectorVersion: "1", thresholdsJSON: "{}", [Self.finding("new_partner", .high, 2, partner: "TUR")])
        #expect(throws: Diagnostic.self) {
            try warehouse.replaceAnomalies(runID: run, detectorVersion: "1", thresholdsJSON: "{not json", [])
        }
        #expect(try warehouse.anomalies().count == 1)
    }
}
