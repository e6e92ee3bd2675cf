import GRDB
import TradeCore

extension Warehouse {
    /// The manifest record of the current loaded version of `path`, nil if the path was never loaded.
    public func manifestEntry(path: String) throws -> ManifestEntry? {
        try read("cannot read the manifest entry of \(path)") { db in
            try Row.fetchOne(db, SQLRequest(literal: """
                SELECT id, path, source, sha256, size, mtime, loaded_at, rows_loaded, rows_rejected
                FROM raw_file WHERE path = \(path) AND state = 'current'
                """)).map { row in
                ManifestEntry(path: row["path"], source: row["source"], sha256: row["sha256"], size: row["size"],
                              mtime: row["mtime"], loadedAt: row["loaded_at"], fileID: row["id"],
                              rowsLoaded: row["rows_loaded"], rowsRejected: row["rows_rejected"])
            }
        }
    }

    /// Records a new size/mtime for the current version of `path` whose content was found unchanged,
    /// so the next run can skip hashing it.
    public func touchManifest(path: String, size: Int64, mtime: Double) throws {
        try write("cannot update the manifest entry of \(path)") { db in
            try db.execute(literal: """
                UPDATE raw_file SET size = \(size), mtime = \(mtime) WHERE path = \(path) AND state = 'current'
                """)
            guard db.changesCount == 1 else {
                throw Diagnostic("cannot update the manifest entry of \(path): the path has no loaded version")
            }
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
