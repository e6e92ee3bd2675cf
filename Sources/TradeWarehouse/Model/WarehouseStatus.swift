/// What `tradewatch status` shows: recent runs, per-source health, the last run's file failures.
public struct WarehouseStatus: Sendable, Hashable {
    /// The last 10 runs, newest first.
    public var runs: [RunRecord]
    /// One entry per source that has loaded or failed files, by name.
    public var sources: [SourceStatus]
    /// File-level failures recorded by the most recent run.
    public var lastRunFailures: [FileFailure]
}

/// Per-source counts over the current (non-superseded) data.
public struct SourceStatus: Sendable, Hashable {
    public var source: String
    /// Current files (one per path).
    public var files: Int
    /// Current rows of every kind (trade, mineral, commodity, observation).
    public var rows: Int
    /// Rejected rows of the current files.
    public var rejectedRows: Int
    /// Newest trade period (`YYYY-MM`/`YYYY`), else newest mineral year or series period.
    public var newestPeriod: String?
    /// ISO-8601 UTC time of the newest load of this source.
    public var lastLoadedAt: String?
}

/// A file that could not be loaded at all (undecodable, truncated, matched no definition).
public struct FileFailure: Sendable, Hashable {
    public var runID: Int64
    public var path: String
    public var source: String?
    public var message: String
    public var recordedAt: String
}
