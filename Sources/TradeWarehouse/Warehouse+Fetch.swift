import GRDB
import TradeCore

extension Warehouse {
    /// Adds one row to `fetch_call`.
    public func recordFetchCall(_ call: FetchCallRecord) throws {
        try write("cannot record a fetch") { db in
            try db.execute(literal: """
                INSERT INTO fetch_call (run_id, source, url, http_status, records, file, last_released, error, tries)
                VALUES (\(call.runID), \(call.source), \(call.url), \(call.httpStatus), \(call.records), \(call.file),
                        \(call.lastReleased), \(call.error), \(call.tries))
                """)
        }
    }

    /// Calls `source` made on UTC day `day` (`YYYY-MM-DD`).
    public func fetchCalls(source: String, day: String) throws -> Int {
        try read("cannot read the fetch budget") { db in
            // A read-only warehouse older than the fetch tables (a dry run) has fetched nothing.
            guard try db.tableExists("fetch_budget") else { return 0 }
            return try Int.fetchOne(db, SQLRequest(literal: "SELECT calls FROM fetch_budget WHERE source = \(source) AND day = \(day)")) ?? 0
        }
    }

    /// Counts one call for `source` on `day`, committed before the call is made (a run killed during
    /// the call has still spent it), and returns the day's count.
    @discardableResult
    public func countFetchCall(source: String, day: String) throws -> Int {
        try write("cannot count a fetch call") { db in
            try db.execute(literal: """
                INSERT INTO fetch_budget (source, day, calls) VALUES (\(source), \(day), 1)
                ON CONFLICT (source, day) DO UPDATE SET calls = calls + 1
                """)
            return try Int.fetchOne(db, SQLRequest(literal: "SELECT calls FROM fetch_budget WHERE source = \(source) AND day = \(day)")) ?? 0
        }
    }

    /// `lastReleased` of each reporter-period of `source` as last fetched, keyed by reporter and period.
    public func fetchedReleases(source: String) throws -> [FetchReleaseKey: String] {
        try read("cannot read fetched releases") { db in
            guard try db.tableExists("fetch_release") else { return [:] }
            var result: [FetchReleaseKey: String] = [:]
            let rows = try Row.fetchAll(db, SQLRequest(literal: """
                SELECT reporter, period, last_released FROM fetch_release WHERE source = \(source)
                """))
            for row in rows {
                result[FetchReleaseKey(reporter: row["reporter"], period: row["period"])] = row["last_released"]
            }
            return result
        }
    }

    /// Records that a reporter-period was fetched as released at `lastReleased`.
    public func recordRelease(source: String, key: FetchReleaseKey, lastReleased: String) throws {
        try write("cannot record a fetched release") { db in
            try db.execute(literal: """
                INSERT INTO fetch_release (source, reporter, period, last_released)
                VALUES (\(source), \(key.reporter), \(key.period), \(lastReleased))
                ON CONFLICT (source, reporter, period) DO UPDATE SET last_released = excluded.last_released
                """)
        }
    }

    /// The validators stored for `url` of `source`.
    public func fetchValidators(source: String, url: String) throws -> FetchValidators? {
        try read("cannot read fetch validators") { db in
            guard try db.tableExists("fetch_validator") else { return nil }
            guard let row = try Row.fetchOne(db, SQLRequest(literal: """
                SELECT etag, last_modified FROM fetch_validator WHERE source = \(source) AND url = \(url)
                """)) else { return nil }
            return FetchValidators(etag: row["etag"], lastModified: row["last_modified"])
        }
    }

    public func storeFetchValidators(source: String, url: String, _ validators: FetchValidators) throws {
        try write("cannot store fetch validators") { db in
            try db.execute(literal: """
                INSERT INTO fetch_validator (source, url, etag, last_modified)
                VALUES (\(source), \(url), \(validators.etag), \(validators.lastModified))
                ON CONFLICT (source, url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified
                """)
        }
    }
}
