import Foundation
import GRDB
import Synchronization
import Testing
import TradeCore
@testable import TradeWarehouse

@Suite struct ReadOnlyTests {
    @Test func readOnlyConnectionRefusesEveryKindOfWrite() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tradewatch.sqlite").path
        let writer = try Warehouse(path: path)
        let run = try writer.beginRun(command: "load")
        _ = try writer.loadFile(file("Raw/cc/a.csv", 1), source: "china-customs", runID: run) { sink in
            try sink.add(trade("2024-01", "CHN", "SGP", kg: 1_000, usd: 50_000, line: 2))
        }

        let reader = try Warehouse.openReadOnly(path: path)
        let attached = dir.appendingPathComponent("x.db").path
        let statements = [
            "INSERT INTO run_ledger (command) VALUES ('evil')",
            "DELETE FROM trade_observation",
            "UPDATE trade_observation SET quantity_kg = 0",
            "DROP VIEW trade",
            "DROP TABLE trade_observation",
            "CREATE TABLE evil (x)",
            "ATTACH DATABASE '\(attached)' AS x",
            "ATTACH DATABASE '/tmp/x.db' AS x",
            "PRAGMA writable_schema = 1",
            "PRAGMA query_only = 0",
            "SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')",
            "VACUUM",
            "VACUUM INTO '\(attached)'",
            "/* hidden */ PRAGMA main.\"writable_schema\"=ON",
            "SELECT * FROM pragma_writable_schema(1)",
            "BEGIN IMMEDIATE",
            "REINDEX",
            "SELECT 1; PRAGMA writable_schema = 1",
            "SELECT 1; PRAGMA query_only = 0",
        ]
        for sql in statements {
            let error = #expect(throws: Diagnostic.self, "\(sql)") { _ = try reader.query(sql) }
            #expect(error?.message.isEmpty == false)
        }
        #expect(!FileManager.default.fileExists(atPath: attached))
        let writableSchema = try reader.query("PRAGMA writable_schema").rows
        let queryOnly = try reader.query("PRAGMA query_only").rows
        #expect(writableSchema == [[.integer(0)]])
        #expect(queryOnly == [[.integer(1)]])
        #expect(try column(reader, "PRAGMA table_info(trade)").count == 16)
        #expect(try column(reader, "-- comment\nWITH x AS (SELECT 1) SELECT * FROM x") == ["1"])
        #expect(try reader.currentTrade().map(\.quantityKg) == [1_000])
        #expect(try count(reader, "SELECT count(*) FROM runs") == 1)
        // The typed write API refuses too.
        #expect(throws: Diagnostic.self) { _ = try reader.beginRun(command: "x") }
        // And the writer still sees its data unchanged.
        #expect(try writer.currentTrade().map(\.quantityKg) == [1_000])
        #expect(try count(writer, "SELECT count(*) FROM sqlite_schema WHERE name = 'evil'") == 0)
    }

    @Test func readOnlyQueriesReturnTypedValuesAndSQLiteErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        _ = try Warehouse(path: path)
        let reader = try Warehouse.openReadOnly(path: path)
        let result = try reader.query("SELECT 1 AS i, 2.5 AS r, 'eu' AS t, NULL AS n, x'00ff' AS b")
        #expect(result.columns == ["i", "r", "t", "n", "b"])
        #expect(result.rows == [[.integer(1), .real(2.5), .text("eu"), .null, .blob(Data([0, 255]))]])
        #expect(result.rows[0].map(\.text) == ["1", "2.5", "eu", "", "x'00ff'"])
        let error = #expect(throws: Diagnostic.self) { _ = try reader.query("SELECT nope FROM trade") }
        #expect(error?.message == "query failed: no such column: nope")
    }

    /// A writer closing its last connection (checkpoint, WAL reset) or recovering a WAL holds the
    /// file exclusively for a moment; a reader opening then must wait, not fail "database is locked".
    /// Here another connection holds it exclusively until it has committed one more run.
    @Test func readOnlyOpenWaitsForAWriterHoldingTheFileExclusively() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tradewatch.sqlite").path
        _ = try Warehouse(path: path).beginRun(command: "load")
        let held = DispatchSemaphore(value: 0)
        let released = DispatchSemaphore(value: 0)
        let holderError = Mutex<(any Error)?>(nil)
        Thread.detachNewThread {
            do {
                let holder = try DatabaseQueue(path: path)
                try holder.inDatabase { db in
                    try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE")
                    try db.execute(sql: "INSERT INTO run_ledger (command) VALUES ('holder')")
                    held.signal()
                    Thread.sleep(forTimeInterval: 0.3)
                    try db.execute(sql: "COMMIT")
                }
                try holder.close()
            } catch {
                holderError.withLock { $0 = error }
                held.signal()
            }
            released.signal()
        }
        held.wait()
        let reader = try Warehouse.openReadOnly(path: path)
        #expect(try count(reader, "SELECT count(*) FROM runs") == 2, "the reader waited for the holder's commit")
        released.wait()
        #expect(holderError.withLock { $0 } == nil)
    }

    /// A writer killed mid-transaction can leave a hot rollback journal (an SQLite file is in
    /// rollback mode until it switches to WAL). A read-only connection may not roll it back and
    /// fails with SQLITE_READONLY; opening must recover it and show only committed content.
    /// The hot journal is made by copying the files while a transaction has spilled to disk.
    @Test func readOnlyOpenRollsBackAHotJournalAKilledWriterLeft() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tradewatch.sqlite").path
        let copy = dir.appendingPathComponent("copy.sqlite").path
        do {
            let writer = try Warehouse(path: path)
            let run = try writer.beginRun(command: "load")
            _ = try writer.loadFile(file("Raw/cc/a.csv", 1), source: "china-customs", runID: run) { sink in
                try sink.add(trade("2024-01", "CHN", "SGP", kg: 1_000, usd: 50_000, line: 2))
            }
        }
        let holder = try DatabaseQueue(path: path)
        try holder.inDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 2; BEGIN IMMEDIATE")
            try db.execute(sql: """
                CREATE TABLE uncommitted (x);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                INSERT INTO uncommitted SELECT randomblob(200) FROM n;
                DELETE FROM trade_observation;
                """)
            #expect(FileManager.default.fileExists(atPath: path + "-journal"), "the transaction spilled: its journal is on disk")
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            try FileManager.default.copyItem(atPath: path + "-journal", toPath: copy + "-journal")
            try db.execute(sql: "ROLLBACK")
        }
        try holder.close()

        let reader = try Warehouse.openReadOnly(path: copy)
        #expect(try reader.currentTrade().map(\.quantityKg) == [1_000])
        #expect(try count(reader, "SELECT count(*) FROM sqlite_schema WHERE name = 'uncommitted'") == 0)
        #expect(!FileManager.default.fileExists(atPath: copy + "-journal"), "the hot journal was rolled back")
    }

    @Test func openReadOnlyOnAMissingFileSaysSo() throws {
        let error = #expect(throws: Diagnostic.self) { _ = try Warehouse.openReadOnly(path: "/nonexistent/tw.sqlite") }
        #expect(error?.message.hasPrefix("cannot open warehouse /nonexistent/tw.sqlite read-only") == true)
    }
}

@Suite struct RunLockTests {
    @Test func aSecondHolderIsRefusedAtOnceUntilRelease() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tradewatch.sqlite").path
        let one = try Warehouse(path: path)
        let two = try Warehouse(path: path)
        let lock = try one.acquireRunLock(wait: false)
        #expect(lock.path == path + ".lock")
        #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "\(getpid())\n")

        let started = Date()
        let error = #expect(throws: WarehouseError.self) { _ = try two.acquireRunLock(wait: false) }
        #expect(error == .locked(holderPID: getpid(), lockPath: path + ".lock"))
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(error?.description == "error: another tradewatch run (pid \(getpid())) holds \(path).lock; "
                + "this one stops here (exit 3). Give --wait to queue behind it instead")
        #expect(throws: WarehouseError.self) { _ = try Warehouse.acquireRunLock(warehousePath: path, wait: false) }

        lock.release()
        lock.release() // idempotent
        let again = try two.acquireRunLock(wait: true)
        #expect(throws: WarehouseError.self) { _ = try one.acquireRunLock(wait: false) }
        _ = again
    }

    @Test func deinitReleasesTheLock() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        var first: RunLock? = try Warehouse.acquireRunLock(warehousePath: path, wait: false)
        // While the first lock lives, a second is refused (else the check below would prove nothing).
        #expect(throws: WarehouseError.locked(holderPID: getpid(), lockPath: path + ".lock")) {
            _ = try Warehouse.acquireRunLock(warehousePath: path, wait: false)
        }
        #expect(first != nil)
        first = nil
        do {
            let second = try Warehouse.acquireRunLock(warehousePath: path, wait: false)
            #expect(second.path == path + ".lock")
            second.release()
        } catch {
            Issue.record("the lock outlived its deinit: \(error)")
        }
    }
}

@Suite struct QueryGuardTests {
    @Test(arguments: [
        ("SELECT 1", QueryGuard.Verdict.allowed(isPragma: false)),
        ("SELECT 1; -- trailing comment\n;", .allowed(isPragma: false)),
        ("SELECT ';' AS semicolon", .allowed(isPragma: false)),
        ("  with x as (select 1) select * from x", .allowed(isPragma: false)),
        ("PRAGMA journal_mode", .allowed(isPragma: true)),
        ("PRAGMA table_info(trade)", .allowed(isPragma: true)),
        ("pragma writable_schema = 1", .refused("PRAGMA writable_schema with a value changes a setting; only reading PRAGMAs are allowed")),
        ("PRAGMA [query_only](0)", .refused("PRAGMA query_only with a value changes a setting; only reading PRAGMAs are allowed")),
        ("SELECT 1; PRAGMA writable_schema = 1", .refused("one statement at a time")),
        ("ATTACH DATABASE 'x' AS y", .refused("only SELECT, WITH, VALUES, EXPLAIN and reading PRAGMA statements are allowed, not ATTACH")),
        ("", .refused("empty statement")),
    ])
    func verdict(sql: String, expected: QueryGuard.Verdict) {
        #expect(QueryGuard.verdict(for: sql) == expected)
    }
}

@Suite struct QueryFunctionAllowListTests {
    /// `fts3_tokenizer('simple')` returns the address of a tokenizer module (a heap pointer); it and
    /// every other function outside the read-only allow-list are refused by name while preparing.
    @Test func functionsOutsideTheAllowListAreRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        _ = try Warehouse(path: path)
        let reader = try Warehouse.openReadOnly(path: path)
        for (sql, name) in [("SELECT fts3_tokenizer('simple')", "fts3_tokenizer"),
                            ("SELECT hex(FTS3_TOKENIZER('porter')) AS p", "fts3_tokenizer"),
                            ("WITH t AS (SELECT fts3_tokenizer('simple') AS p) SELECT length(p) FROM t", "fts3_tokenizer"),
                            ("SELECT sqlite_compileoption_get(0)", "sqlite_compileoption_get"),
                            ("SELECT load_extension('x')", "load_extension")] {
            let error = #expect(throws: Diagnostic.self, "\(sql)") { _ = try reader.query(sql) }
            #expect(error?.message == "query refused: function \(name)() is not on the read-only allow-list (queries are read-only)",
                    "\(sql)")
        }
        // Built-ins an analyst uses still work: scalar, JSON, date, math, aggregate and window functions.
        let sql = """
            SELECT upper('a') || printf('%d', abs(-2)) || json_extract('{"k":3}', '$.k') || ('{"k":4}' ->> '$.k')
                   || strftime('%Y', '2024-05-01') || CAST(round(sqrt(16.0)) AS INT) || coalesce(NULL, 'z')
                   || (SELECT group_concat(r) FROM (SELECT row_number() OVER (ORDER BY v) AS r FROM (SELECT 1 AS v UNION SELECT 2)))
                   || (SELECT count(*) FROM trade) || typeof(sum(1)) || iif(1 LIKE 1, 'y', 'n')
            """
        #expect(try reader.query(sql).rows == [[.text("A2342024" + "4z1,20integery")]])
    }
}
