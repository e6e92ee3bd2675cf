import GRDB
import TradeCore

extension Warehouse {
    /// Starts a run in the ledger (status `running`) and returns its id.
    public func beginRun(command: String) throws -> Int64 {
        try write("cannot start a run") { db in
            try db.execute(literal: "INSERT INTO run_ledger (command) VALUES (\(command))")
            return db.lastInsertedRowID
        }
    }

    /// Marks every run still `running` as `failed` and returns their ids. Call it under the run lock,
    /// before `beginRun`: no other run can then be live, so such a run's process was killed or
    /// crashed (its files are whole or absent, never half-loaded; only its ledger row was left open).
    public func closeInterruptedRuns() throws -> [Int64] {
        try write("cannot close interrupted runs") { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM run_ledger WHERE status = 'running' ORDER BY id")
            try db.execute(sql: """
                UPDATE run_ledger SET status = 'failed', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                WHERE status = 'running'
                """)
            return ids
        }
    }

    /// Records how run `id` ended and its counts; a run finishes once.
    public func finishRun(_ id: Int64, status: RunStatus, counts: RunCounts) throws {
        try write("cannot finish run \(id)") { db in
            try db.execute(literal: """
                UPDATE run_ledger
                SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), status = \(status.rawValue),
                    files_seen = \(counts.filesSeen), files_loaded = \(counts.filesLoaded),
                    files_skipped = \(counts.filesSkipped), files_failed = \(counts.filesFailed),
                    rows_loaded = \(counts.rowsLoaded), rows_rejected = \(counts.rowsRejected)
                WHERE id = \(id) AND status = 'running'
                """)
            guard db.changesCount == 1 else {
                throw Diagnostic("cannot finish run \(id): no such run, or it already finished")
            }
        }
    }

    /// The most recent runs, newest first.
    public func recentRuns(limit: Int = 10) throws -> [RunRecord] {
        try read("cannot read the run ledger") { db in
            try Self.fetchRuns(db, limit: limit)
        }
    }

    static func fetchRuns(_ db: Database, limit: Int) throws -> [RunRecord] {
        try Row.fetchAll(db, SQLRequest(literal: """
            SELECT id, command, started_at, finished_at, status, files_seen, files_loaded, files_skipped,
                   files_failed, rows_loaded, rows_rejected
            FROM run_ledger ORDER BY id DESC LIMIT \(limit)
            """)).map { row in
            RunRecord(id: row["id"], command: row["command"], startedAt: row["started_at"],
                      finishedAt: row["finished_at"], status: row["status"],
                      counts: RunCounts(filesSeen: row["files_seen"], filesLoaded: row["files_loaded"],
                                        filesSkipped: row["files_skipped"], filesFailed: row["files_failed"],
                                        rowsLoaded: row["rows_loaded"], rowsRejected: row["rows_rejected"]))
        }
    }

    /// Records a file that could not be loaded at all (undecodable, truncated, matched no definition).
    public func recordFileFailure(runID: Int64, path: String, source: String?, message: String) throws {
        try write("cannot record the failure of \(path)") { db in
            try db.execute(literal: """
                INSERT INTO file_error (run_id, path, source, message) VALUES (\(runID), \(path), \(source), \(message))
                """)
        }
    }

    /// File-level failures recorded by run `runID`, in the order they happened.
    public func fileFailures(runID: Int64) throws -> [FileFailure] {
        try read("cannot read file failures") { db in
            try Self.fetchFileFailures(db, runID: runID)
        }
    }

    static func fetchFileFailures(_ db: Database, runID: Int64) throws -> [FileFailure] {
        try Row.fetchAll(db, SQLRequest(literal: """
            SELECT run_id, path, source, message, recorded_at FROM file_error WHERE run_id = \(runID) ORDER BY id
            """)).map { row in
            FileFailure(runID: row["run_id"], path: row["path"], source: row["source"],
                        message: row["message"], recordedAt: row["recorded_at"])
        }
    }
}
