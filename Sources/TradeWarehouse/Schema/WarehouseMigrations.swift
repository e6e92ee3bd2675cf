import GRDB

/// The warehouse schema as named, append-only migrations: never edit a shipped one, add a new one.
///
/// Tables are internal (`*_observation`, `raw_file`, `run_ledger`, …); the views created
/// here are the analyst-facing contract (docs/ARCHITECTURE.md, "Public views").
enum WarehouseMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-tables", migrate: createTables)
        migrator.registerMigration("v1-views", migrate: createViews)
        migrator.registerMigration("v2-hs-concordance", migrate: createConcordance)
        migrator.registerMigration("v3-trade-period-check", migrate: cheaperTradePeriodCheck)
        migrator.registerMigration("v4-raw-file-key", migrate: keyRawFilesByRelativePath)
        migrator.registerMigration("v5-cases", migrate: createCases)
        migrator.registerMigration("v6-trade-rollup", migrate: createTradeRollup)
        migrator.registerMigration("v7-fetch", migrate: createFetchLog)
        migrator.registerMigration("v8-rollup-direct", migrate: createRollupDirect)
        return migrator
    }

    /// `PRAGMA application_id` of a TradeWatch warehouse: "TWwh" in ASCII, so `file(1)` and
    /// TradeWatch itself can tell a warehouse from any other SQLite database.
    static let applicationID: Int32 = 0x5457_7768

    // MARK: - v4-raw-file-key

    /// The manifest's identity of a file becomes `raw_key`, its path relative to the canonical raw
    /// directory: `path` keeps the spelling the loading run was given (`Raw/…`, `./Raw/…`, an
    /// absolute path) for display; keyed by that spelling, every file would load again whenever it changed.
    /// Rows loaded before this migration have no key until a load adopts them
    /// (`Warehouse.keyManifestEntries`), the one step that knows the raw directory.
    private static func keyRawFilesByRelativePath(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE raw_file ADD COLUMN raw_key TEXT CHECK (raw_key <> '');
            DROP INDEX raw_file_one_current_version;
            CREATE UNIQUE INDEX raw_file_one_current_key ON raw_file(raw_key) WHERE state = 'current';
            CREATE INDEX raw_file_unkeyed_by_path ON raw_file(path) WHERE state = 'current' AND raw_key IS NULL;
            """)
    }

    // MARK: - v5-cases

    /// Findings grouped into cases (one event each, ranked by what is at stake), each finding's
    /// category and declarer, and each detection's count of series left unjudged for want of a
    /// covered baseline. Cases are rebuilt with every detection, like the findings.
    private static func createCases(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE anomaly_finding ADD COLUMN category TEXT NOT NULL DEFAULT 'trade'
                CHECK (category IN ('trade', 'data_quality'));
            ALTER TABLE anomaly_finding ADD COLUMN declared_by TEXT;
            ALTER TABLE anomaly_finding ADD COLUMN case_id INTEGER;
            ALTER TABLE detection ADD COLUMN unjudged TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(unjudged));
            DROP VIEW detections;
            CREATE VIEW detections AS
            SELECT id, run_id, detector_version, thresholds, anomaly_count, created_at, unjudged FROM detection;

            CREATE TABLE finding_case (
                id              INTEGER PRIMARY KEY,
                detection_id    INTEGER NOT NULL REFERENCES detection(id),
                rank            INTEGER NOT NULL CHECK (rank >= 1),
                severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
                confidence      REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
                category        TEXT NOT NULL CHECK (category IN ('trade', 'data_quality')),
                reporter        TEXT,
                partner         TEXT,
                via             TEXT,
                hs_code         TEXT,
                period_start    TEXT NOT NULL,
                period_end      TEXT NOT NULL,
                tonnes_at_stake REAL,
                usd_at_stake    REAL,
                summary         TEXT NOT NULL,
                finding_count   INTEGER NOT NULL CHECK (finding_count >= 1)
            ) STRICT;

            CREATE VIEW cases AS
            SELECT id, rank, severity, confidence, category, reporter, partner, via, hs_code, period_start, period_end,
                   tonnes_at_stake, usd_at_stake, summary, finding_count, detection_id
            FROM finding_case;

            DROP VIEW anomalies;
            CREATE VIEW anomalies AS
            SELECT a.id, a.detector, a.severity, a.score, a.reporter, a.partner, a.via, a.hs_code,
                   a.period_start, a.period_end, a.summary, a.evidence, a.run_id,
                   a.first_run_id, a.detection_id, d.detector_version, d.created_at AS detected_at,
                   a.category, a.declared_by, a.case_id
            FROM anomaly_finding a JOIN detection d ON d.id = a.detection_id;
            """)
    }

    // MARK: - v6-trade-rollup

    /// One figure per question: `trade_rollup` holds, per (period, reporter, partner, flow, code at
    /// level 2/4/6/8), the figure of the one source that answers for that declarer, and `coverage`
    /// what each source published. Both are materialized per reporter-year and refreshed by
    /// `Warehouse.refreshRollup()` for the reporter-years queued in `rollup_pending`; this migration
    /// queues every reporter-year a warehouse already holds, so the next `init`, `load` or `run`
    /// builds them.
    private static func createTradeRollup(_ db: Database) throws {
        try db.execute(sql: """
            -- Which source answers for a declarer, written from the source definitions at each load:
            -- the rank for figures of its own reporter and for every other declarer (lower wins).
            CREATE TABLE rollup_source (
                source       TEXT PRIMARY KEY CHECK (source <> ''),
                format       TEXT NOT NULL,
                own_reporter TEXT CHECK (own_reporter IS NULL OR length(own_reporter) = 3),
                declared     INTEGER CHECK (declared IS NULL OR declared >= 0),
                own_rank     INTEGER NOT NULL,
                other_rank   INTEGER NOT NULL
            ) STRICT;

            -- Reporter-years whose rollup and coverage must be recomputed. Filled inside each file's
            -- load transaction, emptied by the refresh: a run killed in between leaves them queued.
            CREATE TABLE rollup_pending (
                reporter TEXT NOT NULL,
                year     TEXT NOT NULL,
                PRIMARY KEY (reporter, year)
            ) STRICT, WITHOUT ROWID;

            -- What each source published per declarer, year, frequency and line length class.
            CREATE TABLE coverage_year (
                reporter     TEXT NOT NULL,
                year         TEXT NOT NULL,
                source       TEXT NOT NULL,
                frequency    TEXT NOT NULL CHECK (frequency = 'M' OR frequency = 'A'),
                hs_level     INTEGER NOT NULL CHECK (hs_level = 2 OR hs_level = 4 OR hs_level = 6 OR hs_level = 8),
                first_period TEXT NOT NULL,
                last_period  TEXT NOT NULL,
                periods      INTEGER NOT NULL CHECK (periods >= 1),
                PRIMARY KEY (reporter, year, source, frequency, hs_level)
            ) STRICT, WITHOUT ROWID;

            -- The key is the question: one figure per period, declarer, partner, flow and code.
            CREATE TABLE rollup_figure (
                reporter    TEXT NOT NULL,
                period      TEXT NOT NULL,
                partner     TEXT NOT NULL,
                flow        TEXT NOT NULL,
                hs_code     TEXT NOT NULL CHECK (length(hs_code) = 2 OR length(hs_code) = 4
                                                 OR length(hs_code) = 6 OR length(hs_code) = 8),
                quantity_kg REAL,
                value_usd   REAL,
                source      TEXT NOT NULL,
                months      INTEGER NOT NULL CHECK (months BETWEEN 1 AND 12),
                precedence  INTEGER NOT NULL,
                sources     INTEGER NOT NULL CHECK (sources >= 1),
                PRIMARY KEY (reporter, period, partner, flow, hs_code)
            ) STRICT, WITHOUT ROWID;

            CREATE VIEW trade_rollup AS
            SELECT period, CASE WHEN length(period) = 7 THEN 'M' ELSE 'A' END AS frequency,
                   reporter, partner, flow, length(hs_code) AS hs_level, hs_code, quantity_kg, value_usd,
                   source, months, precedence, sources
            FROM rollup_figure;

            CREATE VIEW coverage AS
            SELECT source, reporter, frequency, hs_level, min(first_period) AS first_period,
                   max(last_period) AS last_period, sum(periods) AS periods
            FROM coverage_year
            GROUP BY source, reporter, frequency, hs_level;

            INSERT INTO rollup_pending (reporter, year)
            SELECT DISTINCT reporter, substr(period, 1, 4) FROM trade_observation WHERE superseded_by_file IS NULL;
            """)
    }

    // MARK: - v3-trade-period-check

    /// The same rule for `trade_observation.period` (`YYYY`, or `YYYY-MM` with a month 01–12), written
    /// as three whole-value GLOBs: a `substr` in a CHECK makes a new string for every inserted row,
    /// and a GLOB over the whole value does not. Nothing else changes.
    ///
    /// SQLite cannot alter a CHECK, so the table is rebuilt the documented way: the views that read
    /// it are set aside, rows copied, and the indexes and views created again from their saved SQL.
    private static func cheaperTradePeriodCheck(_ db: Database) throws {
        let views = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master WHERE type = 'view' AND sql LIKE '%trade_observation%' ORDER BY rowid
            """)
        let indexes = try String.fetchAll(db, sql: """
            SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trade_observation' AND sql IS NOT NULL
            ORDER BY rowid
            """)
        for view in views {
            try db.execute(sql: "DROP VIEW \(view["name"] as String)")
        }
        try db.execute(sql: """
            CREATE TABLE trade_observation_v3 (
                id                 INTEGER PRIMARY KEY,
                file_id            INTEGER NOT NULL REFERENCES raw_file(id),
                source             TEXT NOT NULL,
                period             TEXT NOT NULL CHECK (
                                       period GLOB '[12][0-9][0-9][0-9]-0[1-9]'
                                       OR period GLOB '[12][0-9][0-9][0-9]-1[0-2]'
                                       OR period GLOB '[12][0-9][0-9][0-9]'),
                reporter           TEXT NOT NULL CHECK (length(reporter) = 3),
                partner            TEXT NOT NULL CHECK (length(partner) = 3),
                flow               TEXT NOT NULL CHECK (flow = 'export' OR flow = 'import' OR flow = 're-export' OR flow = 're-import'),
                hs_code            TEXT NOT NULL CHECK (length(hs_code) BETWEEN 2 AND 10 AND hs_code NOT GLOB '*[^0-9]*'),
                hs_edition         TEXT,
                quantity_kg        REAL,
                value_usd          REAL,
                valuation          TEXT NOT NULL CHECK (valuation = 'fob' OR valuation = 'cif' OR valuation = 'unknown'),
                quantity_estimated INTEGER NOT NULL CHECK (quantity_estimated IN (0, 1)),
                raw_line           INTEGER NOT NULL CHECK (raw_line >= 1),
                superseded_by_file INTEGER REFERENCES raw_file(id)
            ) STRICT;
            INSERT INTO trade_observation_v3 SELECT * FROM trade_observation;
            DROP TABLE trade_observation;
            ALTER TABLE trade_observation_v3 RENAME TO trade_observation;
            """)
        for sql in indexes + views.map({ $0["sql"] as String }) {
            try db.execute(sql: sql)
        }
    }

    // MARK: - v2-hs-concordance

    /// Codes across HS editions and dated national lines, from `Pipelines/reference/hs_concordance.csv`.
    private static func createConcordance(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE ref_hs_concordance (
                from_code TEXT NOT NULL CHECK (length(from_code) BETWEEN 2 AND 10 AND from_code NOT GLOB '*[^0-9]*'),
                from_edition TEXT NOT NULL,
                to_code TEXT NOT NULL CHECK (length(to_code) BETWEEN 2 AND 10 AND to_code NOT GLOB '*[^0-9]*'),
                to_edition TEXT NOT NULL,
                valid_from TEXT,
                valid_to TEXT,
                note TEXT NOT NULL,
                confidence TEXT NOT NULL,
                UNIQUE (from_code, from_edition, to_code, to_edition)
            ) STRICT;
            CREATE VIEW hs_concordance AS
                SELECT from_code, from_edition, to_code, to_edition, valid_from, valid_to, note, confidence
                FROM ref_hs_concordance;
            """)
    }

    // MARK: - v1-tables

    // Per-row CHECKs avoid `x IN (a, b, c)`: with more than two constants SQLite builds an
    // ephemeral index for the list on every execution of the insert.

    private static func createTables(_ db: Database) throws {
        try createLedgerTables(db)
        try createObservationTables(db)
        try createRejectionTables(db)
        try createReferenceTables(db)
        try createDetectionTables(db)
    }

    /// The run ledger and the manifest of loaded file versions.
    private static func createLedgerTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE run_ledger (
                id            INTEGER PRIMARY KEY,
                command       TEXT NOT NULL,
                started_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                finished_at   TEXT,
                status        TEXT NOT NULL DEFAULT 'running'
                              CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
                files_seen    INTEGER NOT NULL DEFAULT 0 CHECK (files_seen >= 0),
                files_loaded  INTEGER NOT NULL DEFAULT 0 CHECK (files_loaded >= 0),
                files_skipped INTEGER NOT NULL DEFAULT 0 CHECK (files_skipped >= 0),
                files_failed  INTEGER NOT NULL DEFAULT 0 CHECK (files_failed >= 0),
                rows_loaded   INTEGER NOT NULL DEFAULT 0 CHECK (rows_loaded >= 0),
                rows_rejected INTEGER NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
                CHECK ((status = 'running') = (finished_at IS NULL))
            ) STRICT;

            -- One row per loaded version of a raw file. 'loading' exists only inside the load
            -- transaction; at commit the row is 'current' and the path's previous version 'superseded'.
            CREATE TABLE raw_file (
                id            INTEGER PRIMARY KEY,
                path          TEXT NOT NULL CHECK (path <> ''),
                source        TEXT NOT NULL CHECK (source <> ''),
                sha256        TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
                size          INTEGER NOT NULL CHECK (size >= 0),
                mtime         REAL NOT NULL,
                run_id        INTEGER NOT NULL REFERENCES run_ledger(id),
                loaded_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                rows_loaded   INTEGER NOT NULL DEFAULT 0 CHECK (rows_loaded >= 0),
                rows_rejected INTEGER NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
                state         TEXT NOT NULL DEFAULT 'loading' CHECK (state IN ('loading', 'current', 'superseded')),
                superseded_by INTEGER REFERENCES raw_file(id),
                CHECK ((state = 'superseded') = (superseded_by IS NOT NULL))
            ) STRICT;
            CREATE UNIQUE INDEX raw_file_one_current_version ON raw_file(path) WHERE state = 'current';
            CREATE INDEX raw_file_by_content ON raw_file(sha256, source);
            CREATE INDEX raw_file_by_source ON raw_file(source, state);
            """)
    }

    /// The loaded figures, one table per kind of row, each row tied to the file version that brought it.
    private static func createObservationTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE trade_observation (
                id                 INTEGER PRIMARY KEY,
                file_id            INTEGER NOT NULL REFERENCES raw_file(id),
                source             TEXT NOT NULL,
                period             TEXT NOT NULL CHECK (
                                       period GLOB '[12][0-9][0-9][0-9]'
                                       OR (period GLOB '[12][0-9][0-9][0-9]-[01][0-9]'
                                           AND substr(period, 6, 2) BETWEEN '01' AND '12')),
                reporter           TEXT NOT NULL CHECK (length(reporter) = 3),
                partner            TEXT NOT NULL CHECK (length(partner) = 3),
                flow               TEXT NOT NULL CHECK (flow = 'export' OR flow = 'import' OR flow = 're-export' OR flow = 're-import'),
                hs_code            TEXT NOT NULL CHECK (length(hs_code) BETWEEN 2 AND 10 AND hs_code NOT GLOB '*[^0-9]*'),
                hs_edition         TEXT,
                quantity_kg        REAL,
                value_usd          REAL,
                valuation          TEXT NOT NULL CHECK (valuation = 'fob' OR valuation = 'cif' OR valuation = 'unknown'),
                quantity_estimated INTEGER NOT NULL CHECK (quantity_estimated IN (0, 1)),
                raw_line           INTEGER NOT NULL CHECK (raw_line >= 1),
                superseded_by_file INTEGER REFERENCES raw_file(id)
            ) STRICT;
            -- Natural key + file: one figure per key per file, and the supersession lookup.
            CREATE UNIQUE INDEX trade_natural_key ON trade_observation(source, period, reporter, partner, flow, hs_code, file_id);
            CREATE INDEX trade_by_file ON trade_observation(file_id);

            CREATE TABLE mineral_observation (
                id                 INTEGER PRIMARY KEY,
                file_id            INTEGER NOT NULL REFERENCES raw_file(id),
                source             TEXT NOT NULL,
                country            TEXT NOT NULL CHECK (length(country) = 3),
                year               INTEGER NOT NULL CHECK (year BETWEEN 1800 AND 2200),
                measure            TEXT NOT NULL CHECK (measure <> ''),
                value              REAL,
                unit               TEXT NOT NULL,
                estimated          INTEGER NOT NULL CHECK (estimated IN (0, 1)),
                note               TEXT,
                raw_line           INTEGER NOT NULL CHECK (raw_line >= 1),
                superseded_by_file INTEGER REFERENCES raw_file(id)
            ) STRICT;
            CREATE UNIQUE INDEX mineral_natural_key ON mineral_observation(source, country, year, measure, file_id);
            CREATE INDEX mineral_by_file ON mineral_observation(file_id);

            CREATE TABLE commodity_line (
                id                 INTEGER PRIMARY KEY,
                file_id            INTEGER NOT NULL REFERENCES raw_file(id),
                source             TEXT NOT NULL,
                code               TEXT NOT NULL CHECK (length(code) BETWEEN 2 AND 10 AND code NOT GLOB '*[^0-9]*'),
                level              INTEGER NOT NULL CHECK (level BETWEEN 2 AND 10 AND level % 2 = 0),
                parent             TEXT,
                description_en     TEXT NOT NULL,
                description_zh     TEXT,
                elements           TEXT NOT NULL,
                nomenclature       TEXT NOT NULL CHECK (nomenclature <> ''),
                valid_from         TEXT,
                valid_to           TEXT,
                raw_line           INTEGER NOT NULL CHECK (raw_line >= 1),
                superseded_by_file INTEGER REFERENCES raw_file(id)
            ) STRICT;
            CREATE UNIQUE INDEX commodity_natural_key ON commodity_line(nomenclature, code, file_id);
            CREATE INDEX commodity_by_file ON commodity_line(file_id);

            CREATE TABLE series_value (
                id                 INTEGER PRIMARY KEY,
                file_id            INTEGER NOT NULL REFERENCES raw_file(id),
                source             TEXT NOT NULL,
                dataset            TEXT NOT NULL CHECK (dataset <> ''),
                series_key         TEXT NOT NULL CHECK (series_key <> ''),
                period             TEXT NOT NULL CHECK (period <> ''),
                value              REAL,
                status             TEXT,
                raw_line           INTEGER NOT NULL CHECK (raw_line >= 1),
                superseded_by_file INTEGER REFERENCES raw_file(id)
            ) STRICT;
            CREATE UNIQUE INDEX series_natural_key ON series_value(dataset, series_key, period, file_id);
            CREATE INDEX series_by_file ON series_value(file_id);
            """)
    }

    /// Rows rejected with their location and reason, and files that could not be read at all.
    private static func createRejectionTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE rejected_row (
                id          INTEGER PRIMARY KEY,
                run_id      INTEGER NOT NULL REFERENCES run_ledger(id),
                file_id     INTEGER NOT NULL REFERENCES raw_file(id),
                source      TEXT NOT NULL,
                raw_file    TEXT NOT NULL,
                raw_line    INTEGER NOT NULL,
                raw_column  INTEGER,
                column_name TEXT,
                reason      TEXT NOT NULL CHECK (reason <> ''),
                raw_text    TEXT NOT NULL
            ) STRICT;
            CREATE INDEX rejected_by_file ON rejected_row(file_id);
            CREATE INDEX rejected_by_run ON rejected_row(run_id);

            CREATE TABLE file_error (
                id          INTEGER PRIMARY KEY,
                run_id      INTEGER NOT NULL REFERENCES run_ledger(id),
                path        TEXT NOT NULL,
                source      TEXT,
                message     TEXT NOT NULL CHECK (message <> ''),
                recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            ) STRICT;
            CREATE INDEX file_error_by_run ON file_error(run_id);
            """)
    }

    /// The reference tables (countries, commodity codes, export controls, exchange rates), replaced whole on load.
    private static func createReferenceTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE ref_country (
                iso3          TEXT PRIMARY KEY CHECK (length(iso3) = 3),
                iso2          TEXT NOT NULL,
                iso_numeric   TEXT NOT NULL,
                comtrade_code TEXT NOT NULL,
                name_en       TEXT NOT NULL,
                name_zh       TEXT NOT NULL,
                aliases       TEXT NOT NULL
            ) STRICT;

            CREATE TABLE ref_commodity (
                id             INTEGER PRIMARY KEY,
                code           TEXT NOT NULL CHECK (length(code) BETWEEN 2 AND 10 AND code NOT GLOB '*[^0-9]*'),
                level          INTEGER NOT NULL CHECK (level IN (2, 4, 6, 8, 10)),
                parent         TEXT,
                description_en TEXT NOT NULL,
                description_zh TEXT,
                elements       TEXT NOT NULL,
                nomenclature   TEXT NOT NULL CHECK (nomenclature <> ''),
                valid_from     TEXT,
                valid_to       TEXT,
                UNIQUE (nomenclature, code)
            ) STRICT;
            CREATE INDEX ref_commodity_by_code ON ref_commodity(code);

            CREATE TABLE ref_export_control (
                id              INTEGER PRIMARY KEY,
                regime          TEXT NOT NULL UNIQUE CHECK (regime <> ''),
                issuer          TEXT NOT NULL,
                announced       TEXT NOT NULL,
                effective       TEXT NOT NULL,
                suspended_from  TEXT,
                suspended_until TEXT,
                elements        TEXT NOT NULL,
                scope           TEXT NOT NULL
            ) STRICT;

            CREATE TABLE ref_fx_rate (
                currency      TEXT NOT NULL CHECK (length(currency) = 3),
                period        TEXT NOT NULL,
                units_per_usd REAL NOT NULL CHECK (units_per_usd > 0),
                PRIMARY KEY (currency, period)
            ) STRICT;
            """)
    }

    /// Detection runs and the current set of findings.
    private static func createDetectionTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE detection (
                id               INTEGER PRIMARY KEY,
                run_id           INTEGER NOT NULL REFERENCES run_ledger(id),
                detector_version TEXT NOT NULL,
                thresholds       TEXT NOT NULL CHECK (json_valid(thresholds)),
                anomaly_count    INTEGER NOT NULL DEFAULT 0,
                created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            ) STRICT;

            -- The current anomaly set. `fingerprint` identifies a finding across detection runs,
            -- so re-detection updates rows in place (stable ids) and never duplicates them.
            CREATE TABLE anomaly_finding (
                id            INTEGER PRIMARY KEY,
                fingerprint   TEXT NOT NULL UNIQUE,
                detection_id  INTEGER NOT NULL REFERENCES detection(id),
                run_id        INTEGER NOT NULL REFERENCES run_ledger(id),
                first_run_id  INTEGER NOT NULL REFERENCES run_ledger(id),
                detector      TEXT NOT NULL CHECK (detector <> ''),
                severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
                score         REAL NOT NULL,
                reporter      TEXT,
                partner       TEXT,
                via           TEXT,
                hs_code       TEXT,
                period_start  TEXT NOT NULL,
                period_end    TEXT NOT NULL,
                summary       TEXT NOT NULL,
                evidence      TEXT NOT NULL CHECK (json_valid(evidence))
            ) STRICT;
            CREATE INDEX anomaly_by_detection ON anomaly_finding(detection_id);
            """)
    }

    // MARK: - v1-views

    private static func createViews(_ db: Database) throws {
        try createLedgerViews(db)
        try createObservationViews(db)
        try createRejectionViews(db)
        try createReferenceViews(db)
        try createDetectionViews(db)
    }

    /// `runs` and `files`: the ledger and the manifest as analysts see them.
    private static func createLedgerViews(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIEW runs AS
            SELECT id, started_at, finished_at, status, files_loaded, rows_loaded, rows_rejected,
                   command, files_seen, files_skipped, files_failed
            FROM run_ledger;

            CREATE VIEW files AS
            SELECT id, path, source, sha256, size, mtime, loaded_at, rows_loaded, rows_rejected,
                   (state = 'superseded') AS superseded, superseded_by, run_id
            FROM raw_file
            WHERE state <> 'loading';
            """)
    }

    /// The figures: every version (`trade_history`) and the current ones (`trade`, …).
    private static func createObservationViews(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIEW trade_history AS
            SELECT t.period,
                   CASE WHEN length(t.period) = 7 THEN 'M' ELSE 'A' END AS frequency,
                   t.reporter, t.partner, t.flow, t.hs_code, t.quantity_kg, t.value_usd,
                   t.source, f.path AS raw_file, t.raw_line,
                   t.hs_edition, t.valuation, t.quantity_estimated, t.file_id, f.loaded_at,
                   f.sha256, (t.superseded_by_file IS NOT NULL) AS superseded, t.superseded_by_file
            FROM trade_observation t JOIN raw_file f ON f.id = t.file_id;

            CREATE VIEW trade AS
            SELECT t.period,
                   CASE WHEN length(t.period) = 7 THEN 'M' ELSE 'A' END AS frequency,
                   t.reporter, t.partner, t.flow, t.hs_code, t.quantity_kg, t.value_usd,
                   t.source, f.path AS raw_file, t.raw_line,
                   t.hs_edition, t.valuation, t.quantity_estimated, t.file_id, f.loaded_at
            FROM trade_observation t JOIN raw_file f ON f.id = t.file_id
            WHERE t.superseded_by_file IS NULL;

            CREATE VIEW mineral_stats AS
            SELECT m.country, m.year, m.measure, m.value, m.unit, m.source, m.estimated, m.note,
                   f.path AS raw_file, m.raw_line, m.file_id, f.loaded_at
            FROM mineral_observation m JOIN raw_file f ON f.id = m.file_id
            WHERE m.superseded_by_file IS NULL;

            CREATE VIEW series_observations AS
            SELECT s.dataset, s.series_key, s.period, s.value, s.status, s.source,
                   f.path AS raw_file, s.raw_line, s.file_id, f.loaded_at
            FROM series_value s JOIN raw_file f ON f.id = s.file_id
            WHERE s.superseded_by_file IS NULL;
            """)
    }

    /// `rejected_rows` and `file_errors`.
    private static func createRejectionViews(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIEW rejected_rows AS
            SELECT r.run_id, r.raw_file, r.raw_line, r.reason, r.raw_text,
                   r.raw_column, r.column_name, r.source, r.file_id,
                   (f.state = 'superseded') AS superseded
            FROM rejected_row r JOIN raw_file f ON f.id = r.file_id;

            CREATE VIEW file_errors AS
            SELECT id, run_id, path, source, message, recorded_at FROM file_error;
            """)
    }

    /// The reference tables as analysts see them.
    private static func createReferenceViews(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIEW countries AS
            SELECT iso3, iso2, iso_numeric, comtrade_code, name_en, name_zh, aliases FROM ref_country;

            -- Reference lines win over lines loaded from nomenclature files for the same code.
            CREATE VIEW commodities AS
            SELECT code, level, parent, description_en, description_zh, elements, nomenclature,
                   valid_from, valid_to, 'reference' AS origin, NULL AS raw_file
            FROM ref_commodity
            UNION ALL
            SELECT c.code, c.level, c.parent, c.description_en, c.description_zh, c.elements, c.nomenclature,
                   c.valid_from, c.valid_to, 'file' AS origin, f.path AS raw_file
            FROM commodity_line c JOIN raw_file f ON f.id = c.file_id
            WHERE c.superseded_by_file IS NULL
              AND NOT EXISTS (SELECT 1 FROM ref_commodity r WHERE r.code = c.code);

            CREATE VIEW export_controls AS
            SELECT regime, issuer, announced, effective, suspended_from, suspended_until, elements, scope
            FROM ref_export_control;

            CREATE VIEW fx_rates AS
            SELECT currency, period, units_per_usd FROM ref_fx_rate;
            """)
    }

    /// `detections` and `anomalies`.
    private static func createDetectionViews(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIEW detections AS
            SELECT id, run_id, detector_version, thresholds, anomaly_count, created_at FROM detection;

            CREATE VIEW anomalies AS
            SELECT a.id, a.detector, a.severity, a.score, a.reporter, a.partner, a.via, a.hs_code,
                   a.period_start, a.period_end, a.summary, a.evidence, a.run_id,
                   a.first_run_id, a.detection_id, d.detector_version, d.created_at AS detected_at
            FROM anomaly_finding a JOIN detection d ON d.id = a.detection_id;
            """)
    }
}
