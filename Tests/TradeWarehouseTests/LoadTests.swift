import Foundation
import Testing
import TradeCore
@testable import TradeWarehouse

@Suite struct LoadTests {
    struct BodyFailed: Error, Equatable {}

    @Test func loadsRowsAndBalancesCounts() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        let summary = try warehouse.loadFile(file("Raw/cc/2024-01.csv", 1), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024-01", "CHN", "SGP", kg: 1_000, usd: 50_000, line: 2))
            try sink.add(trade("2024-01", "CHN", "TUR", kg: 2_500, usd: 110_000, line: 3))
            try sink.add(rejected("Raw/cc/2024-01.csv", line: 4, column: 5, name: "数量", reason: "\"12,5x\" is not a number",
                                  text: "2024-01,CHN,JPN,28469015,12,5x"))
            // Same natural key as line 2: kept out of `trade`, recorded as rejected.
            try sink.add(trade("2024-01", "CHN", "SGP", kg: 9, usd: 9, line: 5))
        }
        #expect(summary.rowsLoaded == 2)
        #expect(summary.tradeRows == 2)
        #expect(summary.rowsRejected == 2)
        #expect(summary.rowsLoaded + summary.rowsRejected == 4)
        #expect(summary.replacedFileID == nil)

        let rows = try warehouse.currentTrade()
        #expect(rows.map(\.partner) == ["SGP", "TUR"])
        #expect(rows.map(\.rawLine) == [2, 3])
        #expect(rows.map(\.quantityKg) == [1_000, 2_500])
        #expect(rows.first?.valuation == .fob)
        #expect(try column(warehouse, "SELECT raw_file || ':' || raw_line || ':' || frequency FROM trade ORDER BY raw_line")
                == ["Raw/cc/2024-01.csv:2:M", "Raw/cc/2024-01.csv:3:M"])

        let rejects = try warehouse.query("""
            SELECT run_id, raw_file, raw_line, raw_column, column_name, reason, raw_text, source
            FROM rejected_rows ORDER BY raw_line
            """).rows
        #expect(rejects.count == 2)
        #expect(rejects[0] == [.integer(run), .text("Raw/cc/2024-01.csv"), .integer(4), .integer(5), .text("数量"),
                               .text("\"12,5x\" is not a number"), .text("2024-01,CHN,JPN,28469015,12,5x"),
                               .text("china-customs")])
        #expect(rejects[1][5].text == "duplicate figure: same period, reporter, partner, flow and hs_code as line 2 of this file")

        let manifest = try #require(try warehouse.manifestEntry(key: "Raw/cc/2024-01.csv"))
        #expect(manifest.sha256 == sha(1))
        #expect(manifest.source == "china-customs")
        #expect(manifest.rowsLoaded == 2)
        #expect(manifest.rowsRejected == 2)
        #expect(manifest.size == 101)
        #expect(manifest.fileID == summary.fileID)
        #expect(try warehouse.isLoaded(sha256: sha(1), source: "china-customs"))
        #expect(try !warehouse.isLoaded(sha256: sha(1), source: "comtrade"))
        #expect(try warehouse.manifestEntry(key: "Raw/cc/other.csv") == nil)
    }

    @Test func reloadingAChangedFileSupersedesItsPreviousVersion() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        let path = "Raw/cc/2024-eu.csv"
        let first = try warehouse.loadFile(file(path, 1), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024-01", "CHN", "SGP", kg: 1_000, usd: 50_000, line: 2))
            try sink.add(trade("2024-01", "CHN", "TUR", kg: 2_000, usd: 90_000, line: 3))
            try sink.add(trade("2024-01", "CHN", "JPN", kg: 300, usd: 20_000, line: 4))
        }
        // Revision: SGP revised, TUR unchanged, JPN dropped, KOR added.
        let second = try warehouse.loadFile(file(path, 2), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024-01", "CHN", "SGP", kg: 1_200, usd: 61_000, line: 2))
            try sink.add(trade("2024-01", "CHN", "TUR", kg: 2_000, usd: 90_000, line: 3))
            try sink.add(trade("2024-01", "CHN", "KOR", kg: 50, usd: 4_000, line: 4))
        }
        #expect(second.replacedFileID == first.fileID)
        #expect(second.rowsSuperseded == 3) // all three rows of the previous version

        let current = try warehouse.currentTrade()
        #expect(Dictionary(uniqueKeysWithValues: current.map { ($0.partner, $0.quantityKg) })
                == ["SGP": 1_200, "TUR": 2_000, "KOR": 50])

        let history = try warehouse.query("""
            SELECT partner, quantity_kg, superseded, superseded_by_file, sha256, loaded_at FROM trade_history
            ORDER BY file_id, raw_line
            """).rows
        #expect(history.count == 6)
        #expect(history.map { $0[0].text } == ["SGP", "TUR", "JPN", "SGP", "TUR", "KOR"])
        #expect(history.prefix(3).allSatisfy { $0[2] == .integer(1) && $0[3] == .integer(second.fileID) && $0[4] == .text(sha(1)) })
        #expect(history.suffix(3).allSatisfy { $0[2] == .integer(0) && $0[3] == .null && $0[4] == .text(sha(2)) })
        #expect(history.allSatisfy { $0[5].text.hasSuffix("Z") && $0[5].text.count == 24 }) // 2025-01-02T03:04:05.678Z
        #expect(history[0][1] == .real(1_000)) // the figure before the revision stays queryable

        #expect(try column(warehouse, "SELECT sha256 || ':' || superseded FROM files ORDER BY id")
                == ["\(sha(1)):1", "\(sha(2)):0"])
        #expect(try warehouse.manifestEntry(key: path)?.sha256 == sha(2))
        #expect(try !warehouse.isLoaded(sha256: sha(1), source: "china-customs"))
        #expect(try warehouse.isLoaded(sha256: sha(2), source: "china-customs"))
    }

    @Test func aSecondFileWithTheSameKeysSupersedesOlderFigures() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        _ = try warehouse.loadFile(file("Raw/comtrade/2024-v1.csv", 1), source: "comtrade", runID: run) { sink in
            try sink.add(trade("2024", "CHN", "SGP", "2846", kg: 60_000, usd: 1e6, line: 2))
            try sink.add(trade("2024", "CHN", "TUR", "2846", kg: 150_000, usd: 2e6, line: 3))
        }
        // Another source with the same key must not be touched.
        _ = try warehouse.loadFile(file("Raw/cc/2024.csv", 2), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024", "CHN", "SGP", "2846", kg: 59_000, usd: 0.9e6, line: 7))
        }
        let vintage = try warehouse.loadFile(file("Raw/comtrade/2024-v2-revised.csv", 3), source: "comtrade", runID: run) { sink in
            try sink.add(trade("2024", "CHN", "SGP", "2846", kg: 61_000, usd: 1.1e6, line: 2))
        }
        #expect(vintage.rowsSuperseded == 1)
        #expect(vintage.replacedFileID == nil)

        let rows = try warehouse.query("""
            SELECT source, partner, quantity_kg, raw_file FROM trade ORDER BY source, partner
            """).rows.map { $0.map(\.text) }
        #expect(rows == [
            ["china-customs", "SGP", "59000.0", "Raw/cc/2024.csv"],
            ["comtrade", "SGP", "61000.0", "Raw/comtrade/2024-v2-revised.csv"],
            ["comtrade", "TUR", "150000.0", "Raw/comtrade/2024-v1.csv"],
        ])
        #expect(try column(warehouse, """
            SELECT quantity_kg || '/' || superseded FROM trade_history WHERE source = 'comtrade' AND partner = 'SGP' ORDER BY file_id
            """) == ["60000.0/1", "61000.0/0"])
        // The older file itself stays current (it still provides TUR).
        #expect(try count(warehouse, "SELECT count(*) FROM files WHERE superseded = 0") == 3)
    }

    @Test func aThrowingBodyLeavesNothingBehind() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        _ = try warehouse.loadFile(file("Raw/cc/a.csv", 1), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024-01", "CHN", "SGP", kg: 1, usd: 1, line: 2))
        }
        let before = try warehouse.query("""
            SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM trade_history), (SELECT count(*) FROM rejected_rows),
                   (SELECT count(*) FROM raw_file), (SELECT count(*) FROM mineral_observation)
            """).rows
        #expect(before == [[.integer(1), .integer(1), .integer(0), .integer(1), .integer(0)]])

        // A revision of the same path and a new file with a superseding key: both fail half-way.
        for (path, n) in [("Raw/cc/a.csv", 2), ("Raw/cc/b.csv", 3)] {
            #expect(throws: BodyFailed.self) {
                _ = try warehouse.loadFile(file(path, n), source: "china-customs", runID: run) { sink in
                    try sink.add(trade("2024-01", "CHN", "SGP", kg: 2, usd: 2, line: 2))
                    try sink.add(rejected(path, line: 3, column: nil, name: nil, reason: "bad", text: "x"))
                    try sink.add(.mineral(MineralStat(country: "CHN", year: 2024, measure: "mine_production",
                                                      value: 270_000, unit: "t_REO", estimated: true, rawLine: 4)))
                    throw BodyFailed()
                }
            }
        }
        let after = try warehouse.query("""
            SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM trade_history), (SELECT count(*) FROM rejected_rows),
                   (SELECT count(*) FROM raw_file), (SELECT count(*) FROM mineral_observation)
            """).rows
        #expect(after == before)
        #expect(try warehouse.currentTrade().map(\.quantityKg) == [1])
        #expect(try warehouse.manifestEntry(key: "Raw/cc/a.csv")?.sha256 == sha(1))
        #expect(try warehouse.manifestEntry(key: "Raw/cc/b.csv") == nil)
    }

    @Test func aSinkUsedAfterItsLoadThrows() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        var escaped: FileLoadSink?
        _ = try warehouse.loadFile(file("Raw/cc/a.csv", 1), source: "china-customs", runID: run) { escaped = $0 }
        #expect(throws: Diagnostic.self) { try escaped?.add(trade("2024-01", "CHN", "SGP", kg: 1, usd: 1, line: 2)) }
    }

    @Test func rowsTheSchemaRefusesBecomeRejectedRows() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        let summary = try warehouse.loadFile(file("Raw/cc/a.csv", 1), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024-01", "CHN", "SGP", "2846AB", kg: 1, usd: 1, line: 2)) // hs_code not digits
            try sink.add(trade("2024-01", "CHINA", "SGP", kg: 1, usd: 1, line: 3))        // not ISO3
            try sink.add(trade("2024-01", "CHN", "SGP", kg: 1, usd: 1, line: 4))
        }
        #expect(summary.rowsLoaded == 1)
        #expect(summary.rowsRejected == 2)
        #expect(try column(warehouse, "SELECT raw_line || ' ' || reason FROM rejected_rows ORDER BY raw_line").map { $0.prefix(40) }
                == ["2 refused by the warehouse schema: CHECK", "3 refused by the warehouse schema: CHECK"])
    }

    @Test func mineralStatsAndSeriesAreSupersededByKey() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        func stat(_ country: String, _ year: Int, _ value: Double?, line: Int) -> RowOutcome {
            .mineral(MineralStat(country: country, year: year, measure: "mine_production", value: value,
                                 unit: "t_REO", estimated: country == "CHN", rawLine: line))
        }
        _ = try warehouse.loadFile(file("Raw/usgs-mcs/mcs2024.csv", 1), source: "usgs-mcs", runID: run) { sink in
            try sink.add(stat("CHN", 2023, 240_000, line: 2))
            try sink.add(stat("MMR", 2023, 38_000, line: 3))
            try sink.add(.observation(SeriesObservation(dataset: "EXR", seriesKey: "M.CNY.USD", period: "2024-01",
                                                        value: 7.1, status: "A", rawLine: 9)))
        }
        _ = try warehouse.loadFile(file("Raw/usgs-mcs/mcs2025.csv", 2), source: "usgs-mcs", runID: run) { sink in
            try sink.add(stat("CHN", 2023, 255_000, line: 2))  // revised
            try sink.add(stat("CHN", 2024, 270_000, line: 3))
            try sink.add(stat("MMR", 2024, nil, line: 4))       // NA: not zero
            try sink.add(.observation(SeriesObservation(dataset: "EXR", seriesKey: "M.CNY.USD", period: "2024-01",
                                                        value: 7.12, status: "A", rawLine: 9)))
        }
        let stats = try warehouse.mineralStats()
        #expect(stats.map { "\($0.country) \($0.year) \($0.value.map { String($0) } ?? "NA")" }
                == ["CHN 2023 255000.0", "CHN 2024 270000.0", "MMR 2023 38000.0", "MMR 2024 NA"])
        #expect(stats.first?.estimated == true)
        #expect(try warehouse.seriesObservations().map(\.value) == [7.12])
        #expect(try count(warehouse, "SELECT count(*) FROM mineral_observation WHERE superseded_by_file IS NOT NULL") == 1)
        let status = try warehouse.status()
        #expect(status.sources.map(\.source) == ["usgs-mcs"])
        #expect(status.sources.first?.rows == 5)     // 4 mineral + 1 observation current
        #expect(status.sources.first?.files == 2)
        #expect(status.sources.first?.newestPeriod == "2024-01")
    }

    @Test func touchManifestUpdatesTheCurrentVersionOnly() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        let first = try warehouse.loadFile(file("Raw/cc/a.csv", 1, mtime: 10), source: "china-customs", runID: run) { _ in }
        let second = try warehouse.loadFile(file("Raw/cc/a.csv", 2, mtime: 11), source: "china-customs", runID: run) { _ in }
        try warehouse.touchManifest(fileID: second.fileID, key: "Raw/cc/a.csv", size: 101, mtime: 20.5)
        #expect(try warehouse.manifestEntry(key: "Raw/cc/a.csv")?.mtime == 20.5)
        #expect(throws: Diagnostic.self) {
            try warehouse.touchManifest(fileID: first.fileID, key: "Raw/cc/a.csv", size: 1, mtime: 1)
        }
    }
}
