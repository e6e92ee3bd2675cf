import Foundation
import Testing
import TradeCore
@testable import TradeWarehouse

@Suite struct SchemaTests {
    /// The contract columns of docs/ARCHITECTURE.md ("Public views"), in order; views may add columns after them.
    static let contract: [(view: String, columns: [String])] = [
        ("trade", ["period", "frequency", "reporter", "partner", "flow", "hs_code", "quantity_kg", "value_usd",
                   "source", "raw_file", "raw_line"]),
        ("trade_history", ["period", "frequency", "reporter", "partner", "flow", "hs_code", "quantity_kg",
                           "value_usd", "source", "raw_file", "raw_line"]),
        ("anomalies", ["id", "detector", "severity", "score", "reporter", "partner", "via", "hs_code",
                       "period_start", "period_end", "summary", "evidence", "run_id"]),
        ("mineral_stats", ["country", "year", "measure", "value", "unit", "source", "estimated"]),
        ("rejected_rows", ["run_id", "raw_file", "raw_line", "reason", "raw_text"]),
        ("fetches", ["run_id", "source", "url", "http_status", "records", "file", "last_released", "fetched_at", "error",
                     "tries"]),
        ("runs", ["id", "started_at", "finished_at", "status", "files_loaded", "rows_loaded", "rows_rejected"]),
        ("commodities", ["code", "level", "parent", "description_en", "description_zh", "elements", "nomenclature",
                         "valid_from", "valid_to"]),
        ("files", ["id", "path", "source", "sha256", "size", "mtime", "loaded_at", "rows_loaded", "rows_rejected",
                   "superseded"]),
        ("series_observations", ["dataset", "series_key", "period", "value"]),
        ("countries", ["iso3", "iso2"]),
        ("export_controls", ["regime", "issuer", "announced", "effective", "suspended_from", "suspended_until",
                             "elements", "scope"]),
        ("fx_rates", ["currency", "period", "units_per_usd"]),
        ("file_errors", ["id", "run_id", "path", "source", "message"]),
        ("detections", ["id", "run_id", "detector_version", "thresholds"]),
        ("trade_rollup", ["period", "frequency", "reporter", "partner", "flow", "hs_level", "hs_code", "quantity_kg",
                          "value_usd", "source", "months"]),
        ("coverage", ["source", "reporter", "frequency", "hs_level", "first_period", "last_period", "periods"]),
    ]

    @Test(arguments: contract.map(\.view))
    func viewHasContractColumnsFirst(view: String) throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let expected = Self.contract.first { $0.view == view }!.columns
        let actual = try column(warehouse, "SELECT name FROM pragma_table_info('\(view)')")
        #expect(Array(actual.prefix(expected.count)) == expected)
        #expect(try column(warehouse, "SELECT type FROM sqlite_schema WHERE name = '\(view)'") == ["view"])
    }

    @Test func tradeHistoryHasVersionColumns() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let columns = Set(try column(warehouse, "SELECT name FROM pragma_table_info('trade_history')"))
        #expect(columns.isSuperset(of: ["loaded_at", "sha256", "superseded", "superseded_by_file", "hs_edition",
                                        "valuation", "quantity_estimated", "file_id"]))
    }

    @Test func tablesAreStrict() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let loose = try column(warehouse, """
            SELECT name FROM pragma_table_list WHERE type = 'table' AND strict = 0
              AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations' AND schema = 'main'
            """)
        #expect(loose == [])
    }

    @Test func fileBackedInitCreatesDirectoryAndReopens() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nested/deeper/tradewatch.sqlite").path
        do {
            let warehouse = try Warehouse(path: path)
            let run = try warehouse.beginRun(command: "init")
            try warehouse.finishRun(run, status: .succeeded, counts: RunCounts())
        }
        #expect(FileManager.default.fileExists(atPath: path))
        let again = try Warehouse(path: path) // migrations already applied: a no-op
        #expect(try count(again, "SELECT count(*) FROM runs") == 1)
        #expect(try column(again, "PRAGMA journal_mode") == ["wal"])
    }

    @Test func unwritableLocationThrowsNamedDiagnostic() throws {
        let error = #expect(throws: Diagnostic.self) {
            _ = try Warehouse(path: "/proc/tradewatch-cannot/x.sqlite")
        }
        #expect(error?.message.hasPrefix("cannot open warehouse /proc/tradewatch-cannot/x.sqlite") == true)
    }
}
