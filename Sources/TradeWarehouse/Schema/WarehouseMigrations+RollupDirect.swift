import GRDB

extension WarehouseMigrations {
    // MARK: - v8-rollup-direct

    /// The reporter-years that one source covers with one frequency and one code length (a whole
    /// Comtrade extract, a customs series of 8-digit lines) are answered by `trade_rollup` straight
    /// from their trade lines when read: no other source competes there and every line is a leaf,
    /// so the figure of a level is the sum of the lines under its prefix. Such a year is one row of
    /// `rollup_direct` instead of about three `rollup_figure` rows per line, which made refreshing
    /// the rollup cost twice the load itself. Years with competing sources, frequencies or code
    /// lengths stay materialized in `rollup_figure`. Every reporter-year is queued, so the next
    /// refresh sorts existing years into the two kinds.
    ///
    /// `coverage_year` also records the shortest and longest code behind each row, and a queued
    /// reporter-year can be `coverage_ready`: a load wrote its coverage from the rows it stored,
    /// because nothing covered that year before, and the refresh need not read the rows for it.
    static func createRollupDirect(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE coverage_year ADD COLUMN min_length INTEGER CHECK (min_length IS NULL OR min_length BETWEEN 2 AND 10);
            ALTER TABLE coverage_year ADD COLUMN max_length INTEGER CHECK (max_length IS NULL OR max_length BETWEEN 2 AND 10);
            ALTER TABLE rollup_pending ADD COLUMN coverage_ready INTEGER NOT NULL DEFAULT 0 CHECK (coverage_ready IN (0, 1));

            CREATE TABLE rollup_direct (
                reporter     TEXT NOT NULL,
                year         TEXT NOT NULL,
                source       TEXT NOT NULL,
                frequency    TEXT NOT NULL CHECK (frequency = 'M' OR frequency = 'A'),
                finest_level INTEGER NOT NULL CHECK (finest_level IN (2, 4, 6, 8)),
                -- The months in which the source published anything for the declarer that year.
                months       INTEGER NOT NULL CHECK (months BETWEEN 1 AND 12),
                precedence   INTEGER NOT NULL,
                PRIMARY KEY (reporter, year)
            ) STRICT, WITHOUT ROWID;

            CREATE TABLE rollup_level (level INTEGER PRIMARY KEY CHECK (level IN (2, 4, 6, 8))) STRICT;
            INSERT INTO rollup_level (level) VALUES (2), (4), (6), (8);

            DROP VIEW trade_rollup;
            \(tradeRollupView);

            INSERT INTO rollup_pending (reporter, year)
            SELECT DISTINCT reporter, substr(period, 1, 4) FROM trade_observation WHERE superseded_by_file IS NULL
            ON CONFLICT (reporter, year) DO UPDATE SET coverage_ready = 0;
            """)
    }

    /// `trade_rollup`: the materialized figures, then a direct year's figures at every level up to
    /// its finest (a line longer than 8 digits counts toward 8), then a monthly direct year's annual
    /// sums. The natural-key index is probed once per source, period and declarer, as the refresh
    /// did; a filter on the view's declarer, period or code reaches inside each part.
    private static var tradeRollupView: String {
        let months = (1...12).map { $0 < 10 ? "('-0\($0)')" : "('-\($0)')" }.joined(separator: ", ")
        let lines = """
            CROSS JOIN trade_observation t CROSS JOIN rollup_level l
                WHERE t.source = d.source AND t.period = d.year || m.column1 AND t.reporter = d.reporter
                  AND t.superseded_by_file IS NULL AND l.level <= d.finest_level
            """
        return """
            CREATE VIEW trade_rollup AS
            SELECT period, CASE WHEN length(period) = 7 THEN 'M' ELSE 'A' END AS frequency,
                   reporter, partner, flow, length(hs_code) AS hs_level, hs_code, quantity_kg, value_usd,
                   source, months, precedence, sources
            FROM rollup_figure
            UNION ALL
            SELECT t.period, d.frequency, t.reporter, t.partner, t.flow, l.level, substr(t.hs_code, 1, l.level),
                   sum(t.quantity_kg), sum(t.value_usd), d.source, CASE d.frequency WHEN 'M' THEN 1 ELSE 12 END,
                   d.precedence, 1
            FROM rollup_direct d CROSS JOIN (VALUES (''), \(months)) m
            \(lines)
            GROUP BY t.reporter, t.period, t.partner, t.flow, l.level, substr(t.hs_code, 1, l.level)
            UNION ALL
            SELECT d.year, 'A', t.reporter, t.partner, t.flow, l.level, substr(t.hs_code, 1, l.level),
                   sum(t.quantity_kg), sum(t.value_usd), d.source, d.months, d.precedence, 1
            FROM rollup_direct d CROSS JOIN (VALUES \(months)) m
            \(lines) AND d.frequency = 'M'
            GROUP BY t.reporter, d.year, t.partner, t.flow, l.level, substr(t.hs_code, 1, l.level)
            """
    }
}
