import GRDB
import TradeCore

extension Warehouse {
    /// Recomputes `trade_rollup` and `coverage` for every reporter-year that loads (or a precedence
    /// change) queued, in one transaction; returns how many reporter-years were refreshed.
    @discardableResult
    public func refreshRollup() throws -> Int {
        try write("cannot refresh the trade rollup") { db in try RollupRefresh.run(db) }
    }

    /// Records which source answers for which declarer. A source whose ranks changed (or that
    /// appeared or left) queues every reporter-year it covers, so that the next `refreshRollup()`
    /// chooses again there.
    public func updateSourcePrecedence(_ precedence: SourcePrecedence) throws {
        try write("cannot record the source precedence") { db in
            let stored = try Row.fetchAll(db, sql: "SELECT source, format, own_reporter, declared, own_rank, other_rank FROM rollup_source")
            var before: [String: [DatabaseValue]] = [:]
            for row in stored {
                before[row["source"]] = Array(row.databaseValues.dropFirst())
            }
            var after: [String: [DatabaseValue]] = [:]
            for (source, entry) in precedence.entries {
                let own = entry.ownReporter.map { precedence.rank(source: source, declarer: $0) }
                let values: [(any DatabaseValueConvertible)?] = [
                    entry.format, entry.ownReporter, entry.declared,
                    own ?? precedence.rankForOtherDeclarers(source: source), precedence.rankForOtherDeclarers(source: source)]
                after[source] = values.map { $0?.databaseValue ?? .null }
            }
            let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
            guard !changed.isEmpty else { return }
            try db.execute(sql: "DELETE FROM rollup_source")
            let insert = try db.makeStatement(sql: """
                INSERT INTO rollup_source (source, format, own_reporter, declared, own_rank, other_rank)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            for (source, values) in after {
                try insert.execute(arguments: StatementArguments([source.databaseValue] + values))
            }
            let queue = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO rollup_pending (reporter, year)
                SELECT DISTINCT reporter, year FROM coverage_year WHERE source = ?
                """)
            for source in changed {
                try queue.execute(arguments: [source])
            }
        }
    }

    /// Queues the reporter-years of a file's trade rows, and of the rows of the path's previous
    /// version that it supersedes, for the next `refreshRollup()` (inside the file's transaction).
    /// A reporter-year that nothing covered before (no coverage and not queued) gets its coverage
    /// from the file's `shapes` at once and is queued as ready, so the refresh does not read its rows.
    static func queueRollup(_ db: Database, shapes: [ReporterYear: YearShape], source: String, previousFile: Int64?) throws {
        let covered = try db.makeStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM coverage_year WHERE reporter = ?1 AND year = ?2)
                OR EXISTS (SELECT 1 FROM rollup_pending WHERE reporter = ?1 AND year = ?2)
            """)
        let cover = try db.makeStatement(sql: """
            INSERT INTO coverage_year (reporter, year, source, frequency, hs_level, first_period, last_period, periods,
                                       min_length, max_length)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let queue = try db.makeStatement(sql: """
            INSERT INTO rollup_pending (reporter, year, coverage_ready) VALUES (?, ?, ?)
            ON CONFLICT (reporter, year) DO UPDATE SET coverage_ready = 0
            """)
        for (key, shape) in shapes {
            let year = String(key.year)
            let fresh = try Bool.fetchOne(covered, arguments: [key.reporter, year]) == false
            if fresh {
                for row in shape.coverage(year: key.year) {
                    try cover.execute(arguments: [key.reporter, year, source, row.frequency, row.level, row.first, row.last,
                                                  row.periods, row.minLength, row.maxLength])
                }
            }
            try queue.execute(arguments: [key.reporter, year, fresh])
        }
        if let previousFile {
            try db.execute(sql: """
                INSERT INTO rollup_pending (reporter, year)
                SELECT DISTINCT reporter, substr(period, 1, 4) FROM trade_observation WHERE file_id = ?
                ON CONFLICT (reporter, year) DO UPDATE SET coverage_ready = 0
                """, arguments: [previousFile])
        }
    }
}

/// A declarer and a year: the unit in which the rollup is refreshed.
struct ReporterYear: Hashable {
    var reporter: String
    var year: Int
}
