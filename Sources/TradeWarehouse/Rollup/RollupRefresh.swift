import GRDB
import TradeCore

/// Recomputes `rollup_figure` and `rollup_direct` (read through the `trade_rollup` view) and
/// `coverage_year` (the `coverage` view) for the reporter-years queued in `rollup_pending`, inside
/// the caller's transaction, in SQL. A reporter-year with one source, frequency and code length
/// is recorded as direct (`RollupSingleSource.swift`); what follows describes the others.
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
        try db.execute(sql: """
            INSERT INTO temp.rollup_scope (reporter, year) SELECT reporter, year FROM rollup_pending;
            INSERT INTO temp.rollup_scan (reporter, year) SELECT reporter, year FROM rollup_pending WHERE coverage_ready = 0;
            """)
        let queued = try Int.fetchOne(db, sql: "SELECT count(*) FROM temp.rollup_scope") ?? 0
        guard queued > 0 else { return 0 }

        try snapshotCoverageStarts(db)
        try refreshCoverage(db)
        let extra = try queueYearsWithMovedStarts(db)
        try refreshSingleSourceYears(db)
        try db.execute(sql: """
            INSERT INTO temp.rollup_slow SELECT reporter, year FROM temp.rollup_scope
            WHERE (reporter, year) NOT IN (SELECT reporter, year FROM temp.rollup_single);
            INSERT OR IGNORE INTO temp.rollup_slow SELECT reporter, year FROM temp.rollup_scope_extra;
            """)
        if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM temp.rollup_slow)") == true {
            // A year whose source's coverage start moved may have been direct: it is materialized now.
            try db.execute(sql: "DELETE FROM rollup_direct WHERE (reporter, year) IN (SELECT reporter, year FROM temp.rollup_slow)")
            try collectLines(db, scope: "rollup_slow")
            try computeSourceFigures(db)
            try computeWinners(db)
        }
        try db.execute(sql: "DELETE FROM rollup_pending")
        return queued + extra
    }

    // MARK: - Scratch tables

    /// Scratch tables keyed in the order the steps read them, so that no step sorts what an
    /// earlier one wrote in order (a sort of millions of rows is most of a refresh's time).
    private static func createScratch(_ db: Database) throws {
        try dropScratch(db)
        try db.execute(sql: """
            CREATE TEMP TABLE rollup_scope (reporter TEXT NOT NULL, year TEXT NOT NULL,
                                            PRIMARY KEY (reporter, year)) WITHOUT ROWID;
            -- The scope's reporter-years whose coverage is read from their rows (not written at load).
            CREATE TEMP TABLE rollup_scan (reporter TEXT NOT NULL, year TEXT NOT NULL,
                                           PRIMARY KEY (reporter, year)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_scope_extra (reporter TEXT NOT NULL, year TEXT NOT NULL,
                                                  PRIMARY KEY (reporter, year)) WITHOUT ROWID;
            -- The reporter-years that need the general machinery (several sources, frequencies or
            -- code lengths), and those that one source covers with one frequency and code length.
            CREATE TEMP TABLE rollup_slow (reporter TEXT NOT NULL, year TEXT NOT NULL,
                                           PRIMARY KEY (reporter, year)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_single (reporter TEXT NOT NULL, year TEXT NOT NULL, source TEXT NOT NULL,
                                             frequency TEXT NOT NULL, code_length INTEGER NOT NULL,
                                             periods INTEGER NOT NULL,
                                             PRIMARY KEY (reporter, year)) WITHOUT ROWID;
            -- coverage_year's rows of the scope, with the shortest and longest code behind each.
            CREATE TEMP TABLE rollup_shape (
                reporter TEXT, year TEXT, source TEXT, frequency TEXT, hs_level INTEGER,
                first_period TEXT, last_period TEXT, periods INTEGER, min_length INTEGER, max_length INTEGER,
                PRIMARY KEY (reporter, year, source, frequency, hs_level)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_line (
                reporter TEXT, source TEXT, period TEXT, partner TEXT, flow TEXT, hs_code TEXT,
                quantity_kg REAL, value_usd REAL,
                PRIMARY KEY (reporter, source, period, partner, flow, hs_code)) WITHOUT ROWID;
            -- A leaf's code prefixes as columns: grouping by a key prefix reads the table in order.
            CREATE TEMP TABLE rollup_leaf (
                reporter TEXT, source TEXT, period TEXT, partner TEXT, flow TEXT,
                c2 TEXT, c4 TEXT, c6 TEXT, c8 TEXT, hs_code TEXT, quantity_kg REAL, value_usd REAL,
                PRIMARY KEY (reporter, source, period, partner, flow, c2, c4, c6, c8, hs_code)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_source_figure (
                reporter TEXT, source TEXT, period TEXT, partner TEXT, flow TEXT, hs_code TEXT,
                quantity_kg REAL, value_usd REAL,
                PRIMARY KEY (reporter, source, period, partner, flow, hs_code)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_months (reporter TEXT, source TEXT, year TEXT, months INTEGER,
                                             PRIMARY KEY (reporter, source, year)) WITHOUT ROWID;
            CREATE TEMP TABLE rollup_candidate (
                reporter TEXT, period TEXT, partner TEXT, flow TEXT, hs_code TEXT, source TEXT,
                quantity_kg REAL, value_usd REAL, months INTEGER,
                PRIMARY KEY (reporter, period, partner, flow, hs_code, source)) WITHOUT ROWID;
            -- ord: the source's place for the declarer by rank, coverage start and name.
            CREATE TEMP TABLE rollup_rank (reporter TEXT, source TEXT, rank INTEGER, ord INTEGER,
                                           PRIMARY KEY (reporter, source)) WITHOUT ROWID;
            """)
    }

    private static let scratchTables = ["rollup_scope", "rollup_scan", "rollup_scope_extra", "rollup_slow", "rollup_single",
                                        "rollup_shape", "rollup_line", "rollup_leaf",
                                        "rollup_source_figure", "rollup_months", "rollup_candidate", "rollup_rank",
                                        "rollup_start_before"]

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

    /// Where each source's coverage of the scope's declarers began, before this refresh (the
    /// coverage a load wrote for a year nothing covered is new).
    private static func snapshotCoverageStarts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TEMP TABLE rollup_start_before AS
            SELECT source, reporter, min(\(startOf("first_period"))) AS start
            FROM coverage_year
            WHERE reporter IN (SELECT reporter FROM temp.rollup_scope)
              AND (reporter, year) NOT IN (SELECT reporter, year FROM rollup_pending WHERE coverage_ready = 1)
            GROUP BY source, reporter
            """)
    }

    /// The current trade lines of every reporter-year in `scope` (as `t`), from every source.
    /// Driven by the natural-key index (one probe per source, period and reporter), in the order
    /// declarer, source, year, month, then the index.
    private static func scopedLines(_ scope: String) -> String {
        let months = ([""] + (1...12).map { $0 < 10 ? "-0\($0)" : "-\($0)" }).map { "('\($0)')" }
            .joined(separator: ", ")
        // CROSS JOIN fixes the loop order.
        return """
            (SELECT DISTINCT reporter FROM temp.\(scope)) r
            CROSS JOIN (SELECT DISTINCT source FROM raw_file) f
            CROSS JOIN temp.\(scope) s
            CROSS JOIN (VALUES \(months)) m
            CROSS JOIN trade_observation t
            WHERE s.reporter = r.reporter AND t.source = f.source AND t.period = s.year || m.column1
              AND t.reporter = s.reporter AND t.superseded_by_file IS NULL
            """
    }

    /// Copies the current trade lines of every reporter-year in `scope`, in the order of
    /// `rollup_line`'s key.
    private static func collectLines(_ db: Database, scope: String) throws {
        try db.execute(sql: """
            INSERT INTO temp.rollup_line (reporter, source, period, partner, flow, hs_code, quantity_kg, value_usd)
            SELECT t.reporter, t.source, t.period, t.partner, t.flow, t.hs_code, t.quantity_kg, t.value_usd
            FROM \(scopedLines(scope))
            """)
    }

    /// Replaces the `coverage_year` rows of the scope's years that a load did not write: distinct
    /// periods per source, frequency and the length class of its lines (2, 4, 6, 8; longer lines
    /// count as 8), read from the trade lines directly. `rollup_shape` gets the whole scope's.
    private static func refreshCoverage(_ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO temp.rollup_shape (reporter, year, source, frequency, hs_level, first_period, last_period,
                                           periods, min_length, max_length)
            SELECT t.reporter, s.year, t.source, CASE WHEN length(t.period) = 7 THEN 'M' ELSE 'A' END,
                   min(8, length(t.hs_code) / 2 * 2), min(t.period), max(t.period), count(DISTINCT t.period),
                   min(length(t.hs_code)), max(length(t.hs_code))
            FROM \(scopedLines("rollup_scan"))
            GROUP BY 1, 2, 3, 4, 5;

            DELETE FROM coverage_year WHERE (reporter, year) IN (SELECT reporter, year FROM temp.rollup_scan);
            INSERT INTO coverage_year (reporter, year, source, frequency, hs_level, first_period, last_period, periods,
                                       min_length, max_length)
            SELECT reporter, year, source, frequency, hs_level, first_period, last_period, periods, min_length, max_length
            FROM temp.rollup_shape;

            INSERT INTO temp.rollup_shape (reporter, year, source, frequency, hs_level, first_period, last_period,
                                           periods, min_length, max_length)
            SELECT reporter, year, source, frequency, hs_level, first_period, last_period, periods, min_length, max_length
            FROM coverage_year
            WHERE (reporter, year) IN (SELECT reporter, year FROM temp.rollup_scope)
              AND (reporter, year) NOT IN (SELECT reporter, year FROM temp.rollup_scan);
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
            INSERT INTO temp.rollup_leaf (reporter, source, period, partner, flow, c2, c4, c6, c8, hs_code,
                                          quantity_kg, value_usd)
            SELECT reporter, source, period, partner, flow, substr(hs_code, 1, 2), substr(hs_code, 1, 4),
                   substr(hs_code, 1, 6), substr(hs_code, 1, 8), hs_code, quantity_kg, value_usd
            FROM (SELECT *, lead(hs_code) OVER (PARTITION BY reporter, source, period, partner, flow
                                                ORDER BY hs_code) AS next_code
                  FROM temp.rollup_line)
            WHERE next_code IS NULL OR substr(next_code, 1, length(hs_code)) <> hs_code
            """)
        for level in [8, 6, 4, 2] {
            let prefixes = stride(from: 2, through: level, by: 2).map { "c\($0)" }.joined(separator: ", ")
            try db.execute(sql: """
                INSERT INTO temp.rollup_source_figure (reporter, source, period, partner, flow, hs_code,
                                                       quantity_kg, value_usd)
                SELECT reporter, source, period, partner, flow, c\(level), sum(quantity_kg), sum(value_usd)
                FROM temp.rollup_leaf WHERE length(hs_code) >= \(level)
                GROUP BY reporter, source, period, partner, flow, \(prefixes)
                """)
        }
        try db.execute(sql: """
            INSERT INTO temp.rollup_months (reporter, source, year, months)
            SELECT reporter, source, substr(period, 1, 4), count(DISTINCT period)
            FROM temp.rollup_line WHERE length(period) = 7 GROUP BY 1, 2, 3
            """)
    }

    /// Candidates (monthly figures, own annual figures, annual sums of months) and one winner per key.
    private static func computeWinners(_ db: Database) throws {
        // A source's own annual figure goes in first, so its sum of months for the same key is ignored.
        try db.execute(sql: """
            INSERT INTO temp.rollup_candidate (reporter, period, partner, flow, hs_code, source, quantity_kg, value_usd, months)
            SELECT reporter, period, partner, flow, hs_code, source, quantity_kg, value_usd,
                   CASE WHEN length(period) = 7 THEN 1 ELSE 12 END
            FROM temp.rollup_source_figure;

            INSERT OR IGNORE INTO temp.rollup_candidate (reporter, period, partner, flow, hs_code, source,
                                                         quantity_kg, value_usd, months)
            SELECT f.reporter, m.year, f.partner, f.flow, f.hs_code, f.source, sum(f.quantity_kg), sum(f.value_usd), m.months
            FROM temp.rollup_source_figure f
            JOIN temp.rollup_months m ON m.reporter = f.reporter AND m.source = f.source AND m.year = substr(f.period, 1, 4)
            WHERE length(f.period) = 7
            GROUP BY f.reporter, f.source, m.year, f.partner, f.flow, f.hs_code;

            INSERT INTO temp.rollup_rank (reporter, source, rank, ord)
            SELECT reporter, source, rank, row_number() OVER (PARTITION BY reporter ORDER BY rank, start, source)
            FROM (SELECT c.reporter, c.source,
                         coalesce(CASE WHEN s.own_reporter = c.reporter THEN s.own_rank ELSE s.other_rank END,
                                  \(SourcePrecedence.otherRank)) AS rank,
                         min(\(startOf("c.first_period"))) AS start
                  FROM coverage_year c LEFT JOIN rollup_source s ON s.source = c.source
                  WHERE c.reporter IN (SELECT reporter FROM temp.rollup_scope)
                  GROUP BY c.reporter, c.source);
            """)
        let scope = try Row.fetchAll(db, sql: "SELECT reporter, year FROM temp.rollup_slow")
        let delete = try db.makeStatement(sql: "DELETE FROM rollup_figure WHERE reporter = ? AND period BETWEEN ? AND ?")
        for row in scope {
            let year: String = row["year"]
            try delete.execute(arguments: [row["reporter"] as String, year, year + "-12"])
        }
        // One pass over the candidates in key order: min() picks the winning row (SQLite takes the
        // other, bare columns from the row that holds the minimum); incomplete annual figures last.
        try db.execute(sql: """
            INSERT INTO rollup_figure (reporter, period, partner, flow, hs_code, quantity_kg, value_usd,
                                       source, months, precedence, sources)
            SELECT reporter, period, partner, flow, hs_code, quantity_kg, value_usd, source, months, rank, sources
            FROM (SELECT c.reporter, c.period, c.partner, c.flow, c.hs_code, c.quantity_kg, c.value_usd, c.source,
                         c.months, r.rank, count(*) AS sources,
                         min((length(c.period) = 4 AND c.months < 12) * 1000000 + r.ord) AS best
                  FROM temp.rollup_candidate c
                  JOIN temp.rollup_rank r ON r.reporter = c.reporter AND r.source = c.source
                  GROUP BY c.reporter, c.period, c.partner, c.flow, c.hs_code)
            """)
    }
}
