import Foundation
import GRDB
import Testing
import TradeCore
@testable import TradeWarehouse

/// `trade_rollup`: one figure per question, from one source, computed from that source's most
/// detailed lines; `coverage`: what each source published. Expectations are computed by hand.
@Suite struct RollupTests {
    static let precedence = SourcePrecedence([
        "china-customs": .init(format: "china-customs-csv", ownReporter: "CHN"),
        "comtrade": .init(format: "comtrade-csv"),
        "comtrade-annual": .init(format: "comtrade-csv"),
    ])

    /// Loads one file of `rows` for `source` under `path` (version `n`).
    @discardableResult
    func load(_ warehouse: Warehouse, _ path: String, _ n: Int, source: String,
              _ rows: [RowOutcome]) throws -> FileLoadSummary {
        let run = try warehouse.beginRun(command: "load")
        return try warehouse.loadFile(file(path, n), source: source, runID: run) { sink in
            try sink.add(contentsOf: rows)
        }
    }

    /// `key → "kg source months precedence sources"` for the rollup rows matching `filter`.
    func rollup(_ warehouse: Warehouse, _ filter: String) throws -> [String: String] {
        let rows = try warehouse.query("""
            SELECT period || ' ' || reporter || '>' || partner || ' ' || flow || ' ' || hs_code,
                   printf('%g %s %d %d %d', quantity_kg, source, months, precedence, sources)
            FROM trade_rollup WHERE \(filter)
            """).rows
        return Dictionary(uniqueKeysWithValues: rows.map { ($0[0].text, $0[1].text) })
    }

    @Test func oneFigureFromTheWinningSourceNeverASum() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try warehouse.updateSourcePrecedence(Self.precedence)
        try load(warehouse, "Raw/cc/2024.csv", 1, source: "china-customs", [
            trade("2024-01", "CHN", "USA", "28469014", kg: 100, usd: 1_000, line: 2),
            trade("2024-01", "CHN", "USA", "28469019", kg: 40, usd: 500, line: 3),
        ])
        try load(warehouse, "Raw/ct/2024.csv", 2, source: "comtrade", [
            trade("2024-01", "CHN", "USA", "284690", kg: 130, usd: 1_400, line: 2),
            trade("2024-01", "CHN", "JPN", "284690", kg: 9, usd: 90, line: 3),
        ])
        #expect(try warehouse.refreshRollup() == 1)

        let usa = try rollup(warehouse, "partner = 'USA' AND frequency = 'M'")
        // China's own customs ranks first for CHN: 100 + 40, not 140 + 130.
        #expect(usa == [
            "2024-01 CHN>USA export 28469014": "100 china-customs 1 10 1",
            "2024-01 CHN>USA export 28469019": "40 china-customs 1 10 1",
            "2024-01 CHN>USA export 284690": "140 china-customs 1 10 2",
            "2024-01 CHN>USA export 2846": "140 china-customs 1 10 2",
            "2024-01 CHN>USA export 28": "140 china-customs 1 10 2",
        ])
        // Where only Comtrade has the figure, Comtrade answers.
        #expect(try rollup(warehouse, "partner = 'JPN' AND hs_level = 6 AND frequency = 'M'")
                == ["2024-01 CHN>JPN export 284690": "9 comtrade 1 20 1"])

        // A declared precedence flips the winner, and the change alone queues the refresh.
        var declared = Self.precedence
        declared.entries["comtrade"]?.declared = 5
        try warehouse.updateSourcePrecedence(declared)
        #expect(try warehouse.refreshRollup() == 1)
        let flipped = try rollup(warehouse, "partner = 'USA' AND frequency = 'M'")
        #expect(flipped["2024-01 CHN>USA export 284690"] == "130 comtrade 1 5 2")
        #expect(flipped["2024-01 CHN>USA export 2846"] == "130 comtrade 1 5 2")
        #expect(flipped["2024-01 CHN>USA export 28469014"] == "100 china-customs 1 10 1")
        // The same precedence again changes nothing and queues nothing.
        try warehouse.updateSourcePrecedence(declared)
        #expect(try warehouse.refreshRollup() == 0)
    }

    @Test func levelsSumTheMostDetailedLinesOnly() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try warehouse.updateSourcePrecedence(Self.precedence)
        try load(warehouse, "Raw/ct/2024.csv", 1, source: "comtrade", [
            // A heading total and its own subheadings: the heading is not a leaf.
            trade("2024-03", "USA", "CHN", "2846", kg: 1_000, usd: 10_000, line: 2, flow: .import),
            trade("2024-03", "USA", "CHN", "284610", kg: 300, usd: 3_000, line: 3, flow: .import),
            trade("2024-03", "USA", "CHN", "284690", kg: 200, usd: 2_000, line: 4, flow: .import),
            // A 10-digit line counts toward its 8-digit code.
            trade("2024-03", "USA", "CHN", "2805301100", kg: 50, usd: 700, line: 5, flow: .import),
            // A 4-digit leaf gives levels 4 and 2, nothing below.
            trade("2024-03", "USA", "CHN", "2804", kg: 70, usd: 900, line: 6, flow: .import),
            // Another partner: its heading line is a leaf there.
            trade("2024-03", "USA", "JPN", "2846", kg: 11, usd: 110, line: 7, flow: .import),
        ])
        try warehouse.refreshRollup()
        let figures = try rollup(warehouse, "frequency = 'M'")
        #expect(figures == [
            "2024-03 USA>CHN import 28": "620 comtrade 1 20 1",
            "2024-03 USA>CHN import 2846": "500 comtrade 1 20 1",
            "2024-03 USA>CHN import 284610": "300 comtrade 1 20 1",
            "2024-03 USA>CHN import 284690": "200 comtrade 1 20 1",
            "2024-03 USA>CHN import 2805": "50 comtrade 1 20 1",
            "2024-03 USA>CHN import 280530": "50 comtrade 1 20 1",
            "2024-03 USA>CHN import 28053011": "50 comtrade 1 20 1",
            "2024-03 USA>CHN import 2804": "70 comtrade 1 20 1",
            "2024-03 USA>JPN import 28": "11 comtrade 1 20 1",
            "2024-03 USA>JPN import 2846": "11 comtrade 1 20 1",
        ])
        let usd = try column(warehouse, "SELECT value_usd FROM trade_rollup WHERE frequency = 'M' AND partner = 'CHN' AND hs_code = '2846'")
        #expect(usd == ["5000.0"])
    }

    /// One source, one frequency and one code length (the direct path): long lines sum under
    /// their 8-digit code, every level and the annual sums follow, `months` counts published months.
    @Test func aSingleSourceYearSumsItsLinesAtEveryLevel() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try warehouse.updateSourcePrecedence(Self.precedence)
        try load(warehouse, "Raw/ct/2024.csv", 1, source: "comtrade", [
            trade("2024-01", "USA", "CHN", "2805301100", kg: 10, usd: 100, line: 2, flow: .import),
            trade("2024-01", "USA", "CHN", "2805301190", kg: 5, usd: 50, line: 3, flow: .import),
            trade("2024-01", "USA", "CHN", "2846901000", kg: 3, usd: 30, line: 4, flow: .import),
            trade("2024-03", "USA", "CHN", "2805301100", kg: 1, usd: 10, line: 5, flow: .import),
            trade("2024-03", "USA", "JPN", "2846901000", kg: 2, usd: 20, line: 6, flow: .import),
        ])
        #expect(try warehouse.refreshRollup() == 1)
        #expect(try rollup(warehouse, "period = '2024-01'") == [
            "2024-01 USA>CHN import 28053011": "15 comtrade 1 20 1",
            "2024-01 USA>CHN import 280530": "15 comtrade 1 20 1",
            "2024-01 USA>CHN import 2805": "15 comtrade 1 20 1",
            "2024-01 USA>CHN import 28469010": "3 comtrade 1 20 1",
            "2024-01 USA>CHN import 284690": "3 comtrade 1 20 1",
            "2024-01 USA>CHN import 2846": "3 comtrade 1 20 1",
            "2024-01 USA>CHN import 28": "18 comtrade 1 20 1",
        ])
        // Published in January and March: two months summed into each annual figure.
        #expect(try rollup(warehouse, "period = '2024'") == [
            "2024 USA>CHN import 28053011": "16 comtrade 2 20 1",
            "2024 USA>CHN import 280530": "16 comtrade 2 20 1",
            "2024 USA>CHN import 2805": "16 comtrade 2 20 1",
            "2024 USA>CHN import 28469010": "3 comtrade 2 20 1",
            "2024 USA>CHN import 284690": "3 comtrade 2 20 1",
            "2024 USA>CHN import 2846": "3 comtrade 2 20 1",
            "2024 USA>CHN import 28": "19 comtrade 2 20 1",
            "2024 USA>JPN import 28469010": "2 comtrade 2 20 1",
            "2024 USA>JPN import 284690": "2 comtrade 2 20 1",
            "2024 USA>JPN import 2846": "2 comtrade 2 20 1",
            "2024 USA>JPN import 28": "2 comtrade 2 20 1",
        ])
        #expect(try count(warehouse, "SELECT count(*) FROM trade_rollup WHERE period = '2024-03'") == 8)
        let usd = try column(warehouse, "SELECT value_usd FROM trade_rollup WHERE period = '2024' AND hs_code = '28'")
        #expect(usd.sorted() == ["190.0", "20.0"])
    }

    @Test func annualFiguresCountTheirMonthsAndCompleteOnesWin() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try warehouse.updateSourcePrecedence(Self.precedence)
        // 2023: twelve months; USA in every month, KOR in March only.
        var rows2023 = try (1...12).map { m in
            try trade(String(format: "2023-%02d", m), "CHN", "USA", "28469014", kg: 10, usd: 100, line: m + 1)
        }
        rows2023.append(try trade("2023-03", "CHN", "KOR", "28469014", kg: 4, usd: 40, line: 20))
        try load(warehouse, "Raw/cc/2023.csv", 1, source: "china-customs", rows2023)
        // 2024: five published months so far.
        let rows2024 = try (1...5).map { m in
            try trade(String(format: "2024-%02d", m), "CHN", "USA", "28469014", kg: 20, usd: 200, line: m + 1)
        }
        try load(warehouse, "Raw/cc/2024.csv", 2, source: "china-customs", rows2024)
        // Comtrade: China's annual 2024 declaration to the USA, and one month of the same source.
        try load(warehouse, "Raw/ct/annual.csv", 3, source: "comtrade-annual", [
            trade("2024", "CHN", "USA", "284690", kg: 999, usd: 9_990, line: 2),
            trade("2024-01", "CHN", "USA", "284690", kg: 7, usd: 70, line: 3),
        ])
        try warehouse.refreshRollup()

        let annual = try rollup(warehouse, "frequency = 'A' AND hs_level = 6")
        #expect(annual == [
            "2023 CHN>USA export 284690": "120 china-customs 12 10 1",
            // A partner missing from eleven published months traded nothing then: 12 months.
            "2023 CHN>KOR export 284690": "4 china-customs 12 10 1",
            // Customs has 5 months (100 kg); Comtrade's own annual figure is complete and wins
            // over its own one-month sum and over the lower-ranked but incomplete customs sum.
            "2024 CHN>USA export 284690": "999 comtrade-annual 12 20 2",
        ])
        #expect(try rollup(warehouse, "frequency = 'A' AND hs_level = 8 AND period = '2024'")
                == ["2024 CHN>USA export 28469014": "100 china-customs 5 10 1"])
    }

    @Test func aSupersedingLoadRefreshesOnlyItsReporterYears() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try warehouse.updateSourcePrecedence(Self.precedence)
        try load(warehouse, "Raw/cc/2023.csv", 1, source: "china-customs", [
            trade("2023-06", "CHN", "USA", "28469014", kg: 30, usd: 300, line: 2)])
        try load(warehouse, "Raw/cc/2024.csv", 2, source: "china-customs", [
            trade("2024-06", "CHN", "USA", "28469014", kg: 60, usd: 600, line: 2)])
        try load(warehouse, "Raw/ct/2024.csv", 3, source: "comtrade", [
            trade("2024-06", "USA", "CHN", "284690", kg: 55, usd: 650, line: 2, flow: .import)])
        #expect(try warehouse.refreshRollup() == 3)
        #expect(try warehouse.refreshRollup() == 0)
        let before = try rollup(warehouse, "reporter <> 'CHN' OR period LIKE '2023%'")

        // A revised 2024 file: one reporter-year to refresh.
        try load(warehouse, "Raw/cc/2024.csv", 4, source: "china-customs", [
            trade("2024-06", "CHN", "USA", "28469014", kg: 75, usd: 700, line: 2),
            trade("2024-06", "CHN", "USA", "28469099", kg: 5, usd: 50, line: 3)])
        #expect(try warehouse.refreshRollup() == 1)
        let revised = try rollup(warehouse, "reporter = 'CHN' AND period = '2024'")
        #expect(revised["2024 CHN>USA export 284690"] == "80 china-customs 1 10 1")
        #expect(revised["2024 CHN>USA export 28469014"] == "75 china-customs 1 10 1")
        #expect(revised["2024 CHN>USA export 28469099"] == "5 china-customs 1 10 1")
        #expect(try rollup(warehouse, "reporter <> 'CHN' OR period LIKE '2023%'") == before)

        // A revision without the year it held before clears that year.
        try load(warehouse, "Raw/cc/2023.csv", 5, source: "china-customs", [
            trade("2022-06", "CHN", "USA", "28469014", kg: 8, usd: 80, line: 2)])
        #expect(try warehouse.refreshRollup() == 3) // 2022 and 2023 loaded, 2024's start moved
        #expect(try count(warehouse, "SELECT count(*) FROM trade_rollup WHERE period LIKE '2023%'") == 0)
        #expect(try rollup(warehouse, "period = '2022' AND hs_level = 8")
                == ["2022 CHN>USA export 28469014": "8 china-customs 1 10 1"])
    }

    /// A warehouse that held trade before the rollup existed gets it for everything at the next refresh.
    @Test func migrationQueuesEveryReporterYearOfAnExistingWarehouse() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try WarehouseMigrations.migrator.migrate(queue, upTo: "v3-trade-period-check")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO run_ledger (id, command) VALUES (1, 'load');
                INSERT INTO raw_file (id, path, source, sha256, size, mtime, run_id, state)
                VALUES (1, 'Raw/cc/a.csv', 'china-customs', '\(sha(1))', 1, 0, 1, 'current');
                INSERT INTO trade_observation (file_id, source, period, reporter, partner, flow, hs_code,
                                               quantity_kg, value_usd, valuation, quantity_estimated, raw_line)
                VALUES (1, 'china-customs', '2023-02', 'CHN', 'USA', 'export', '28469014', 5, 50, 'fob', 0, 2),
                       (1, 'china-customs', '2024-07', 'CHN', 'JPN', 'export', '28469014', 6, 60, 'fob', 0, 3);
                """)
        }
        try queue.close()
        let warehouse = try Warehouse(path: path)
        try warehouse.updateSourcePrecedence(Self.precedence)
        #expect(try warehouse.refreshRollup() == 2)
        #expect(try rollup(warehouse, "frequency = 'A' AND hs_level = 8") == [
            "2023 CHN>USA export 28469014": "5 china-customs 1 10 1",
            "2024 CHN>JPN export 28469014": "6 china-customs 1 10 1",
        ])
    }

    @Test func coverageCountsPublishedPeriodsPerLevel() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try warehouse.updateSourcePrecedence(Self.precedence)
        try load(warehouse, "Raw/cc/a.csv", 1, source: "china-customs", [
            trade("2023-11", "CHN", "USA", "28469014", kg: 1, usd: 1, line: 2),
            trade("2023-12", "CHN", "USA", "28469014", kg: 1, usd: 1, line: 3),
            trade("2024-02", "CHN", "KOR", "28469014", kg: 1, usd: 1, line: 4),
            trade("2024-02", "CHN", "USA", "28469014", kg: 1, usd: 1, line: 5),
            trade("2024-02", "CHN", "USA", "2846901400", kg: 1, usd: 1, line: 6),
        ])
        try load(warehouse, "Raw/ct/a.csv", 2, source: "comtrade", [
            trade("2021", "CHN", "WLD", "2846", kg: 1, usd: 1, line: 2),
            trade("2022", "CHN", "WLD", "280530", kg: 1, usd: 1, line: 3),
        ])
        try warehouse.refreshRollup()
        let rows = try warehouse.query("""
            SELECT source || ' ' || reporter || ' ' || frequency || ' ' || hs_level || ' ' || first_period
                   || ' ' || last_period || ' ' || periods FROM coverage ORDER BY 1
            """).rows.map { $0[0].text }
        #expect(rows == [
            "china-customs CHN M 8 2023-11 2024-02 3",
            "comtrade CHN A 4 2021 2021 1",
            "comtrade CHN A 6 2022 2022 1",
        ])
    }

    /// A load writes the coverage of a reporter-year nothing covered before from the rows it stored;
    /// it is what reading the rows gives (levels, annual and monthly lines, odd and long codes), and
    /// so is every rollup figure. A second file in such a year makes the refresh read the rows.
    @Test func coverageWrittenAtLoadIsWhatReadingTheRowsGives() throws {
        let (warehouse, directory) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: directory) }
        try warehouse.updateSourcePrecedence(Self.precedence)
        try load(warehouse, "Raw/cc/a.csv", 1, source: "china-customs", [
            trade("2023-03", "CHN", "USA", "28469014", kg: 1, usd: 1, line: 2),
            trade("2023-01", "CHN", "USA", "2846901400", kg: 2, usd: 1, line: 3),
            trade("2023-07", "CHN", "KOR", "28053", kg: 3, usd: 1, line: 4),
            trade("2023", "CHN", "KOR", "2846", kg: 4, usd: 1, line: 5),
            trade("2023-12", "CHN", "KOR", "28", kg: 5, usd: 1, line: 6),
            trade("2024-02", "USA", "CHN", "284690", kg: 6, usd: 1, line: 7),
            trade("2024-05", "USA", "CHN", "284690", kg: 7, usd: 1, line: 8),
        ])
        let ready = try warehouse.query("SELECT reporter || ' ' || year FROM rollup_pending WHERE coverage_ready = 1 ORDER BY 1")
        #expect(ready.rows.map { $0[0].text } == ["CHN 2023", "USA 2024"])
        try warehouse.refreshRollup()
        let coverage = """
            SELECT reporter || ' ' || year || ' ' || source || ' ' || frequency || ' ' || hs_level || ' ' || first_period
                   || ' ' || last_period || ' ' || periods || ' ' || min_length || ' ' || max_length
            FROM coverage_year ORDER BY 1
            """
        let figures = "SELECT period, reporter, partner, flow, hs_code, quantity_kg, source, months FROM trade_rollup ORDER BY 1, 2, 3, 4, 5"
        let atLoad = try warehouse.query(coverage).rows.map { $0[0].text }
        let figuresAtLoad = try warehouse.query(figures).rows.map { $0.map(\.text) }
        #expect(atLoad == [
            "CHN 2023 china-customs A 4 2023 2023 1 4 4",
            "CHN 2023 china-customs M 2 2023-12 2023-12 1 2 2",
            "CHN 2023 china-customs M 4 2023-07 2023-07 1 5 5",
            "CHN 2023 china-customs M 8 2023-01 2023-03 2 8 10",
            "USA 2024 china-customs M 6 2024-02 2024-05 2 6 6",
        ])
        try warehouse.write("queue every year to be read again") { db in
            try db.execute(sql: "INSERT INTO rollup_pending (reporter, year) SELECT DISTINCT reporter, year FROM coverage_year")
        }
        try warehouse.refreshRollup()
        #expect(try warehouse.query(coverage).rows.map { $0[0].text } == atLoad)
        #expect(try warehouse.query(figures).rows.map { $0.map(\.text) } == figuresAtLoad)

        try load(warehouse, "Raw/ct/b.csv", 2, source: "comtrade", [
            trade("2024-01", "USA", "CHN", "284690", kg: 8, usd: 1, line: 2),
        ])
        let queued = try warehouse.query("SELECT reporter || ' ' || year || ' ' || coverage_ready FROM rollup_pending")
        #expect(queued.rows.map { $0[0].text } == ["USA 2024 0"])
        try warehouse.refreshRollup()
        #expect(try warehouse.query(coverage).rows.map { $0[0].text }.filter { $0.hasPrefix("USA") } == [
            "USA 2024 china-customs M 6 2024-02 2024-05 2 6 6",
            "USA 2024 comtrade M 6 2024-01 2024-01 1 6 6",
        ])
    }
}
