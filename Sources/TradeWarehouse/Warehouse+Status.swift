import GRDB
import TradeCore

extension Warehouse {
    /// Recent runs, per-source counts over current data, and the last run's file failures.
    public func status() throws -> WarehouseStatus {
        try read("cannot read the warehouse status") { db in
            let runs = try Self.fetchRuns(db, limit: 10)
            let sources = try Row.fetchAll(db, sql: """
                WITH names AS (
                    SELECT source FROM raw_file WHERE state = 'current'
                    UNION SELECT source FROM file_error WHERE source IS NOT NULL
                ),
                current_files AS (
                    SELECT source, count(*) AS files, sum(rows_loaded) AS rows, sum(rows_rejected) AS rejected,
                           max(loaded_at) AS last_loaded
                    FROM raw_file WHERE state = 'current' GROUP BY source
                ),
                newest AS (
                    SELECT source, max(period) AS period FROM trade_observation
                    WHERE superseded_by_file IS NULL GROUP BY source
                    UNION ALL
                    SELECT source, CAST(max(year) AS TEXT) FROM mineral_observation
                    WHERE superseded_by_file IS NULL GROUP BY source
                    UNION ALL
                    SELECT source, max(period) FROM series_value
                    WHERE superseded_by_file IS NULL GROUP BY source
                )
                SELECT n.source, COALESCE(f.files, 0) AS files, COALESCE(f.rejected, 0) AS rejected,
                       f.last_loaded,
                       (SELECT max(period) FROM newest WHERE newest.source = n.source) AS newest_period,
                       (SELECT count(*) FROM trade_observation t WHERE t.source = n.source AND t.superseded_by_file IS NULL)
                     + (SELECT count(*) FROM mineral_observation m WHERE m.source = n.source AND m.superseded_by_file IS NULL)
                     + (SELECT count(*) FROM commodity_line c WHERE c.source = n.source AND c.superseded_by_file IS NULL)
                     + (SELECT count(*) FROM series_value s WHERE s.source = n.source AND s.superseded_by_file IS NULL)
                       AS rows
                FROM names n LEFT JOIN current_files f ON f.source = n.source
                ORDER BY n.source
                """).map { r in
                SourceStatus(source: r["source"], files: r["files"], rows: r["rows"], rejectedRows: r["rejected"],
                             newestPeriod: r["newest_period"], lastLoadedAt: r["last_loaded"])
            }
            let failures = try runs.first.map { try Self.fetchFileFailures(db, runID: $0.id) } ?? []
            return WarehouseStatus(runs: runs, sources: sources, lastRunFailures: failures)
        }
    }
}
