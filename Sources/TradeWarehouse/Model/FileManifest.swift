/// The identity of a raw file as the extractor saw it: where, what content, how big, when modified.
public struct FileIdentity: Sendable, Hashable {
    /// The path as shown to users (`Raw/china-customs/a.csv`, in the spelling the run was given).
    public var path: String
    /// What identifies the file across runs: its path relative to the canonical raw directory
    /// (`china-customs/a.csv`), whatever the spelling of `--raw`.
    public var key: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    public var size: Int64
    /// Modification time, seconds since 1970.
    public var mtime: Double

    /// `key` defaults to `path` (callers without a raw directory).
    public init(path: String, key: String? = nil, sha256: String, size: Int64, mtime: Double) {
        self.path = path
        self.key = key ?? path
        self.sha256 = sha256
        self.size = size
        self.mtime = mtime
    }
}

/// The manifest record of the current loaded version of a raw file path.
public struct ManifestEntry: Sendable, Hashable {
    public var path: String
    /// The path relative to the raw directory; nil for a version loaded before files were keyed.
    public var key: String?
    public var source: String
    public var sha256: String
    public var size: Int64
    public var mtime: Double
    /// ISO-8601 UTC time of the load.
    public var loadedAt: String
    public var fileID: Int64
    public var rowsLoaded: Int
    public var rowsRejected: Int
}

/// What one `loadFile` call stored.
public struct FileLoadSummary: Sendable, Hashable {
    public var fileID: Int64
    /// Rows stored of every kind (trade + mineral + commodity + observation).
    public var rowsLoaded: Int
    public var rowsRejected: Int
    public var tradeRows: Int
    public var mineralRows: Int
    public var commodityRows: Int
    public var observationRows: Int
    /// Rows of earlier files that this file superseded (same path or same natural key).
    public var rowsSuperseded: Int
    /// The path's previous version, now superseded, if there was one.
    public var replacedFileID: Int64?
}
