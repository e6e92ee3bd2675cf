import GRDB

extension WarehouseMigrations {
    // MARK: - v7-fetch

    /// What `tradewatch fetch` asked and got (`fetch_call`, the view `fetches`), and the state that
    /// makes the next fetch incremental and bounded: the calls made per source and UTC day
    /// (`fetch_budget`), each reporter-period's `lastReleased` as last fetched (`fetch_release`),
    /// and each published file's validators for conditional GET (`fetch_validator`).
    /// URLs are stored without the subscription key, which is sent as a header only.
    static func createFetchLog(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE fetch_call (
                id            INTEGER PRIMARY KEY,
                run_id        INTEGER NOT NULL REFERENCES run_ledger(id),
                source        TEXT NOT NULL CHECK (source <> ''),
                url           TEXT NOT NULL,
                http_status   INTEGER CHECK (http_status IS NULL OR http_status BETWEEN 100 AND 599),
                records       INTEGER CHECK (records IS NULL OR records >= 0),
                file          TEXT,
                last_released TEXT,
                error         TEXT,
                tries         INTEGER NOT NULL CHECK (tries >= 0),
                fetched_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
            ) STRICT;
            CREATE INDEX fetch_call_by_run ON fetch_call(run_id);

            CREATE TABLE fetch_budget (
                source TEXT NOT NULL,
                day    TEXT NOT NULL CHECK (length(day) = 10),
                calls  INTEGER NOT NULL CHECK (calls >= 0),
                PRIMARY KEY (source, day)
            ) STRICT, WITHOUT ROWID;

            CREATE TABLE fetch_release (
                source        TEXT NOT NULL,
                reporter      TEXT NOT NULL,
                period        TEXT NOT NULL,
                last_released TEXT NOT NULL,
                PRIMARY KEY (source, reporter, period)
            ) STRICT, WITHOUT ROWID;

            CREATE TABLE fetch_validator (
                source        TEXT NOT NULL,
                url           TEXT NOT NULL,
                etag          TEXT,
                last_modified TEXT,
                PRIMARY KEY (source, url)
            ) STRICT, WITHOUT ROWID;

            CREATE VIEW fetches AS
            SELECT run_id, source, url, http_status, records, file, last_released, fetched_at, error, tries, id
            FROM fetch_call;
            """)
    }
}
