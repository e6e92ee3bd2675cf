import GRDB
import TradeCore

extension Warehouse {
    /// The manifest record of the current loaded version of the file keyed `key` (its path relative
    /// to the raw directory), nil if it was never loaded. A version loaded before files were keyed
    /// is found by its stored `path` when `path` is given and no keyed version exists.
    public func manifestEntry(key: String, path: String? = nil) throws -> ManifestEntry? {
        try read("cannot read the manifest entry of \(path ?? key)") { db in
            try Self.currentVersionID(db, key: key, path: path).flatMap { id in
                try Row.fetchOne(db, SQLRequest(literal: """
                    SELECT id, path, raw_key, source, sha256, size, mtime, loaded_at, rows_loaded, rows_rejected
                    FROM raw_file WHERE id = \(id)
                    """))
            }.map { row in
                ManifestEntry(path: row["path"], key: row["raw_key"], source: row["source"], sha256: row["sha256"],
                              size: row["size"], mtime: row["mtime"], loadedAt: row["loaded_at"], fileID: row["id"],
                              rowsLoaded: row["rows_loaded"], rowsRejected: row["rows_rejected"])
            }
        }
    }

    /// The id of the current version keyed `key`, else of the unkeyed current version stored as `path`.
    static func currentVersionID(_ db: Database, key: String, path: String?) throws -> Int64? {
        if let id = try Int64.fetchOne(db, SQLRequest(literal: """
            SELECT id FROM raw_file WHERE raw_key = \(key) AND state = 'current'
            """)) {
            return id
        }
        guard let path else { return nil }
        return try Int64.fetchOne(db, SQLRequest(literal: """
            SELECT id FROM raw_file WHERE path = \(path) AND raw_key IS NULL AND state = 'current' ORDER BY id DESC LIMIT 1
            """))
    }

    /// Records a new size/mtime (and the key) for the current version `fileID` whose content was
    /// found unchanged, so the next run can skip hashing it.
    public func touchManifest(fileID: Int64, key: String, size: Int64, mtime: Double) throws {
        try write("cannot update the manifest entry of \(key)") { db in
            try db.execute(literal: """
                UPDATE raw_file SET size = \(size), mtime = \(mtime), raw_key = \(key)
                WHERE id = \(fileID) AND state = 'current'
                """)
            guard db.changesCount == 1 else {
                throw Diagnostic("cannot update the manifest entry of \(key): the file has no current version \(fileID)")
            }
        }
    }

    /// Current versions loaded before files were keyed (no `raw_key`), newest first, with the path
    /// they were stored under, for `keyManifestEntries`.
    public func unkeyedManifestEntries() throws -> [(fileID: Int64, path: String)] {
        try read("cannot read the manifest") { db in
            try Row.fetchAll(db, sql: """
                SELECT id, path FROM raw_file WHERE raw_key IS NULL AND state = 'current' ORDER BY id DESC
                """).map { (fileID: $0["id"], path: $0["path"]) }
        }
    }

    /// Gives unkeyed current versions their key, in one transaction, in the order given (newest
    /// first). A version whose key another current version already holds is that file loaded
    /// again under another spelling of the raw directory: it is superseded by the keyed one, so
    /// the file counts once. Returns how many versions were superseded so.
    @discardableResult
    public func keyManifestEntries(_ keys: [(fileID: Int64, key: String)]) throws -> Int {
        try write("cannot key the manifest") { db in
            var superseded = 0
            for (fileID, key) in keys {
                if let holder = try Int64.fetchOne(db, SQLRequest(literal: """
                    SELECT id FROM raw_file WHERE raw_key = \(key) AND state = 'current' AND id <> \(fileID)
                    """)) {
                    for table in Self.observationTables {
                        try db.execute(sql: """
                            UPDATE \(table.name) SET superseded_by_file = ? WHERE file_id = ? AND superseded_by_file IS NULL
                            """, arguments: [holder, fileID])
                    }
                    try db.execute(literal: """
                        UPDATE raw_file SET state = 'superseded', superseded_by = \(holder)
                        WHERE id = \(fileID) AND state = 'current'
                        """)
                    superseded += db.changesCount
                } else {
                    try db.execute(literal: """
                        UPDATE raw_file SET raw_key = \(key) WHERE id = \(fileID) AND state = 'current' AND raw_key IS NULL
                        """)
                }
            }
            return superseded
        }
    }

    /// True when a current (not superseded) file of `source` has exactly this content.
    ///
    /// A superseded version does not count, so restoring a file's earlier content reloads it.
    public func isLoaded(sha256: String, source: String) throws -> Bool {
        try read("cannot read the manifest") { db in
            try Bool.fetchOne(db, SQLRequest(literal: """
                SELECT EXISTS (SELECT 1 FROM raw_file WHERE sha256 = \(sha256) AND source = \(source) AND state = 'current')
                """)) ?? false
        }
    }
}
