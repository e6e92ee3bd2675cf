/// The identity of a raw file as the extractor saw it: where, what content, how big, when modified.
public struct FileIdentity: Sendable, Hashable {
    public var path: String
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    public var size: Int64
    /// Modification time, seconds since 1970.
    public var mtime: Double

    public init(path: String, sha256: String, size: Int64, mtime: Double) {
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.mtime = mtime
    }
}

/// The manifest record of the current loaded version of a raw file path.
public struct ManifestEntry: Sendable, Hashable {
    public var path: String
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
