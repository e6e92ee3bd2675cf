import GRDB
import TradeCore

/// Recomputes `rollup_figure` (the `trade_rollup` view) and `coverage_year` (the `coverage` view)
/// for the reporter-years queued in `rollup_pending`, inside the caller's transaction, in SQL.
///
/// Per source, a figure at level L (2, 4, 6, 8) for code prefix c is the sum of that source's
/// leaves under c: lines of the same period, reporter, partner and flow that no longer line of the
/// source extends. A leaf shorter than L gives no level-L figure; a 10-digit leaf counts toward 8.
/// An annual figure of a monthly source sums its months, with `months` = the months of that year
/// in which the source published anything for the reporter; a source's own annual figure counts
/// as 12 months and replaces its monthly sum. Of the sources with a figure for a key, one wins:
/// complete (not an annual figure of fewer than 12 months), then the lowest rank
/// (`rollup_source`, written from `SourcePrecedence`), then the earliest coverage of the
/// declarer, then the name. Figures of two sources are never added.
enum RollupRefresh {
    /// Refreshes every queued reporter-year and empties the queue; returns how many were refreshed.
    static func run(_ db: Database) throws -> Int {
        try createScratch(db)
        defer { try? dropScratch(db) }
        try db.execute(sql: "INSERT INTO temp.rollup_scope (reporter, year) SELECT reporter, year FROM rollup_pending")
        let queued = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.rollup_scope") ?? 0
        guard queued > 0 else { return 0 }

        try snapshotCoverageStarts(db)
        try collectLines(db, scope: "rollup_scope")
        try refreshCoverage(db)
        let extra = try queueYearsWithMovedStarts(db)
        if extra > 0 {
            try collectLines(db, scope: "rollup_scope_extra")
            try db.execute(sql: "INSERT INTO temp.rollup_scope SELECT reporter, year FROM temp.rollup_scope_extra")
        }
        try computeSourceFigures(db)
        try computeWinners(db)
        try db.execute(sql: "DELETE FROM rollup_pending")
        return queued + extra
    }

    // MARK: - Scratch tables

    private static func createScratch(_ db: Database) throws {
        try dropScratch(db)
        try db.execute(sql: """
            CREATE TEMP TABLE rollup_scope (reporter TEXT NOT NULL, year TEXT NOT NULL,
                                            PRIMARY KEY (reporter, year)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_scope_extra (reporter TEXT NOT NULL, year TEXT NOT NULL,
                                                  PRIMARY KEY (reporter, year)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_line (source TEXT, reporter TEXT, period TEXT, partner TEXT, flow TEXT,
                                           hs_code TEXT, quantity_kg REAL, value_usd REAL);
            CREATE TEMP TABLE rollup_source_figure (
                source TEXT, reporter TEXT, period TEXT, partner TEXT, flow TEXT, hs_code TEXT,
                quantity_kg REAL, value_usd REAL,
                PRIMARY KEY (source, reporter, period, partner, flow, hs_code)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_candidate (reporter TEXT, period TEXT, partner TEXT, flow TEXT, hs_code TEXT,
                                                quantity_kg REAL, value_usd REAL, source TEXT, months INTEGER);
            """)
    }

    private static let scratchTables = ["rollup_scope", "rollup_scope_extra", "rollup_line", "rollup_source_figure",
                                        "rollup_candidate", "rollup_start_before", "rollup_months", "rollup_rank"]

    private static func dropScratch(_ db: Database) throws {
        for table in scratchTables {
            try db.execute(sql: "DROP TABLE IF EXISTS temp.\(table)")
        }
    }

    /// `period` written as a month, so that an annual source's coverage starts in its January.
    private static func startOf(_ column: String) -> String {
        "CASE WHEN length(\(column)) = 4 THEN \(column) || '-01' ELSE \(column) END"
    }

    // MARK: - Lines and coverage

    /// Where each source's coverage of the scope's declarers began, before this refresh.
    private static func snapshotCoverageStarts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TEMP TABLE rollup_start_before AS
            SELECT source, reporter, min(\(startOf("first_period"))) AS start
            FROM coverage_year WHERE reporter IN (SELECT reporter FROM temp.rollup_scope)
            GROUP BY source, reporter
            """)
    }

    /// Copies the current trade lines of every reporter-year in `scope`, from every source.
    /// Driven by the natural-key index: one probe per source, period and reporter.
    private static func collectLines(_ db: Database, scope: String) throws {
        let months = ([""] + (1...12).map { $0 < 10 ? "-0\($0)" : "-\($0)" }).map { "('\($0)')" }
            .joined(separator: ", ")
        // CROSS JOIN fixes the loop order so that trade_observation is the inner, indexed loop.
        try db.execute(sql: """
            INSERT INTO temp.rollup_line (source, reporter, period, partner, flow, hs_code, quantity_kg, value_usd)
            SELECT t.source, t.reporter, t.period, t.partner, t.flow, t.hs_code, t.quantity_kg, t.value_usd
            FROM temp.\(scope) s
            CROSS JOIN (SELECT DISTINCT source FROM raw_file) f
            CROSS JOIN (VALUES \(months)) m
            CROSS JOIN trade_observation t
            WHERE t.source = f.source AND t.period = s.year || m.column1 AND t.reporter = s.reporter
              AND t.superseded_by_file IS NULL
            """)
    }

    /// Replaces the scope's `coverage_year` rows: distinct periods per source, frequency and the
    /// length class of its lines (2, 4, 6, 8; longer lines count as 8).
    private static func refreshCoverage(_ db: Database) throws {
        try db.execute(sql: """
            DELETE FROM coverage_year WHERE (reporter, year) IN (SELECT reporter, year FROM temp.rollup_scope);
            INSERT INTO coverage_year (reporter, year, source, frequency, hs_level, first_period, last_period, periods)
            SELECT reporter, substr(period, 1, 4), source, CASE WHEN length(period) = 7 THEN 'M' ELSE 'A' END,
                   min(8, length(hs_code) / 2 * 2), min(period), max(period), count(DISTINCT period)
            FROM temp.rollup_line
            GROUP BY 1, 2, 3, 4, 5;
            """)
    }

    /// A source whose coverage of a declarer now begins at another period may win or lose ties in
    /// years this load did not touch: those years of that source and declarer join the refresh.
    private static func queueYearsWithMovedStarts(_ db: Database) throws -> Int {
        try db.execute(sql: """
            WITH after AS (
                SELECT source, reporter, min(\(startOf("first_period"))) AS start
                FROM coverage_year WHERE reporter IN (SELECT reporter FROM temp.rollup_scope)
                GROUP BY source, reporter),
            moved AS (
                SELECT a.source, a.reporter FROM after a
                JOIN temp.rollup_start_before b ON b.source = a.source AND b.reporter = a.reporter
                WHERE a.start <> b.start)
            INSERT OR IGNORE INTO temp.rollup_scope_extra (reporter, year)
            SELECT c.reporter, c.year FROM coverage_year c JOIN moved m ON m.source = c.source AND m.reporter = c.reporter
            WHERE NOT EXISTS (SELECT 1 FROM temp.rollup_scope s WHERE s.reporter = c.reporter AND s.year = c.year)
            """)
        return db.changesCount
    }

    // MARK: - Figures

    /// Every source's figures at levels 2, 4, 6 and 8 from its leaves, and its published months.
    private static func computeSourceFigures(_ db: Database) throws {
        // In code order, a line's descendants follow it directly: a line is a leaf when the next
        // code of the same source, period, declarer, partner and flow does not start with it.
        try db.execute(sql: """
            INSERT INTO temp.rollup_source_figure (source, reporter, period, partner, flow, hs_code, quantity_kg, value_usd)
            SELECT l.source, l.reporter, l.period, l.partner, l.flow, substr(l.hs_code, 1, v.column1) AS code,
                   sum(l.quantity_kg), sum(l.value_usd)
            FROM (SELECT *, lead(hs_code) OVER (PARTITION BY source, reporter, period, partner, flow
                                                ORDER BY hs_code) AS next_code
                  FROM temp.rollup_line) l
            JOIN (VALUES (2), (4), (6), (8)) v ON length(l.hs_code) >= v.column1
            WHERE l.next_code IS NULL OR substr(l.next_code, 1, length(l.hs_code)) <> l.hs_code
            GROUP BY l.source, l.reporter, l.period, l.partner, l.flow, code;

            CREATE TEMP TABLE rollup_months AS
            SELECT source, reporter, substr(period, 1, 4) AS year,
                   count(DISTINCT CASE WHEN length(period) = 7 THEN period END) AS months,
                   max(length(period) = 4) AS has_annual
            FROM temp.rollup_line GROUP BY 1, 2, 3;
            """)
    }

    /// Candidates (monthly figures, own annual figures, annual sums of months) and one winner per key.
    private static func computeWinners(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO temp.rollup_candidate (reporter, period, partner, flow, hs_code, quantity_kg, value_usd, source, months)
            SELECT reporter, period, partner, flow, hs_code, quantity_kg, value_usd, source,
                   CASE WHEN length(period) = 7 THEN 1 ELSE 12 END
            FROM temp.rollup_source_figure;

            INSERT INTO temp.rollup_candidate (reporter, period, partner, flow, hs_code, quantity_kg, value_usd, source, months)
            SELECT f.reporter, m.year, f.partner, f.flow, f.hs_code, sum(f.quantity_kg), sum(f.value_usd), f.source, m.months
            FROM temp.rollup_source_figure f
            JOIN temp.rollup_months m ON m.source = f.source AND m.reporter = f.reporter AND m.year = substr(f.period, 1, 4)
            WHERE length(f.period) = 7
              AND (NOT m.has_annual OR NOT EXISTS (
                    SELECT 1 FROM temp.rollup_source_figure a
                    WHERE a.source = f.source AND a.reporter = f.reporter AND a.period = m.year
                      AND a.partner = f.partner AND a.flow = f.flow AND a.hs_code = f.hs_code))
            GROUP BY f.source, f.reporter, m.year, f.partner, f.flow, f.hs_code;

            CREATE TEMP TABLE rollup_rank AS
            SELECT c.source, c.reporter,
                   coalesce(CASE WHEN s.own_reporter = c.reporter THEN s.own_rank ELSE s.other_rank END,
                            \(SourcePrecedence.otherRank)) AS rank,
                   min(\(startOf("c.first_period"))) AS start
            FROM coverage_year c LEFT JOIN rollup_source s ON s.source = c.source
            WHERE c.reporter IN (SELECT reporter FROM temp.rollup_scope)
            GROUP BY c.source, c.reporter;
            """)
        let scope = try Row.fetchAll(db, sql: "SELECT reporter, year FROM temp.rollup_scope")
        let delete = try db.makeStatement(sql: "DELETE FROM rollup_figure WHERE reporter = ? AND period BETWEEN ? AND ?")
        for row in scope {
            let year: String = row["year"]
            try delete.execute(arguments: [row["reporter"] as String, year, year + "-12"])
        }
        try db.execute(sql: """
            INSERT INTO rollup_figure (reporter, period, partner, flow, hs_code, quantity_kg, value_usd,
                                       source, months, precedence, sources)
            SELECT reporter, period, partner, flow, hs_code, quantity_kg, value_usd, source, months, rank, sources
            FROM (SELECT c.*, coalesce(r.rank, \(SourcePrecedence.otherRank)) AS rank,
                         row_number() OVER key AS pick, count(*) OVER key AS sources
                  FROM temp.rollup_candidate c
                  LEFT JOIN temp.rollup_rank r ON r.source = c.source AND r.reporter = c.reporter
                  WINDOW key AS (PARTITION BY c.reporter, c.period, c.partner, c.flow, c.hs_code
                                 ORDER BY length(c.period) = 4 AND c.months < 12,
                                          coalesce(r.rank, \(SourcePrecedence.otherRank)), r.start, c.source
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))
            WHERE pick = 1
            """)
    }
}
