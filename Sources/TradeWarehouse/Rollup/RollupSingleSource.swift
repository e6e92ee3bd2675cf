import GRDB
import TradeCore

/// The reporter-years that one source covers with one frequency and one code length (a whole
/// Comtrade extract, a customs series of 8-digit lines): there every line is a leaf, no other
/// source competes and no annual figure of the source's own replaces a sum of months. Such a year
/// becomes one `rollup_direct` row, and the `trade_rollup` view sums its lines when read (see
/// `WarehouseMigrations.createRollupDirect`); the figures are those of the general path with one
/// candidate.
extension RollupRefresh {
    /// Picks the scope's single-source reporter-years (into `temp.rollup_single`), records them as
    /// direct and removes any figures they had materialized; `rollup_shape` must hold the scope's
    /// coverage.
    static func refreshSingleSourceYears(_ db: Database) throws {
        // Equal code lengths make every line a leaf: no code is a prefix of another of its length.
        try db.execute(sql: """
            INSERT INTO temp.rollup_single (reporter, year, source, frequency, code_length, periods)
            SELECT reporter, year, source, frequency, min_length, periods FROM temp.rollup_shape
            GROUP BY reporter, year HAVING count(*) = 1 AND min(min_length) = max(max_length);

            DELETE FROM rollup_direct WHERE (reporter, year) IN (SELECT reporter, year FROM temp.rollup_scope);
            INSERT INTO rollup_direct (reporter, year, source, frequency, finest_level, months, precedence)
            SELECT s.reporter, s.year, s.source, s.frequency, min(8, s.code_length / 2 * 2),
                   CASE s.frequency WHEN 'M' THEN s.periods ELSE 12 END,
                   coalesce(CASE WHEN p.own_reporter = s.reporter THEN p.own_rank ELSE p.other_rank END,
                            \(SourcePrecedence.otherRank))
            FROM temp.rollup_single s LEFT JOIN rollup_source p ON p.source = s.source;
            """)
        let delete = try db.makeStatement(sql: """
            DELETE FROM rollup_figure WHERE reporter = :reporter AND period BETWEEN :year AND :year || '-12'
            """)
        for row in try Row.fetchAll(db, sql: "SELECT reporter, year FROM temp.rollup_single") {
            try delete.execute(arguments: ["reporter": row["reporter"] as String, "year": row["year"] as String])
        }
    }
}
