import Foundation
import GRDB
import GRDBSQLite
import TradeCore

/// The SQLite warehouse: schema, loader, run ledger, manifest and typed queries behind one private connection.
///
/// Every public write is one transaction that leaves the warehouse consistent; the
/// migrator runs when a writable warehouse is opened. Errors are `Diagnostic`s naming
/// the warehouse and SQLite's message (`WarehouseError.locked` for the run lock).
public final class Warehouse: Sendable {
    /// The database file.
    public let path: String
    /// True for connections opened with `openReadOnly(path:)`.
    public let isReadOnly: Bool
    /// The connection (pool, or queue for read-only warehouses); internal to this module only.
    let dbWriter: any DatabaseWriter
    /// The function allow-list of a read-only connection (nil on writers: the loader's own SQL is trusted).
    let authorizer: QueryAuthorizer?

    private init(path: String, isReadOnly: Bool, dbWriter: any DatabaseWriter, authorizer: QueryAuthorizer? = nil) {
        self.path = path
        self.isReadOnly = isReadOnly
        self.dbWriter = dbWriter
        self.authorizer = authorizer
    }

    /// Opens (creating the file and its directory if needed) and migrates the warehouse at `path`, in WAL mode.
    public convenience init(path: String) throws {
        let what = "cannot open warehouse \(path)"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw Diagnostic("\(what): cannot create directory \(directory): \(ErrorText.reason(error))")
            }
        }
        if !FileManager.default.fileExists(atPath: path) {
            try Self.create(at: path)
        }
        // Checked on a plain connection first: opening the pool would turn any database to WAL.
        do {
            let queue = try DatabaseQueue(path: path, configuration: Self.writerConfiguration())
            try queue.read { db in try Self.checkIdentity(db, what) }
            try queue.close()
        } catch {
            throw Self.diagnostic(what, error)
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.writerConfiguration())
        } catch {
            throw Self.diagnostic(what, error)
        }
        self.init(path: path, isReadOnly: false, dbWriter: pool)
        try migrate()
    }

    /// Creates a new warehouse atomically: migrated in full at `<path>.creating`, then renamed into
    /// place. A run killed while creating leaves no half-migrated warehouse behind (readers would
    /// refuse it), only a staging file that the next creation replaces. Callers hold the run lock.
    private static func create(at path: String) throws {
        let what = "cannot create warehouse \(path)"
        let staging = path + ".creating"
        for leftover in [staging, staging + "-journal", staging + "-wal", staging + "-shm"]
            where FileManager.default.fileExists(atPath: leftover) {
            do {
                try FileManager.default.removeItem(atPath: leftover)
            } catch {
                throw Diagnostic("\(what): cannot remove the leftover \(leftover): \(ErrorText.reason(error))")
            }
        }
        do {
            let queue = try DatabaseQueue(path: staging, configuration: writerConfiguration())
            try WarehouseMigrations.migrator.migrate(queue)
            try queue.writeWithoutTransaction { db in try mark(db) }
            // Switch to WAL here, not after the rename: the switch is a rollback-journal write, and
            // a run killed inside it would leave the warehouse with a hot journal.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try queue.close()
        } catch {
            throw diagnostic(what, error)
        }
        guard rename(staging, path) == 0 else {
            throw Diagnostic("\(what): cannot rename \(staging) into place: \(String(cString: strerror(errno)))")
        }
    }

    /// Opens an existing warehouse for analysts' SQL: read-only file, `query_only`, no ATTACH,
    /// no extensions, only functions on `QueryAuthorizer`'s allow-list, and only statements SQLite
    /// reports as read-only are executed.
    public static func openReadOnly(path: String) throws -> Warehouse {
        let what = "cannot open warehouse \(path) read-only"
        guard FileManager.default.fileExists(atPath: path) else {
            throw Diagnostic("\(what): no such file (run `tradewatch init` or `tradewatch run` first)")
        }
        var config = Configuration()
        config.readonly = true
        config.label = "tradewatch.readonly"
        // WAL lets readers in beside a running load, except for the moments when the writer closes
        // its last connection (checkpoint and WAL reset) or recovers a WAL: then opening reports
        // SQLITE_BUSY. Wait those out rather than fail an analyst's query ("database is locked").
        config.busyMode = .timeout(busyTimeout)
        let authorizer = QueryAuthorizer()
        config.prepareDatabase { db in
            hardenConnection(db)
            try db.execute(sql: "PRAGMA query_only = 1")
            authorizer.install(on: db)
        }
        func open(_ location: String = path) throws -> (DatabaseQueue, Bool) {
            let queue = try DatabaseQueue(path: location, configuration: config)
            return (queue, try queue.read { db in
                try checkIdentity(db, what)
                return try WarehouseMigrations.migrator.hasCompletedMigrations(db)
            })
        }
        let queue: DatabaseQueue, migrated: Bool
        do {
            do {
                (queue, migrated) = try open()
            } catch let error as DatabaseError
                        where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN {
                if let immutable = try immutableLocation(path, what) {
                    (queue, migrated) = try open(immutable)
                } else if error.resultCode == .SQLITE_READONLY && access(path, W_OK) == 0 {
                    // A writer killed mid-transaction can leave a hot journal that must be rolled back
                    // before anyone reads, and a read-only connection may not do that. Let a read-write
                    // connection recover it — committed content only, exactly what the next run would do —
                    // then read.
                    try recoverAfterCrash(path: path)
                    (queue, migrated) = try open()
                } else {
                    throw error
                }
            }
        } catch {
            throw diagnostic(what, error)
        }
        let warehouse = Warehouse(path: path, isReadOnly: true, dbWriter: queue, authorizer: authorizer)
        guard migrated else {
            throw Diagnostic("\(what): the schema is missing or older than this tradewatch (run `tradewatch init`)")
        }
        return warehouse
    }

    /// The `immutable=1` URI of a warehouse in a folder this process cannot write, nil when the
    /// folder is writable. A WAL reader must create the `-shm` index beside the database unless it
    /// exists; in a read-only folder with no writer (none has the `-wal` open, so it is absent)
    /// the file is read as immutable instead. A writer that could still start there runs as
    /// another user; a query overlapping its first write may then fail, never the warehouse.
    /// Throws when a `-wal` holds commits that only a writer can fold back in.
    private static func immutableLocation(_ path: String, _ what: String) throws -> String? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard access((absolute as NSString).deletingLastPathComponent, W_OK) != 0 else { return nil }
        let wal = (try? FileManager.default.attributesOfItem(atPath: absolute + "-wal"))?[.size] as? NSNumber
        if let wal, wal.int64Value > 0 {
            throw Diagnostic("\(what): its folder is read-only and its write-ahead log \(path)-wal holds changes "
                             + "that only a writer can fold in (run `tradewatch init` where the folder is writable)")
        }
        // SQLite reads `file:` names as URIs: `%`, `?` and `#` in the path must be escaped.
        guard let escaped = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) else { return nil }
        return "file:\(escaped)?immutable=1"
    }

    /// Opens `path` read-write just long enough for SQLite to recover what a killed writer left (a
    /// hot journal, or a WAL whose index must be rebuilt); changes nothing else.
    private static func recoverAfterCrash(path: String) throws {
        var config = Configuration()
        config.label = "tradewatch.recovery"
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in hardenConnection(db) }
        let queue = try DatabaseQueue(path: path, configuration: config)
        _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        try queue.close()
    }

    /// How long a connection waits for another that holds the file (a checkpoint, a recovery, a
    /// second process) before reporting "database is locked".
    private static let busyTimeout: TimeInterval = 10

    private static func writerConfiguration() -> Configuration {
        var config = Configuration()
        config.label = "tradewatch"
        config.foreignKeysEnabled = true
        // Another process (an analyst's query, a second run) may briefly hold the database.
        config.busyMode = .timeout(busyTimeout)
        config.prepareDatabase { db in
            hardenConnection(db)
            // A new warehouse gets 8 KiB pages (SQLite's default is 4 KiB): bulk loads write every
            // page to the WAL and again at the checkpoint, so fewer, larger pages mean fewer writes
            // for the kernel. Runs before GRDB turns on WAL; an existing
            // warehouse keeps its page size (SQLite ignores the pragma once the file has pages).
            try db.execute(sql: "PRAGMA page_size = 8192")
        }
        return config
    }

    /// No ATTACH (it would let SQL create and write other files) and no extension loading
    /// (SQLite's default, asserted so it never changes silently), on every connection.
    private static func hardenConnection(_ db: Database) {
        sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_ATTACHED, 0)
        sqlite3_enable_load_extension(db.sqliteConnection, 0)
    }

    /// Applies the migrations this warehouse lacks and marks it as TradeWatch's (`application_id`);
    /// call `checkIdentity` first for a database that already existed.
    private func migrate() throws {
        do {
            try WarehouseMigrations.migrator.migrate(dbWriter)
            try dbWriter.writeWithoutTransaction { db in try Self.mark(db) }
        } catch {
            throw Self.diagnostic("cannot migrate warehouse \(path)", error)
        }
    }

    /// Sets TradeWatch's `application_id` unless it is set (a warehouse made before the mark existed gets it).
    private static func mark(_ db: Database) throws {
        let id = WarehouseMigrations.applicationID
        if try Int32.fetchOne(db, sql: "PRAGMA application_id") != id {
            try db.execute(sql: "PRAGMA application_id = \(id)")
        }
    }

    /// Refuses a database TradeWatch did not make, and one a newer TradeWatch migrated, before
    /// anything changes it: another `application_id`; no mark, tables, and none of TradeWatch's
    /// migrations; or an applied migration this binary does not know. An empty database is new.
    static func checkIdentity(_ db: Database, _ what: String) throws {
        let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let migrator = WarehouseMigrations.migrator
        if id != 0 && id != WarehouseMigrations.applicationID {
            throw Diagnostic("\(what): not a TradeWatch warehouse (its application_id is 0x\(String(UInt32(bitPattern: id), radix: 16)), "
                             + "TradeWatch's is 0x\(String(UInt32(bitPattern: WarehouseMigrations.applicationID), radix: 16))); "
                             + "refusing to change it: give --warehouse a new path or a TradeWatch warehouse")
        }
        let applied = try migrator.appliedIdentifiers(db)
        if id == 0, applied.isDisjoint(with: migrator.migrations),
           try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master)") == true {
            throw Diagnostic("\(what): not a TradeWatch warehouse: the database has tables but none of TradeWatch's migrations; "
                             + "refusing to change it: give --warehouse a new path or a TradeWatch warehouse")
        }
        if let unknown = applied.subtracting(migrator.migrations).sorted().first {
            throw Diagnostic("\(what): it was migrated by a newer TradeWatch (unknown migration \"\(unknown)\"); "
                             + "use that version or a later one")
        }
    }

    // MARK: - Access helpers

    /// Runs `body` in one write transaction; database errors become Diagnostics prefixed by `what`.
    func write<T>(_ what: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        guard !isReadOnly else {
            throw Diagnostic("\(what()): warehouse \(path) is open read-only")
        }
        do {
            return try dbWriter.write(body)
        } catch let error as DatabaseError {
            throw Self.diagnostic(what(), error)
        }
    }

    /// Runs `body` in a read transaction; database errors become Diagnostics prefixed by `what`.
    func read<T>(_ what: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try dbWriter.read(body)
        } catch let error as DatabaseError {
            throw Self.diagnostic(what(), error)
        }
    }

    /// `what: message` with SQLite's own message when the error comes from the database.
    static func diagnostic(_ what: String, _ error: any Error) -> Diagnostic {
        if let diagnostic = error as? Diagnostic { return diagnostic }
        if let dbError = error as? DatabaseError {
            var message = dbError.message ?? "\(dbError.resultCode)"
            if let sql = dbError.sql, !sql.isEmpty, dbError.resultCode == .SQLITE_ERROR {
                message += " (in: \(sql.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)))"
            }
            return Diagnostic("\(what): \(message)")
        }
        return Diagnostic("\(what): \(error)")
    }
}
