import GRDB
import TradeCore

/// The reporter-years that one source covers with one frequency and one code length (a whole
/// Comtrade extract, a customs series of 8-digit lines): there every line is a leaf, no other
/// source competes and no annual figure of the source's own replaces a sum of months, so the
/// figures go straight into `rollup_figure`, without the scratch copies and the candidate
/// machinery of the general path. The results are those of the general path with one candidate.
extension RollupRefresh {
    /// Picks the scope's single-source reporter-years (into `temp.rollup_single`) and writes their
    /// figures; `rollup_shape` must hold the scope's coverage.
    static func refreshSingleSourceYears(_ db: Database) throws {
        // Equal code lengths make every line a leaf: no code is a prefix of another of its length.
        try db.execute(sql: """
            INSERT INTO temp.rollup_single (reporter, year, source, frequency, code_length, periods)
            SELECT reporter, year, source, frequency, min_length, periods FROM temp.rollup_shape
            GROUP BY reporter, year HAVING count(*) = 1 AND min(min_length) = max(max_length)
            """)
        let years = try Row.fetchAll(db, sql: """
            SELECT s.reporter, s.year, s.source, s.frequency, s.code_length, s.periods,
                   coalesce(CASE WHEN p.own_reporter = s.reporter THEN p.own_rank ELSE p.other_rank END,
                            \(SourcePrecedence.otherRank)) AS rank
            FROM temp.rollup_single s LEFT JOIN rollup_source p ON p.source = s.source
            """)
        guard !years.isEmpty else { return }
        let statements = try SingleSourceStatements(db)
        for year in years {
            try statements.refresh(year)
        }
    }
}

/// The prepared statements of the single-source path, run once per reporter-year so that each
/// GROUP BY sorts one reporter-year's rows in memory.
private struct SingleSourceStatements {
    let delete: Statement
    let finest: Statement
    let coarser: Statement
    let annual: Statement

    init(_ db: Database) throws {
        let months = ([""] + (1...12).map { $0 < 10 ? "-0\($0)" : "-\($0)" }).map { "('\($0)')" }
            .joined(separator: ", ")
        let columns = "reporter, period, partner, flow, hs_code, quantity_kg, value_usd, source, months, precedence, sources"
        delete = try db.makeStatement(sql: """
            DELETE FROM rollup_figure WHERE reporter = :reporter AND period BETWEEN :year AND :year || '-12'
            """)
        // One probe of the natural-key index per period; a line longer than the level sums with its
        // siblings under the level's prefix (a 10-digit line counts toward 8).
        finest = try db.makeStatement(sql: """
            INSERT INTO rollup_figure (\(columns))
            SELECT t.reporter, t.period, t.partner, t.flow, substr(t.hs_code, 1, :level),
                   sum(t.quantity_kg), sum(t.value_usd), t.source,
                   CASE WHEN length(t.period) = 7 THEN 1 ELSE 12 END, :rank, 1
            FROM (VALUES \(months)) m CROSS JOIN trade_observation t
            WHERE t.source = :source AND t.period = :year || m.column1 AND t.reporter = :reporter
              AND t.superseded_by_file IS NULL
            GROUP BY 2, 3, 4, 5
            """)
        // Every line is at least as long as the finest level, so a level's figure is the sum of the
        // next finer level's figures under its prefix.
        coarser = try db.makeStatement(sql: """
            INSERT INTO rollup_figure (\(columns))
            SELECT reporter, period, partner, flow, substr(hs_code, 1, :level), sum(quantity_kg), sum(value_usd),
                   source, months, precedence, 1
            FROM rollup_figure
            WHERE reporter = :reporter AND period BETWEEN :year AND :year || '-12' AND length(hs_code) = :level + 2
            GROUP BY 2, 3, 4, 5
            """)
        // A monthly source's annual figure sums its monthly figures of the year at every level;
        // `months` counts the months in which it published anything for the declarer.
        annual = try db.makeStatement(sql: """
            INSERT INTO rollup_figure (\(columns))
            SELECT reporter, :year, partner, flow, hs_code, sum(quantity_kg), sum(value_usd),
                   source, :periods, precedence, 1
            FROM rollup_figure
            WHERE reporter = :reporter AND period BETWEEN :year || '-01' AND :year || '-12'
            GROUP BY partner, flow, hs_code
            """)
    }

    /// Replaces one reporter-year's figures; `row` is a `rollup_single` row with the source's rank.
    func refresh(_ row: Row) throws {
        let reporter: String = row["reporter"]
        let year: String = row["year"]
        let finestLevel = min(8, (row["code_length"] as Int) / 2 * 2)
        try delete.execute(arguments: ["reporter": reporter, "year": year])
        try finest.execute(arguments: ["reporter": reporter, "year": year, "source": row["source"] as String,
                                       "level": finestLevel, "rank": row["rank"] as Int])
        for level in stride(from: finestLevel - 2, through: 2, by: -2) {
            try coarser.execute(arguments: ["reporter": reporter, "year": year, "level": level])
        }
        if row["frequency"] as String == "M" {
            try annual.execute(arguments: ["reporter": reporter, "year": year, "periods": row["periods"] as Int])
        }
    }
}
