import Foundation
import GRDB
import Testing
import TradeCore
@testable import TradeWarehouse

/// Which databases the warehouse agrees to open, and the lock file it agrees to truncate.
@Suite struct WarehouseIdentityTests {
    /// A database made by hand with GRDB, closed before the test opens it as a warehouse.
    static func database(at path: String, upTo migration: String? = nil, _ body: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: path)
        if let migration { try WarehouseMigrations.migrator.migrate(queue, upTo: migration) }
        try queue.writeWithoutTransaction(body)
        try queue.close()
    }

    static func value<T: DatabaseValueConvertible>(_ sql: String, at path: String) throws -> T? {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try T.fetchOne(db, sql: sql) }
    }

    @Test func newWarehouseIsMarkedAsTradeWatchs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        _ = try Warehouse(path: path)
        #expect(try Self.value("PRAGMA application_id", at: path) == Int32(0x5457_7768))  // "TWwh"
    }

    /// Another application's database with tables is refused and left exactly as it was (not turned to WAL).
    @Test func foreignDatabaseIsRefusedUnchanged() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("other.sqlite").path
        try Self.database(at: path) { db in try db.execute(sql: "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')") }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = #expect(throws: Diagnostic.self) { _ = try Warehouse(path: path) }
        #expect(error?.message.contains("cannot open warehouse \(path): not a TradeWatch warehouse") == true, "\(String(describing: error))")
        #expect(throws: Diagnostic.self) { _ = try Warehouse.openReadOnly(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try Self.value("PRAGMA journal_mode", at: path) == "delete")
    }

    @Test func databaseOfAnotherApplicationIDIsRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("other.sqlite").path
        try Self.database(at: path) { db in try db.execute(sql: "PRAGMA application_id = 1234") }
        let error = #expect(throws: Diagnostic.self) { _ = try Warehouse(path: path) }
        #expect(error?.message.contains("application_id is 0x4d2") == true, "\(String(describing: error))")
        #expect(try Self.value("SELECT count(*) FROM sqlite_master", at: path) == 0)
    }

    /// A warehouse a newer TradeWatch migrated is refused by name of the migration, for writing and reading.
    @Test func newerMigrationIsRefusedByName() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        _ = try Warehouse(path: path)
        try Self.database(at: path) { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v9-from-the-future')") }
        for open in [{ _ = try Warehouse(path: path) }, { _ = try Warehouse.openReadOnly(path: path) }] {
            let error = #expect(throws: Diagnostic.self) { try open() }
            #expect(error?.message.contains("newer TradeWatch (unknown migration \"v9-from-the-future\")") == true,
                    "\(String(describing: error))")
        }
    }

    /// A warehouse made before the mark existed (TradeWatch's migrations, application_id 0) opens and gets marked.
    @Test func unmarkedTradeWatchWarehouseOpensAndIsMarked() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        try Self.database(at: path, upTo: "v3-trade-period-check") { _ in }
        #expect(try Self.value("PRAGMA application_id", at: path) == Int32(0))
        let warehouse = try Warehouse(path: path)
        #expect(try count(warehouse, "SELECT count(*) FROM files") == 0)
        #expect(try Self.value("PRAGMA application_id", at: path) == WarehouseMigrations.applicationID)
    }

    /// An empty file (`touch`) is a new warehouse, not a foreign one.
    @Test func emptyFileBecomesAWarehouse() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        FileManager.default.createFile(atPath: path, contents: nil)
        _ = try Warehouse(path: path)
        #expect(try Self.value("PRAGMA application_id", at: path) == WarehouseMigrations.applicationID)
    }
}

@Suite struct RunLockFileTests {
    /// `tw.sqlite.lock → victim.txt`: refused, and the victim keeps its bytes (run as root, the
    /// truncation would wipe any file).
    @Test func symlinkedLockFileIsRefusedAndItsTargetUntouched() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let victim = dir.appendingPathComponent("victim.txt")
        try Data("precious\n".utf8).write(to: victim)
        let lock = dir.appendingPathComponent("tw.sqlite.lock").path
        try FileManager.default.createSymbolicLink(atPath: lock, withDestinationPath: victim.path)
        let error = #expect(throws: Diagnostic.self) { _ = try RunLock.acquire(path: lock, wait: false) }
        #expect(error?.message.contains("symbolic link") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: victim) == Data("precious\n".utf8))
    }

    /// A hard link to another file is truncated just the same: refused.
    @Test func hardLinkedLockFileIsRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let victim = dir.appendingPathComponent("victim.txt")
        try Data("precious\n".utf8).write(to: victim)
        let lock = dir.appendingPathComponent("tw.sqlite.lock").path
        try FileManager.default.linkItem(atPath: victim.path, toPath: lock)
        #expect(throws: Diagnostic.self) { _ = try RunLock.acquire(path: lock, wait: false) }
        #expect(try Data(contentsOf: victim) == Data("precious\n".utf8))
    }

    /// A FIFO in the lock's place is refused at once (opening it must not block).
    @Test func fifoLockFileIsRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = dir.appendingPathComponent("tw.sqlite.lock").path
        #expect(mkfifo(lock, 0o644) == 0)
        let error = #expect(throws: Diagnostic.self) { _ = try RunLock.acquire(path: lock, wait: false) }
        #expect(error?.message.contains("not a regular file") == true, "\(String(describing: error))")
    }

    @Test func ordinaryLockFileStillWorks() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = dir.appendingPathComponent("tw.sqlite.lock").path
        let first = try RunLock.acquire(path: lock, wait: false)
        first.release()
        let second = try RunLock.acquire(path: lock, wait: false)
        #expect(try String(contentsOfFile: lock, encoding: .utf8) == "\(getpid())\n")
        second.release()
    }
}

/// The manifest identifies a file by its path relative to the raw directory (`key`).
@Suite struct ManifestKeyTests {
    @Test func sameKeyUnderAnotherPathIsTheSameFile() throws {
        let (warehouse, scratch) = try scratchWarehouse()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let run = try warehouse.beginRun(command: "load")
        let first = try warehouse.loadFile(FileIdentity(path: "Raw/cc/a.csv", key: "cc/a.csv", sha256: sha(1), size: 1, mtime: 1),
                                           source: "china-customs", runID: run) { _ in }
        #expect(try warehouse.manifestEntry(key: "cc/a.csv")?.fileID == first.fileID)
        let second = try warehouse.loadFile(FileIdentity(path: "./Raw/cc/a.csv", key: "cc/a.csv", sha256: sha(2), size: 1, mtime: 2),
                                            source: "china-customs", runID: run) { _ in }
        #expect(second.replacedFileID == first.fileID)
        #expect(try count(warehouse, "SELECT count(*) FROM files WHERE NOT superseded") == 1)
    }

    /// A version stored before keying is found by its path, keyed by `keyManifestEntries`, and a
    /// second unkeyed copy of the same file (loaded under another spelling) is superseded.
    @Test func unkeyedVersionsAreFoundKeyedAndDeduplicated() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.sqlite").path
        try WarehouseIdentityTests.database(at: path, upTo: "v3-trade-period-check") { db in
            try db.execute(sql: """
                INSERT INTO run_ledger (command) VALUES ('load');
                INSERT INTO raw_file (path, source, sha256, size, mtime, run_id, state)
                VALUES ('Raw/cc/a.csv', 'china-customs', '\(sha(1))', 1, 1, 1, 'current'),
                       ('./Raw/cc/a.csv', 'china-customs', '\(sha(1))', 1, 1, 1, 'current');
                """)
        }
        let warehouse = try Warehouse(path: path)
        let legacy = try #require(try warehouse.manifestEntry(key: "cc/a.csv", path: "./Raw/cc/a.csv"))
        #expect(legacy.key == nil && legacy.fileID == 2)
        #expect(try warehouse.manifestEntry(key: "cc/a.csv") == nil)
        let unkeyed = try warehouse.unkeyedManifestEntries()
        #expect(unkeyed.map(\.fileID) == [2, 1])
        #expect(try warehouse.keyManifestEntries(unkeyed.map { ($0.fileID, "cc/a.csv") }) == 1)
        #expect(try warehouse.manifestEntry(key: "cc/a.csv")?.fileID == 2)
        #expect(try column(warehouse, "SELECT superseded || ':' || coalesce(superseded_by, '') FROM files ORDER BY id") == ["1:2", "0:"])
        #expect(try warehouse.unkeyedManifestEntries().isEmpty)
    }
}
